// typenet/layers/conv1d.hpp: Conv1D<Filters, Kernel, Padding, Stride, Dilation, Groups>, a convolution over time (Keras `Conv1D`).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/core/detail/compiler.hpp>
#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/kernels/gemm.hpp>
#include <typenet/layers/layer_concepts.hpp>
#include <typenet/layers/padding.hpp>

namespace typenet {

namespace detail {
/// Output steps and padding of a 1-D window of Kernel taps Dilation apart, moved by Stride.
/// `valid` reads inside the input; `same` pads (the odd one after, as Keras) to ceil(T / Stride)
/// outputs; `causal` pads Dilation x (Kernel - 1) zeros before, none after, so that output t
/// reads input steps up to t x Stride.
template <std::size_t T, std::size_t Kernel, std::size_t Stride, std::size_t Dilation, Padding Pad>
struct TimeAxis {
  static constexpr std::size_t reach = Dilation * (Kernel - 1) + 1;  ///< steps one window spans
  static constexpr std::size_t out = Pad == Padding::valid ? (T >= reach ? (T - reach) / Stride + 1 : 0)
                                                           : (T + Stride - 1) / Stride;
  static constexpr std::size_t same_total = out > 0 && (out - 1) * Stride + reach > T ? (out - 1) * Stride + reach - T : 0;
  static constexpr std::size_t pad_before =
      Pad == Padding::causal ? reach - 1 : Pad == Padding::same ? same_total / 2 : 0;
  static constexpr std::size_t pad_after = Pad == Padding::same ? same_total - same_total / 2 : 0;
  static constexpr std::size_t padded = pad_before + T + pad_after;
};
}  // namespace detail

/// y[t][f] = b[f] + sum over (k, c) of x[t*Stride + k*Dilation - pad][g*C/G + c] * W[k][c][f], with
/// g = f / (Filters / Groups) the filter's group, for an input of (steps, channels). W is
/// (Kernel, channels / Groups, Filters) as Keras stores it, Glorot-uniform with Keras's fans; b
/// starts at zero. Groups = channels (and Filters a multiple of it) is a depthwise convolution.
/// No activation: follow it with ReLU (fused) or Tanh.
template <std::size_t Filters, std::size_t Kernel, Padding Pad = Padding::valid, std::size_t Stride = 1,
          std::size_t Dilation = 1, std::size_t Groups = 1>
struct Conv1D {
  static constexpr std::string_view name = "Conv1D";
  /// "Conv1D<16, 3>", then the arguments up to the last one not left at its default.
  static constexpr detail::Text spelling() {
    detail::Text text = "Conv1D<" + detail::decimal(Filters) + ", " + detail::decimal(Kernel);
    const std::size_t given = Groups != 1 ? 4 : Dilation != 1 ? 3 : Stride != 1 ? 2 : Pad != Padding::valid ? 1 : 0;
    if (given >= 1) text += detail::Text(", ") + detail::padding_text(Pad);
    if (given >= 2) text += ", " + detail::decimal(Stride);
    if (given >= 3) text += ", " + detail::decimal(Dilation);
    if (given >= 4) text += ", " + detail::decimal(Groups);
    return text + ">";
  }

  template <class Where>
  static consteval bool check_parameters() {
    static_assert(Filters > 0 || detail::rejected<Where>, "Conv1D needs at least one filter: Conv1D<Filters, ...> with Filters > 0");
    static_assert(Kernel > 0 || detail::rejected<Where>, "Conv1D needs a kernel of at least 1 step");
    static_assert((Stride > 0 && Dilation > 0) || detail::rejected<Where>, "Conv1D needs a stride and a dilation of at least 1");
    static_assert(Groups > 0 || detail::rejected<Where>, "Conv1D needs at least one group");
    static_assert(Groups == 0 || Filters % Groups == 0 || detail::rejected<Where>,
                  "Conv1D's filters must be a multiple of its groups (each group has Filters / Groups of them)");
    return Filters > 0 && Kernel > 0 && Stride > 0 && Dilation > 0 && Groups > 0 && Filters % Groups == 0;
  }

  template <AnyShape In>
  static constexpr bool has_sequence_rank = In::rank == 2;
  template <AnyShape In>
  static constexpr bool fits_groups = [] {
    if constexpr (!has_sequence_rank<In>) return false;
    else return In::dims[1] % Groups == 0;
  }();

  template <AnyShape In>
  static constexpr bool accepts = [] {
    if constexpr (!fits_groups<In>) return false;
    else return Pad == Padding::same || detail::TimeAxis<In::dims[0], Kernel, Stride, Dilation, Pad>::reach <= In::dims[0];
  }();

  template <class Where>
  static consteval void explain() {
    using In = detail::received_t<Where>;
    if constexpr (!has_sequence_rank<In>) {
      static_assert(detail::rejected<Where>,
                    "Conv1D needs a rank-2 input (steps, channels): declare sequences as Input<steps, channels>; "
                    "images take Conv2D");
    } else if constexpr (!fits_groups<In>) {
      static_assert(detail::rejected<Where>,
                    "Conv1D's input channels must be a multiple of its groups (each group reads channels / Groups "
                    "of them)");
    } else {
      static_assert(detail::rejected<Where>,
                    "Conv1D's window (dilation x (kernel - 1) + 1 steps) is longer than its input: use a smaller "
                    "kernel or dilation, or a longer input (with Padding::causal the first outputs would read "
                    "nothing but padding)");
    }
  }

  template <AnyShape In>
    requires accepts<In>
  struct bind {
    using descriptor = Conv1D;
    static constexpr std::size_t T = In::dims[0], C = In::dims[1], F = Filters, G = Groups;
    static constexpr std::size_t CG = C / G, FG = F / G;  ///< channels and filters per group
    using axis = detail::TimeAxis<T, Kernel, Stride, Dilation, Pad>;
    static constexpr std::size_t OT = axis::out, TP = axis::padded;
    static constexpr bool padded = TP != T;

    static constexpr In input_shape{};
    static constexpr Shape<OT, F> output_shape{};

    static constexpr std::size_t depth = Kernel * CG;  ///< inputs of one filter
    static constexpr std::array<ParameterTensor, 2> parameter_tensors{
        ParameterTensor{"kernel", depth * F, Init::glorot_uniform, depth, Kernel * F, true, {Kernel, CG, F}},
        ParameterTensor{"bias", F, Init::zeros, 0, 0, true, {F}},
    };
    static constexpr std::size_t parameter_count = depth * F + F;
    static constexpr std::size_t bias_offset = detail::tensor_offset(parameter_tensors, 1);

    /// The padded input, kept for the kernel gradient (none without padding: x is read in
    /// place); scratch for the padded input gradient.
    static constexpr std::size_t saved_size = padded ? TP * C : 0;
    static constexpr std::size_t scratch_size = padded ? TP * C : 0;
    /// The kernel gradient in tiles of `rows` rows of the (Kernel x channels / Groups, Filters)
    /// kernel, each its own span, so that they run in parallel; then the bias.
    static constexpr std::size_t rows = 64;
    static constexpr std::size_t kernel_tiles = (depth + rows - 1) / rows;
    static constexpr std::size_t gradient_tiles = kernel_tiles + 1;
    static constexpr GradientSpan gradient_span(std::size_t tile) {
      if (tile == kernel_tiles) return {bias_offset, F};
      return {tile * rows * F, std::min(rows, depth - tile * rows) * F};
    }

    /// One group: W transposed per tap, (Kernel, F, C), so the input gradient is a product
    /// (the rows of dy times W^T). Grouped convolutions run by direct loops and pack nothing.
    static constexpr std::size_t packed_size = G == 1 ? Kernel * F * C : 0;
    static constexpr bool packed_for_input_gradient = true;
    static constexpr bool fuses_relu = true;

    /// Streaming (infer/stream.hpp): the steps an output step reads when it reads none after its
    /// own: a causal convolution's window, or 1 for a kernel of one step; 0 otherwise (it cannot
    /// run a step at a time). Each step is then `step_form`, this layer without padding over the
    /// last `step_window` steps: the same parameters and the same sums as the whole sequence's.
    static constexpr std::size_t step_window =
        Stride == 1 && (Pad == Padding::causal || Kernel == 1) ? axis::reach : 0;
    using step_form = typename Conv1D<Filters, Kernel, Padding::valid, 1, Dilation, Groups>::template bind<
        Shape<axis::reach, C>>;

    template <class S>
    static void pack(const S* params, S* packed) {
      if constexpr (G == 1)
        for (std::size_t k = 0; k < Kernel; ++k)
          for (std::size_t c = 0; c < C; ++c)
            for (std::size_t f = 0; f < F; ++f) packed[(k * F + f) * C + c] = params[(k * C + c) * F + f];
    }

    /// Sample b's input, padded into `area` where the padding needs it.
    template <class S>
    static const S* padded_input(const S* x, S* area) {
      if constexpr (!padded) {
        return x;
      } else {
        std::fill_n(area, axis::pad_before * C, S{});
        std::copy(x, x + T * C, area + axis::pad_before * C);
        std::fill_n(area + (axis::pad_before + T) * C, axis::pad_after * C, S{});
        return area;
      }
    }
    template <class S>
    static const S* kept_input(const Pass<S>& pass, const S* x, std::size_t b) {
      if constexpr (padded) return pass.saved + b * TP * C;
      else return x + b * T * C;
    }

    template <class S>
    TYPENET_INLINE static void forward(const Pass<S>& pass, const S* x, S* y, std::size_t n) {
      const S* w = pass.params;
      const S* bias = pass.params + bias_offset;
      for (std::size_t b = 0; b < n; ++b) {
        const S* xp = padded_input(x + b * T * C, padded ? pass.saved + b * TP * C : nullptr);
        S* out = y + b * OT * F;
        if constexpr (G == 1 && Dilation == 1) {
          // A window is Kernel x C consecutive values: one product over all taps, rows Stride
          // steps apart.
          kernels::gemm<S, F, Kernel * C>(OT, xp, Stride * C, 1, w, F, out, F, kernels::Start::row, bias,
                                          {.relu = pass.relu});
        } else if constexpr (G == 1) {
          for (std::size_t k = 0; k < Kernel; ++k)
            kernels::gemm<S, F, C>(OT, xp + k * Dilation * C, Stride * C, 1, w + k * C * F, F, out, F,
                                   k == 0 ? kernels::Start::row : kernels::Start::accumulate, bias,
                                   {.relu = pass.relu && k + 1 == Kernel});
        } else {
          for (std::size_t t = 0; t < OT; ++t) {
            S* o = out + t * F;
            std::copy(bias, bias + F, o);
            for (std::size_t k = 0; k < Kernel; ++k) {
              const S* in = xp + (t * Stride + k * Dilation) * C;
              for (std::size_t g = 0; g < G; ++g)
                for (std::size_t c = 0; c < CG; ++c) {
                  const S v = in[g * CG + c];
                  const S* wr = w + (k * CG + c) * F + g * FG;
                  for (std::size_t f = 0; f < FG; ++f) o[g * FG + f] += v * wr[f];
                }
            }
            if (pass.relu)
              for (std::size_t f = 0; f < F; ++f) o[f] = std::max(o[f], S{});
          }
        }
      }
    }

    template <class S>
    static void backward(const Pass<S>& pass, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if (!dx) return;
      for (std::size_t b = 0; b < n; ++b) {
        S* dxp = padded ? pass.scratch + b * TP * C : dx + b * T * C;
        const S* d = dy + b * OT * F;
        std::fill_n(dxp, TP * C, S{});
        if constexpr (G == 1) {
          // Tap k adds dy W_k^T to the input rows t*Stride + k*Dilation.
          for (std::size_t k = 0; k < Kernel; ++k)
            kernels::gemm<S, C, F>(OT, d, F, 1, pass.packed + k * F * C, C, dxp + k * Dilation * C, Stride * C,
                                   kernels::Start::accumulate);
        } else {
          for (std::size_t t = 0; t < OT; ++t)
            for (std::size_t k = 0; k < Kernel; ++k) {
              S* in = dxp + (t * Stride + k * Dilation) * C;
              for (std::size_t g = 0; g < G; ++g)
                for (std::size_t c = 0; c < CG; ++c) {
                  const S* wr = pass.params + (k * CG + c) * F + g * FG;
                  S sum{};
                  for (std::size_t f = 0; f < FG; ++f) sum += d[t * F + g * FG + f] * wr[f];
                  in[g * CG + c] += sum;
                }
            }
        }
        if constexpr (padded) std::copy(dxp + axis::pad_before * C, dxp + (axis::pad_before + T) * C, dx + b * T * C);
      }
    }

    /// Tile `tile` at `g` (its span's start): rows r0 .. r0 + count of dW, dW[k][c][f] = sum over
    /// samples and steps of xp[t*Stride + k*Dilation][g C/G + c] dy[t][f], in sample order.
    template <class S>
    static void gradient(const Pass<S>& pass, std::size_t tile, S* g, const S* x, const S* dy, std::size_t n) {
      if (tile == kernel_tiles) {
        std::array<S, F> db{};
        for (std::size_t q = 0; q < n * OT; ++q)
          for (std::size_t f = 0; f < F; ++f) db[f] += dy[q * F + f];
        std::copy(db.begin(), db.end(), g);
        return;
      }
      const std::size_t r0 = tile * rows, count = std::min(rows, depth - r0);
      if (n == 0) std::fill_n(g, count * F, S{});
      for (std::size_t b = 0; b < n; ++b) {
        const S* xp = kept_input(pass, x, b);
        const S* d = dy + b * OT * F;
        const auto start = b == 0 ? kernels::Start::zero : kernels::Start::accumulate;
        if constexpr (G == 1 && Dilation == 1) {
          // Rows r0.. of dW (Kernel*C x F) = A dy with A(r, t) = xp[t*Stride*C + r].
          kernels::gemm_any_k<S, F>(count, OT, xp + r0, 1, Stride * C, d, F, g, F, start);
        } else if constexpr (G == 1) {
          // Row r = k*C + c: the taps the tile's rows cross, a product each.
          for (std::size_t r = r0; r < r0 + count;) {
            const std::size_t k = r / C, c0 = r % C, cn = std::min(C - c0, r0 + count - r);
            kernels::gemm_any_k<S, F>(cn, OT, xp + k * Dilation * C + c0, 1, Stride * C, d, F, g + (r - r0) * F, F, start);
            r += cn;
          }
        } else {
          if (b == 0) std::fill_n(g, count * F, S{});
          for (std::size_t t = 0; t < OT; ++t)
            for (std::size_t r = r0; r < r0 + count; ++r) {
              const std::size_t k = r / CG, c = r % CG;
              const S* in = xp + (t * Stride + k * Dilation) * C;
              S* row = g + (r - r0) * F;
              for (std::size_t gr = 0; gr < G; ++gr)
                for (std::size_t f = 0; f < FG; ++f) row[gr * FG + f] += in[gr * CG + c] * d[t * F + gr * FG + f];
            }
        }
      }
    }
  };
};

}  // namespace typenet
