// typenet/layers/dense.hpp: Dense<Units>, a fully connected layer (Keras `Dense`), and Dense<Units, Activation>.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/simd.hpp>
#include <typenet/core/text.hpp>
#include <typenet/kernels/gemm.hpp>
#include <typenet/kernels/select.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

namespace detail {
template <class Activation>
constexpr Text activation_spelling() {
  if constexpr (requires { Activation::spelling(); })
    return Text(Activation::spelling());
  else
    return "?";
}
}  // namespace detail

/// Keras's `Dense(units, activation=...)`: shorthand for `Dense<Units>, Activation`, the same
/// network (two layers in summary() and in weight files; a ReLU is fused as when written after).
/// `Dense<Units>` alone (Activation = void) is the linear layer below.
template <std::size_t Units, class Activation = void>
struct Dense {
  static constexpr std::string_view name = "Dense";
  static constexpr detail::Text spelling() {
    return "Dense<" + detail::decimal(Units) + ", " + detail::activation_spelling<Activation>() + ">";
  }

  template <class Where>
  static consteval bool check_parameters() {
    static_assert(detail::is_activation_descriptor<Activation> || detail::rejected<Where>,
                  "Dense<Units, Activation> takes an activation layer as its second argument (ReLU, Sigmoid, Tanh, "
                  "Softmax, LeakyReLU<...>), as Keras's Dense(units, activation=...); write other layers after it");
    if constexpr (detail::is_activation_descriptor<Activation>)
      return Dense<Units>::template check_parameters<Where>();
    else
      return false;
  }

  template <AnyShape In>
  static constexpr bool accepts = Dense<Units>::template accepts<In>;

  template <class Where>
  static consteval void explain() {
    Dense<Units>::template explain<Where>();
  }

  using expands_to = detail::type_list<Dense<Units>, Activation>;
};

/// y = x W + b for a rank-1 input x. W is (inputs, Units) as Keras stores it; Glorot-uniform
/// W and zero b, as Keras initialises them.
template <std::size_t Units>
struct Dense<Units, void> {
  static constexpr std::string_view name = "Dense";
  static constexpr detail::Text spelling() { return "Dense<" + detail::decimal(Units) + ">"; }

  template <class Where>
  static consteval bool check_parameters() {
    static_assert(Units > 0 || detail::rejected<Where>, "Dense needs at least one unit: write Dense<Units> with Units > 0");
    return Units > 0;
  }

  template <AnyShape In>
  static constexpr bool accepts = In::rank == 1;

  template <class Where>
  static consteval void explain() {
    if constexpr (detail::received_t<Where>::rank == 2) {
      static_assert(detail::rejected<Where>,
                    "Dense needs a rank-1 input, and a sequence is rank 2 (steps, features): put Flatten, "
                    "GlobalAveragePooling1D, or a recurrent layer with Return::last_step before it (Keras's Dense "
                    "would apply to every step)");
    } else {
      static_assert(detail::rejected<Where>, "Dense needs a rank-1 input: put Flatten before it");
    }
  }

  template <AnyShape In>
    requires accepts<In>
  struct bind : detail::NoWorkAreas {
    using descriptor = Dense;
    static constexpr std::size_t K = In::size;
    static constexpr std::size_t N = Units;
    static constexpr In input_shape{};
    static constexpr Shape<Units> output_shape{};

    static constexpr std::array<ParameterTensor, 2> parameter_tensors{
        ParameterTensor{"kernel", K * N, Init::glorot_uniform, K, N, true, {K, N}},
        ParameterTensor{"bias", N, Init::zeros, 0, 0, true, {N}},
    };
    static constexpr std::size_t parameter_count = K * N + N;
    static constexpr std::size_t bias_offset = detail::tensor_offset(parameter_tensors, 1);

    /// W transposed, (Units, inputs), so the input gradient dx = dy W^T reads rows. Only the
    /// input gradient reads it, so the model does not pack a first layer, whose input gradient
    /// it never makes; the others are packed in parts of 512 inputs, in parallel. (The MLP's
    /// Dense(128) on 784 inputs had been transposed after every step, on one thread; leaving
    /// it out and packing the rest in parallel made MLP training 29 % faster.)
    static constexpr std::size_t packed_size = N * K;
    static constexpr bool packed_for_input_gradient = true;
    static constexpr std::size_t pack_tasks = (K + 511) / 512;

    template <class S>
    static void pack(const S* params, S* packed, std::size_t task) {
      for (std::size_t k = task * 512; k < std::min(K, (task + 1) * 512); ++k)
        for (std::size_t n = 0; n < N; ++n) packed[n * K + k] = params[k * N + n];
    }
    template <class S>
    static void pack(const S* params, S* packed) {
      for (std::size_t task = 0; task < pack_tasks; ++task) pack(params, packed, task);
    }

    static constexpr bool fuses_relu = true;
    static constexpr bool gates_input_gradient = true;

    /// The parts the forward pass's sum is cut into (kernels::gemm_parts says when and why).
    static constexpr std::size_t parts = kernels::gemm_parts<K, N>();

    template <class S>
    static void forward(const Pass<S>& pass, const S* x, S* y, std::size_t n) {
      if constexpr (parts > 1)
        kernels::gemm_split<S, N, K, parts>(n, x, K, 1, pass.params, N, y, N, kernels::Start::row,
                                            pass.params + bias_offset, {.relu = pass.relu});
      else if (n == 1)  // one sample: all of N's columns in one pass (the same bits)
        kernels::gemm_few_rows<S, N, K, 1>(x, K, 1, pass.params, N, y, N, kernels::Start::row,
                                           pass.params + bias_offset, {.relu = pass.relu});
      else
        kernels::gemm<S, N, K>(n, x, K, 1, pass.params, N, y, N, kernels::Start::row, pass.params + bias_offset,
                               {.relu = pass.relu});
    }

    template <class S>
    static void backward(const Pass<S>& pass, const S* x, const S*, const S* dy, S* dx, std::size_t n) {
      if (dx)
        kernels::gemm<S, K, N>(n, dy, N, 1, pass.packed, K, dx, K, kernels::Start::zero, nullptr,
                               {.gate = pass.gate ? x : nullptr});
    }

    /// Row blocks of dW (a multiple of every micro-tile height), then one tile for db; each
    /// tile writes a span of its own (rows of the kernel, or the bias).
    static constexpr std::size_t rows_per_tile = 96;
    static constexpr std::size_t gradient_tiles = (K + rows_per_tile - 1) / rows_per_tile + 1;
    static constexpr GradientSpan gradient_span(std::size_t tile) {
      if (tile + 1 == gradient_tiles) return {bias_offset, N};
      const std::size_t first = tile * rows_per_tile;
      return {first * N, std::min(rows_per_tile, K - first) * N};
    }

    /// The tile over the n samples: the chunk tree's one chunk (the same multiply-adds in
    /// sample order as a product over the batch).
    template <class S>
    static void gradient(const Pass<S>& pass, std::size_t tile, S* g, const S* x, const S* dy, std::size_t n) {
      gradient_tree(pass, tile, g, x, dy, n, std::max<std::size_t>(n, 1));
    }

    /// The tile summed over the chunks of `chunk` samples of the n, in the tree over chunk
    /// indices: the bits of `gradient` per chunk added by the model's tree, with the pending sums
    /// in registers. dW[k][u] = sum_b x[b][k] dy[b][u] (A = x transposed, read in place); db is
    /// the product of a row of ones and dy (1 x dy + s rounds as dy + s).
    template <class S>
    static void gradient_tree(const Pass<S>&, std::size_t tile, S* g, const S* x, const S* dy, std::size_t n,
                              std::size_t chunk) {
      if (tile + 1 < gradient_tiles) {
        const GradientSpan span = gradient_span(tile);
        kernels::gemm_chunk_tree<S, N>(span.size / N, n, chunk, x + span.first / N, 1, K, dy, N, g, N);
      } else {
        const S one{1};
        kernels::gemm_chunk_tree<S, N>(1, n, chunk, &one, 0, 0, dy, N, g, N);
      }
    }
  };
};

}  // namespace typenet
