// typenet/layers/separable_conv2d.hpp: SeparableConv2D, a depthwise then a 1x1 convolution (Keras `SeparableConv2D`).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/kernels/gemm.hpp>
#include <typenet/layers/depthwise_conv2d.hpp>
#include <typenet/layers/detail/depthwise.hpp>
#include <typenet/layers/layer_concepts.hpp>
#include <typenet/layers/padding.hpp>

namespace typenet {

/// A depthwise convolution without bias (DepthwiseConv2D's z[oy][ox][c*DM + m], its strides and
/// padding), then a 1 x 1 convolution of its C x DM channels to Filters, with a bias:
/// y[oy][ox][f] = b[f] + sum over j of z[oy][ox][j] * P[0][0][j][f]. Keras's tensors and layouts:
/// depthwise_kernel (KernelH, KernelW, channels, DepthMultiplier), pointwise_kernel (1, 1,
/// channels x DepthMultiplier, Filters), both Glorot-uniform with Keras's fans, and bias
/// (Filters), zeros. One layer, as Keras's: SeparableConv2D<32, 3> is SeparableConv2D(32, 3).
/// No activation: follow it with ReLU (fused).
template <std::size_t Filters, std::size_t KernelH, std::size_t KernelW = KernelH, Padding Pad = Padding::valid,
          std::size_t StrideH = 1, std::size_t StrideW = StrideH, std::size_t DepthMultiplier = 1>
struct SeparableConv2D {
  static constexpr std::string_view name = "SeparableConv2D";
  static constexpr detail::Text spelling() {
    return "SeparableConv2D<" + detail::decimal(Filters) + ", " + detail::decimal(KernelH) + ", " +
           detail::decimal(KernelW) + detail::depthwise_arguments<Pad, StrideH, StrideW, DepthMultiplier>() + ">";
  }

  template <class Where>
  static consteval bool check_parameters() {
    static_assert(Filters > 0 || detail::rejected<Where>,
                  "SeparableConv2D needs at least one filter: SeparableConv2D<Filters, ...> with Filters > 0");
    static_assert((KernelH > 0 && KernelW > 0) || detail::rejected<Where>,
                  "SeparableConv2D needs a kernel of at least 1 x 1");
    static_assert((StrideH > 0 && StrideW > 0) || detail::rejected<Where>,
                  "SeparableConv2D needs strides of at least 1");
    static_assert(DepthMultiplier > 0 || detail::rejected<Where>,
                  "SeparableConv2D needs a depth multiplier of at least 1");
    static_assert(Pad != Padding::causal || detail::rejected<Where>,
                  "Padding::causal is for sequences (Conv1D): SeparableConv2D takes Padding::valid or Padding::same");
    return Filters > 0 && KernelH > 0 && KernelW > 0 && StrideH > 0 && StrideW > 0 && DepthMultiplier > 0 &&
           Pad != Padding::causal;
  }

  template <AnyShape In>
  static constexpr bool accepts = detail::window_fits_image<In, KernelH, KernelW, Pad>;

  template <class Where>
  static consteval void explain() {
    if constexpr (!detail::is_image<detail::received_t<Where>>) {
      static_assert(detail::rejected<Where>,
                    "SeparableConv2D needs a rank-3 input (height, width, channels): declare images as Input<height, "
                    "width, channels> and keep Flatten after the convolutions");
    } else {
      static_assert(detail::rejected<Where>,
                    "SeparableConv2D's kernel is larger than its input: use a smaller kernel, Padding::same, or less "
                    "pooling before it");
    }
  }

  template <AnyShape In>
    requires accepts<In>
  struct bind {
    using descriptor = SeparableConv2D;
    static constexpr std::size_t H = In::dims[0], W = In::dims[1], C = In::dims[2], DM = DepthMultiplier, F = Filters;
    using rows = detail::Axis<H, KernelH, StrideH, Pad>;
    using cols = detail::Axis<W, KernelW, StrideW, Pad>;
    using core = detail::Depthwise<H, W, C, DM, KernelH, KernelW, StrideH, StrideW, rows::pad_before,
                                   cols::pad_before, rows::padded, cols::padded>;
    static constexpr std::size_t OH = rows::out, OW = cols::out, CM = core::CM, pixels = OH * OW;
    static_assert(core::OH == OH && core::OW == OW);

    static constexpr In input_shape{};
    static constexpr Shape<OH, OW, F> output_shape{};

    static constexpr std::size_t receptive = KernelH * KernelW;
    static constexpr std::array<ParameterTensor, 3> parameter_tensors{
        ParameterTensor{"depthwise_kernel", receptive * CM, Init::glorot_uniform, receptive * C, receptive * DM, true,
                        {KernelH, KernelW, C, DM}},
        ParameterTensor{"pointwise_kernel", CM * F, Init::glorot_uniform, CM, F, true, {1, 1, CM, F}},
        ParameterTensor{"bias", F, Init::zeros, 0, 0, true, {F}},
    };
    static constexpr std::size_t parameter_count = receptive * CM + CM * F + F;
    static constexpr std::size_t pointwise_offset = detail::tensor_offset(parameter_tensors, 1);
    static constexpr std::size_t bias_offset = detail::tensor_offset(parameter_tensors, 2);
    /// One sample's pointwise products, for the plan's chunk sizes (the first tensor alone
    /// counts only the depthwise part).
    static constexpr std::size_t multiply_adds = pixels * (receptive * CM + CM * F);

    /// Per sample, saved: the staged input (none where x is read in place), the depthwise
    /// output z (the pointwise kernel's gradient reads it) and its gradient dz (the depthwise
    /// kernel's); scratch: the staged input gradient.
    static constexpr std::size_t z_at = core::staged_size, dz_at = z_at + core::out_size;
    static constexpr std::size_t saved_size = dz_at + core::out_size;
    static constexpr std::size_t scratch_size = core::staged_size;
    static constexpr std::size_t inference_scratch_size = 0;
    static constexpr bool fuses_relu = true;
    static constexpr bool gates_input_gradient = true;

    /// The pointwise kernel transposed, (F, CM), for dz = dy P^T; backward reads it with or
    /// without dx (dz is the depthwise kernel's gradient), so a first layer is packed too, and
    /// inference packs nothing.
    static constexpr std::size_t packed_size = F * CM;
    static constexpr bool packed_for_training = true;
    template <class S>
    static void pack(const S* params, S* packed) {
      const S* p = params + pointwise_offset;
      for (std::size_t j = 0; j < CM; ++j)
        for (std::size_t f = 0; f < F; ++f) packed[f * CM + j] = p[j * F + f];
    }

    template <class S>
    static void forward(const Pass<S>& pass, const S* x, S* y, std::size_t n) {
      for (std::size_t b = 0; b < n; ++b) {
        S* saved = pass.saved + b * saved_size;
        S* z = saved + z_at;
        const S* in = core::stage(x + b * In::size, saved);
        core::forward(in, pass.params, static_cast<const S*>(nullptr), z, false);
        kernels::gemm<S, F, CM>(pixels, z, CM, 1, pass.params + pointwise_offset, F, y + b * pixels * F, F,
                                kernels::Start::row, pass.params + bias_offset, {.relu = pass.relu});
      }
    }

    /// dz = dy P^T (kept for the depthwise kernel's gradient), then dx from dz when wanted; the
    /// gradient of a ReLU before it is taken here (dx kept where the input is above zero).
    template <class S>
    static void backward(const Pass<S>& pass, const S* x, const S*, const S* dy, S* dx, std::size_t n) {
      for (std::size_t b = 0; b < n; ++b) {
        S* dz = pass.saved + b * saved_size + dz_at;
        kernels::gemm<S, CM, F>(pixels, dy + b * pixels * F, F, 1, pass.packed, CM, dz, CM);
        if (dx)
          core::input_gradient(dz, pass.params, dx + b * In::size,
                               core::staged ? pass.scratch + b * scratch_size : nullptr);
      }
      if (dx && pass.gate)
        for (std::size_t i = 0; i < n * In::size; ++i) dx[i] = x[i] > S{} ? dx[i] : S{};
    }

    /// Three tiles, one per tensor, each summing the samples in order: the depthwise kernel from
    /// the staged inputs and dz, the pointwise kernel z^T dy, the bias.
    static constexpr std::size_t gradient_tiles = 3;
    static constexpr GradientSpan gradient_span(std::size_t tile) {
      return tile == 0 ? GradientSpan{0, receptive * CM}
                       : tile == 1 ? GradientSpan{pointwise_offset, CM * F} : GradientSpan{bias_offset, F};
    }

    template <class S>
    static void gradient(const Pass<S>& pass, std::size_t tile, S* g, const S* x, const S* dy, std::size_t n) {
      if (tile == 2) {
        std::array<S, F> db{};
        for (std::size_t q = 0; q < n * pixels; ++q)
          for (std::size_t f = 0; f < F; ++f) db[f] += dy[q * F + f];
        std::copy(db.begin(), db.end(), g);
        return;
      }
      const std::size_t count = tile == 0 ? receptive * CM : CM * F;
      if (n == 0) std::fill_n(g, count, S{});
      for (std::size_t b = 0; b < n; ++b) {
        const S* saved = pass.saved + b * saved_size;
        if (tile == 0) {
          core::kernel_gradient(core::staged ? saved : x + b * In::size, saved + dz_at, g, b == 0);
        } else {
          // Rows j of P's gradient: A(j, p) = z[p][j] (the transposed z, read in place).
          kernels::gemm_any_k<S, F>(CM, pixels, saved + z_at, 1, CM, dy + b * pixels * F, F, g, F,
                                    b == 0 ? kernels::Start::zero : kernels::Start::accumulate);
        }
      }
    }
  };
};

}  // namespace typenet
