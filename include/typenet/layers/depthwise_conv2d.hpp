// typenet/layers/depthwise_conv2d.hpp: DepthwiseConv2D, each image channel convolved by its own kernels (Keras's).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/detail/depthwise.hpp>
#include <typenet/layers/layer_concepts.hpp>
#include <typenet/layers/padding.hpp>

namespace typenet {

namespace detail {
/// The arguments after the kernel size that a spelling names: those up to the last one not at
/// its default (Padding, the strides, the depth multiplier), as ", same, 2, 2, 2".
template <Padding Pad, std::size_t StrideH, std::size_t StrideW, std::size_t DepthMultiplier>
constexpr Text depthwise_arguments() {
  const std::size_t given = DepthMultiplier != 1 ? 3 : StrideH != 1 || StrideW != 1 ? 2 : Pad != Padding::valid ? 1 : 0;
  Text text;
  if (given >= 1) text += Text(", ") + padding_text(Pad);
  if (given >= 2) text += ", " + decimal(StrideH) + ", " + decimal(StrideW);
  if (given >= 3) text += ", " + decimal(DepthMultiplier);
  return text;
}
}  // namespace detail

/// y[oy][ox][c*DM + m] = b[c*DM + m] + sum over (ky, kx) of x[oy*SH + ky - top][ox*SW + kx - left][c] W[ky][kx][c][m]
/// for an input of (height, width, channels): each channel convolved with DepthMultiplier
/// kernels of its own, C x DepthMultiplier output channels. W is (KernelH, KernelW, channels,
/// DepthMultiplier) as Keras stores its depthwise_kernel, Glorot-uniform with Keras's fans
/// (KernelH KernelW channels in, KernelH KernelW DepthMultiplier out); b starts at zero. The
/// arguments are Conv2D's without Filters, then the depth multiplier: DepthwiseConv2D<3> is
/// Keras's DepthwiseConv2D(3). No activation: follow it with ReLU (fused).
template <std::size_t KernelH, std::size_t KernelW = KernelH, Padding Pad = Padding::valid, std::size_t StrideH = 1,
          std::size_t StrideW = StrideH, std::size_t DepthMultiplier = 1>
struct DepthwiseConv2D {
  static constexpr std::string_view name = "DepthwiseConv2D";
  static constexpr detail::Text spelling() {
    return "DepthwiseConv2D<" + detail::decimal(KernelH) + ", " + detail::decimal(KernelW) +
           detail::depthwise_arguments<Pad, StrideH, StrideW, DepthMultiplier>() + ">";
  }

  template <class Where>
  static consteval bool check_parameters() {
    static_assert((KernelH > 0 && KernelW > 0) || detail::rejected<Where>,
                  "DepthwiseConv2D needs a kernel of at least 1 x 1");
    static_assert((StrideH > 0 && StrideW > 0) || detail::rejected<Where>,
                  "DepthwiseConv2D needs strides of at least 1");
    static_assert(DepthMultiplier > 0 || detail::rejected<Where>,
                  "DepthwiseConv2D needs a depth multiplier of at least 1");
    static_assert(Pad != Padding::causal || detail::rejected<Where>,
                  "Padding::causal is for sequences (Conv1D): DepthwiseConv2D takes Padding::valid or Padding::same");
    return KernelH > 0 && KernelW > 0 && StrideH > 0 && StrideW > 0 && DepthMultiplier > 0 && Pad != Padding::causal;
  }

  template <AnyShape In>
  static constexpr bool accepts = detail::window_fits_image<In, KernelH, KernelW, Pad>;

  template <class Where>
  static consteval void explain() {
    if constexpr (!detail::is_image<detail::received_t<Where>>) {
      static_assert(detail::rejected<Where>,
                    "DepthwiseConv2D needs a rank-3 input (height, width, channels): declare images as Input<height, "
                    "width, channels> and keep Flatten after the convolutions");
    } else {
      static_assert(detail::rejected<Where>,
                    "DepthwiseConv2D's kernel is larger than its input: use a smaller kernel, Padding::same, or less "
                    "pooling before it");
    }
  }

  template <AnyShape In>
    requires accepts<In>
  struct bind {
    using descriptor = DepthwiseConv2D;
    static constexpr std::size_t H = In::dims[0], W = In::dims[1], C = In::dims[2], DM = DepthMultiplier;
    using rows = detail::Axis<H, KernelH, StrideH, Pad>;
    using cols = detail::Axis<W, KernelW, StrideW, Pad>;
    using core = detail::Depthwise<H, W, C, DM, KernelH, KernelW, StrideH, StrideW, rows::pad_before,
                                   cols::pad_before, rows::padded, cols::padded>;
    static constexpr std::size_t OH = rows::out, OW = cols::out, CM = core::CM;
    static_assert(core::OH == OH && core::OW == OW);

    static constexpr In input_shape{};
    static constexpr Shape<OH, OW, CM> output_shape{};

    static constexpr std::size_t receptive = KernelH * KernelW;
    static constexpr std::array<ParameterTensor, 2> parameter_tensors{
        ParameterTensor{"depthwise_kernel", receptive * CM, Init::glorot_uniform, receptive * C, receptive * DM, true,
                        {KernelH, KernelW, C, DM}},
        ParameterTensor{"bias", CM, Init::zeros, 0, 0, true, {CM}},
    };
    static constexpr std::size_t parameter_count = receptive * CM + CM;
    static constexpr std::size_t bias_offset = detail::tensor_offset(parameter_tensors, 1);

    /// The staged input (padded, each channel DM times), kept for the kernel gradient; scratch
    /// for the staged input gradient. Neither when the input is read in place.
    static constexpr std::size_t saved_size = core::staged_size;
    static constexpr std::size_t scratch_size = core::staged_size;
    static constexpr std::size_t inference_scratch_size = 0;
    static constexpr std::size_t packed_size = 0;
    static constexpr bool fuses_relu = true;
    static constexpr bool gates_input_gradient = true;

    template <class S>
    static void pack(const S*, S*) {}

    template <class S>
    static void forward(const Pass<S>& pass, const S* x, S* y, std::size_t n) {
      for (std::size_t b = 0; b < n; ++b) {
        const S* in = core::stage(x + b * In::size, core::staged ? pass.saved + b * saved_size : nullptr);
        core::forward(in, pass.params, pass.params + bias_offset, y + b * core::out_size, pass.relu);
      }
    }

    /// The gradient of a ReLU before it is taken here: dx is kept where the input is above zero.
    template <class S>
    static void backward(const Pass<S>& pass, const S* x, const S*, const S* dy, S* dx, std::size_t n) {
      if (!dx) return;
      for (std::size_t b = 0; b < n; ++b)
        core::input_gradient(dy + b * core::out_size, pass.params, dx + b * In::size,
                             core::staged ? pass.scratch + b * scratch_size : nullptr);
      if (pass.gate)
        for (std::size_t i = 0; i < n * In::size; ++i) dx[i] = x[i] > S{} ? dx[i] : S{};
    }

    /// Two tiles: the depthwise kernel (one pass over the output, its taps x CM sums in L1), then
    /// the bias; each sums the samples in order.
    static constexpr std::size_t gradient_tiles = 2;
    static constexpr GradientSpan gradient_span(std::size_t tile) {
      return tile == 0 ? GradientSpan{0, receptive * CM} : GradientSpan{bias_offset, CM};
    }

    template <class S>
    static void gradient(const Pass<S>& pass, std::size_t tile, S* g, const S* x, const S* dy, std::size_t n) {
      if (tile == 1) return core::bias_gradient(dy, n * OH * OW, g);
      if (n == 0) std::fill_n(g, receptive * CM, S{});
      for (std::size_t b = 0; b < n; ++b) {
        const S* in = core::staged ? pass.saved + b * saved_size : x + b * In::size;
        core::kernel_gradient(in, dy + b * core::out_size, g, b == 0);
      }
    }
  };
};

}  // namespace typenet
