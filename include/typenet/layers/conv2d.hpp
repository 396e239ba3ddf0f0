// typenet/layers/conv2d.hpp: Conv2D<Filters, KernelH, KernelW, Padding, StrideH, StrideW>, a 2-D convolution on channels-last images (Keras `Conv2D`).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/kernels/conv.hpp>
#include <typenet/kernels/winograd.hpp>
#include <typenet/layers/layer_concepts.hpp>
#include <typenet/layers/padding.hpp>

namespace typenet {

/// y[oy][ox][f] = b[f] + sum over (ky, kx, c) of x[oy*SH + ky - top][ox*SW + kx - left][c] * W[ky][kx][c][f],
/// for an input of (height, width, channels). W is (KernelH, KernelW, channels, Filters) as
/// Keras stores it, Glorot-uniform with Keras's fans; b starts at zero. No activation: follow it
/// with ReLU.
template <std::size_t Filters, std::size_t KernelH, std::size_t KernelW, Padding Pad = Padding::valid,
          std::size_t StrideH = 1, std::size_t StrideW = StrideH>
struct Conv2D {
  static constexpr std::string_view name = "Conv2D";
  static std::string spelling() {
    std::string text = "Conv2D<" + std::to_string(Filters) + ", " + std::to_string(KernelH) + ", " +
                       std::to_string(KernelW);
    if (Pad != Padding::valid || StrideH != 1 || StrideW != 1) text += std::string(", ") + detail::padding_text(Pad);
    if (StrideH != 1 || StrideW != 1) text += ", " + std::to_string(StrideH) + ", " + std::to_string(StrideW);
    return text + ">";
  }

  template <class Where>
  static consteval bool check_parameters() {
    static_assert(Filters > 0 || detail::rejected<Where>, "Conv2D needs at least one filter: Conv2D<Filters, ...> with Filters > 0");
    static_assert((KernelH > 0 && KernelW > 0) || detail::rejected<Where>, "Conv2D needs a kernel of at least 1 x 1");
    static_assert((StrideH > 0 && StrideW > 0) || detail::rejected<Where>, "Conv2D needs strides of at least 1");
    return Filters > 0 && KernelH > 0 && KernelW > 0 && StrideH > 0 && StrideW > 0;
  }

  template <AnyShape In>
  static constexpr bool has_image_rank = In::rank == 3;

  template <AnyShape In>
  static constexpr bool accepts = [] {
    if constexpr (!has_image_rank<In>) return false;
    else return Pad == Padding::same || (In::dims[0] >= KernelH && In::dims[1] >= KernelW);
  }();

  template <class Where>
  static consteval void explain() {
    if constexpr (!has_image_rank<detail::received_t<Where>>) {
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
    static constexpr bool padded = rows::pad_total > 0 || cols::pad_total > 0;

    static constexpr In input_shape{};
    static constexpr Shape<OH, OW, F> output_shape{};

    static constexpr std::size_t depth = KernelH * KernelW * C;
    static constexpr std::array<ParameterTensor, 2> parameter_tensors{
        ParameterTensor{"kernel", depth * F, Init::glorot_uniform, depth, KernelH * KernelW * F},
        ParameterTensor{"bias", F, Init::zeros},
    };
    static constexpr std::size_t parameter_count = depth * F + F;
    static constexpr std::size_t bias_offset = detail::tensor_offset(parameter_tensors, 1);

    /// The forward convolution, over the input padded when Padding::same needs it.
    using forward_shape = kernels::ConvShape<rows::padded, cols::padded, C, KernelH, KernelW, StrideH, StrideW, F>;

    /// A 3x3 stride-1 convolution with enough channels (whole vectors of them) and an output
    /// of at least one 4x4 tile runs as Winograd F(4x4, 3x3): 2.25 times fewer multiplications,
    /// in all three passes. Others run directly, as register-blocked products.
    static constexpr bool winograd = KernelH == 3 && KernelW == 3 && StrideH == 1 && StrideW == 1 && C % 16 == 0 &&
                                     F % 16 == 0 && OH >= 4 && OW >= 4;
    using fast = kernels::Winograd3x3<H, W, C, F, rows::pad_before, cols::pad_before, OH, OW>;

    static constexpr std::size_t saved_size =
        winograd ? fast::saved_size : padded ? rows::padded * cols::padded * C : 0;
    static constexpr std::size_t scratch_size = winograd ? fast::scratch_size : 0;
    static constexpr std::size_t inference_saved_size = winograd ? 0 : saved_size;
    static constexpr std::size_t inference_scratch_size = winograd ? fast::inference_scratch_size : 0;
    static constexpr bool fuses_relu = true;

    /// Winograd's transformed kernels; else each tap's weights transposed, packed[ky][kx][f][c]
    /// = W[ky][kx][c][f], for the input gradient.
    static constexpr std::size_t packed_size = winograd ? fast::packed_size : depth * F;
    /// The direct kernels read the transposed weights for the input gradient only (the model
    /// does not pack them for a first layer); Winograd's forward pass reads its own.
    static constexpr bool packed_for_input_gradient = !winograd;
    static constexpr std::size_t pack_tasks = winograd ? fast::pack_tasks : 1;

    template <class S>
    static void pack(const S* params, S* packed, std::size_t task) {
      if constexpr (winograd) fast::pack(params, packed, task);
      else pack(params, packed);
    }
    template <class S>
    static void pack(const S* params, S* packed) {
      if constexpr (winograd) {
        fast::pack(params, packed);
      } else {
        for (std::size_t tap = 0; tap < KernelH * KernelW; ++tap)
          for (std::size_t c = 0; c < C; ++c)
            for (std::size_t f = 0; f < F; ++f) packed[(tap * F + f) * C + c] = params[(tap * C + c) * F + f];
      }
    }

    template <class S>
    static void forward(const Pass<S>& pass, const S* x, S* y, std::size_t n) {
      if constexpr (winograd) {
        fast::forward(n, x, pass.packed, pass.params + bias_offset, y, pass.relu, pass.training, pass.saved,
                      pass.scratch);
        return;
      }
      const S* source = x;
      if constexpr (padded) {
        constexpr std::size_t PW = cols::padded;
        for (std::size_t b = 0; b < n; ++b) {
          S* to = pass.saved + b * saved_size;
          std::fill(to, to + saved_size, S{});
          for (std::size_t iy = 0; iy < H; ++iy)
            std::copy(x + (b * H + iy) * W * C, x + (b * H + iy + 1) * W * C,
                      to + ((iy + rows::pad_before) * PW + cols::pad_before) * C);
        }
        source = pass.saved;
      }
      kernels::conv_valid<forward_shape>(n, source, pass.params, pass.params + bias_offset, y, pass.relu);
    }

    template <class S>
    static void backward(const Pass<S>& pass, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if constexpr (winograd) fast::backward(n, dy, pass.packed, dx, pass.saved, pass.scratch);
      else if (dx)
        kernels::conv_input_gradient<forward_shape, H, W, rows::pad_before, cols::pad_before>(n, dy, pass.packed, dx);
    }

    /// Row blocks of dW (48 rows: a multiple of every micro-tile height; for Winograd, blocks
    /// of input channels), then one tile for db.
    static constexpr std::size_t rows_per_tile = 48;
    static constexpr std::size_t gradient_tiles =
        (winograd ? fast::weight_tiles : (depth + rows_per_tile - 1) / rows_per_tile) + 1;

    /// Needs the backward pass of the same samples before it (for Winograd, which leaves the
    /// transformed output gradient in `saved`), and scratch.
    template <class S>
    static void gradient(const Pass<S>& pass, std::size_t tile, S* g, const S* x, const S* dy, std::size_t n) {
      if (tile + 1 < gradient_tiles) {
        if constexpr (winograd) {
          fast::weight_gradient(tile, n, pass.saved, g, pass.scratch);
        } else {
          const S* source = padded ? pass.saved : x;
          const std::size_t first = tile * rows_per_tile;
          kernels::conv_weight_gradient<forward_shape>(first, std::min(depth, first + rows_per_tile), n, source, dy, g);
        }
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
