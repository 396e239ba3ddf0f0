// typenet/layers/conv2d.hpp: Conv2D<Filters, KernelH, KernelW, Padding, StrideH, StrideW>, a 2-D convolution on channels-last images (Keras `Conv2D`).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/kernels/select.hpp>
#include <typenet/layers/detail/conv2d_direct.hpp>
#include <typenet/layers/detail/conv2d_split.hpp>
#include <typenet/layers/detail/conv2d_winograd.hpp>
#include <typenet/layers/layer_concepts.hpp>
#include <typenet/layers/padding.hpp>

namespace typenet {

/// y[oy][ox][f] = b[f] + sum over (ky, kx, c) of x[oy*SH + ky - top][ox*SW + kx - left][c] * W[ky][kx][c][f],
/// for an input of (height, width, channels). W is (KernelH, KernelW, channels, Filters) as
/// Keras stores it, Glorot-uniform with Keras's fans; b starts at zero. No activation: follow it
/// with ReLU. One kernel size is a square kernel, as Keras's Conv2D(32, 3): Conv2D<32, 3> is
/// the same type as Conv2D<32, 3, 3>.
template <std::size_t Filters, std::size_t KernelH, std::size_t KernelW = KernelH, Padding Pad = Padding::valid,
          std::size_t StrideH = 1, std::size_t StrideW = StrideH>
struct Conv2D {
  static constexpr std::string_view name = "Conv2D";
  static constexpr detail::Text spelling() {
    detail::Text text = "Conv2D<" + detail::decimal(Filters) + ", " + detail::decimal(KernelH) + ", " +
                        detail::decimal(KernelW);
    if (Pad != Padding::valid || StrideH != 1 || StrideW != 1) text += detail::Text(", ") + detail::padding_text(Pad);
    if (StrideH != 1 || StrideW != 1) text += ", " + detail::decimal(StrideH) + ", " + detail::decimal(StrideW);
    return text + ">";
  }

  template <class Where>
  static consteval bool check_parameters() {
    static_assert(Filters > 0 || detail::rejected<Where>, "Conv2D needs at least one filter: Conv2D<Filters, ...> with Filters > 0");
    static_assert((KernelH > 0 && KernelW > 0) || detail::rejected<Where>, "Conv2D needs a kernel of at least 1 x 1");
    static_assert((StrideH > 0 && StrideW > 0) || detail::rejected<Where>, "Conv2D needs strides of at least 1");
    static_assert(Pad != Padding::causal || detail::rejected<Where>,
                  "Padding::causal is for sequences (Conv1D): Conv2D takes Padding::valid or Padding::same");
    return Filters > 0 && KernelH > 0 && KernelW > 0 && StrideH > 0 && StrideW > 0 && Pad != Padding::causal;
  }

  template <AnyShape In>
  static constexpr bool accepts = detail::window_fits_image<In, KernelH, KernelW, Pad>;

  template <class Where>
  static consteval void explain() {
    if constexpr (!detail::is_image<detail::received_t<Where>>) {
      static_assert(detail::rejected<Where>,
                    "Conv2D needs a rank-3 input (height, width, channels): declare images as Input<height, width, "
                    "channels> and keep Flatten after the convolutions");
    } else {
      static_assert(detail::rejected<Where>,
                    "Conv2D's kernel is larger than its input: use a smaller kernel, Padding::same, or less pooling "
                    "before it");
    }
  }

  template <AnyShape In>
    requires accepts<In>
  struct bind {
    using descriptor = Conv2D;
    static constexpr std::size_t H = In::dims[0], W = In::dims[1], C = In::dims[2], F = Filters;
    using rows = detail::Axis<H, KernelH, StrideH, Pad>;
    using cols = detail::Axis<W, KernelW, StrideW, Pad>;
    static constexpr std::size_t OH = rows::out, OW = cols::out;

    static constexpr In input_shape{};
    static constexpr Shape<OH, OW, F> output_shape{};

    static constexpr std::size_t depth = KernelH * KernelW * C;
    static constexpr std::array<ParameterTensor, 2> parameter_tensors{
        ParameterTensor{"kernel", depth * F, Init::glorot_uniform, depth, KernelH * KernelW * F, true,
                        {KernelH, KernelW, C, F}},
        ParameterTensor{"bias", F, Init::zeros, 0, 0, true, {F}},
    };
    static constexpr std::size_t parameter_count = depth * F + F;
    static constexpr std::size_t bias_offset = detail::tensor_offset(parameter_tensors, 1);

    /// The algorithm and its storage contract (what it keeps, packs and calls), chosen by size:
    /// kernels::conv2d_algorithm says how and why.
    /// Inference may run by another algorithm than training (kernels::conv2d_training_algorithm).
    static constexpr kernels::ConvChoice algorithm =
        kernels::conv2d_algorithm<OH, OW, C, F, KernelH, KernelW, StrideH, StrideW>();
    static constexpr kernels::ConvChoice training_algorithm =
        kernels::conv2d_training_algorithm<OH, OW, C, F, KernelH, KernelW, StrideH, StrideW>();
    static constexpr bool winograd = training_algorithm.algorithm == kernels::ConvAlgorithm::winograd;
    static constexpr bool winograd_inference = algorithm.algorithm == kernels::ConvAlgorithm::winograd;
    using winograd_storage =
        detail::Conv2DWinograd<H, W, C, F, rows::pad_before, cols::pad_before, OH, OW, algorithm.tile>;
    using direct_storage = detail::Conv2DDirect<H, W, C, F, KernelH, KernelW, StrideH, StrideW, rows::pad_before,
                                                cols::pad_before, rows::padded, cols::padded>;
    using storage = std::conditional_t<
        winograd, winograd_storage,
        std::conditional_t<winograd_inference, detail::Conv2DSplit<direct_storage, winograd_storage>, direct_storage>>;
    using fast = storage;  ///< its former name (test_layers reads a Winograd tile as fast::tile)

    static constexpr std::size_t saved_size = storage::saved_size;
    static constexpr std::size_t scratch_size = storage::scratch_size;
    static constexpr std::size_t inference_saved_size = storage::inference_saved_size;
    static constexpr std::size_t inference_scratch_size = storage::inference_scratch_size;
    static constexpr bool fuses_relu = true;

    static constexpr std::size_t packed_size = storage::packed_size;
    static constexpr bool packed_for_input_gradient = storage::packed_for_input_gradient;
    static constexpr std::size_t pack_tasks = storage::pack_tasks;

    template <class S>
    static void pack(const S* params, S* packed, std::size_t task) {
      storage::pack(params, packed, task);
    }
    template <class S>
    static void pack(const S* params, S* packed) {
      storage::pack(params, packed);
    }

    template <class S>
    static void forward(const Pass<S>& pass, const S* x, S* y, std::size_t n) {
      storage::forward(n, x, pass.params, pass.params + bias_offset, pass.packed, y, pass.relu, pass.training,
                       pass.saved, pass.scratch);
    }

    /// The gradient of a ReLU before it is taken here: dx is kept where the input is above zero
    /// (the ReLU's output; its backward pass is then skipped, and the gradient at its output
    /// never stored).
    static constexpr bool gates_input_gradient = true;

    template <class S>
    static void backward(const Pass<S>& pass, const S* x, const S*, const S* dy, S* dx, std::size_t n) {
      storage::backward(n, dy, pass.packed, dx, pass.saved, pass.scratch);
      if (dx && pass.gate)
        for (std::size_t i = 0; i < n * In::size; ++i) dx[i] = x[i] > S{} ? dx[i] : S{};
    }

    /// The kernel gradient's tiles (the storage's), then one tile for db.
    static constexpr std::size_t gradient_tiles = storage::weight_tiles + 1;

    /// Needs the backward pass of the same samples before it (for Winograd, which leaves the
    /// transformed output gradient in `saved`), and scratch.
    template <class S>
    static void gradient(const Pass<S>& pass, std::size_t tile, S* g, const S* x, const S* dy, std::size_t n) {
      if (tile + 1 < gradient_tiles) {
        storage::weight_gradient(tile, n, x, dy, pass.saved, pass.scratch, g);
      } else {
        // Summed in a local array: into db itself, which might alias dy for all the compiler
        // knows, the loop stayed scalar (1.5 % of a CIFAR-shaped training step).
        std::array<S, F> db{};
        for (std::size_t q = 0; q < n * OH * OW; ++q)
          for (std::size_t f = 0; f < F; ++f) db[f] += dy[q * F + f];
        std::copy(db.begin(), db.end(), g + bias_offset);
      }
    }
  };
};

}  // namespace typenet
