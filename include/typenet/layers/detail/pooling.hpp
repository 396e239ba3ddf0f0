// typenet/layers/detail/pooling.hpp: Pooling<Kind, ...>, the shared body of MaxPool2D and AvgPool2D.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/simd.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/layer_concepts.hpp>
#include <typenet/layers/padding.hpp>

namespace typenet::detail {

enum class PoolKind { max, average };

/// A PoolH x PoolW window moved by StrideH x StrideW over each channel of an image. As in
/// Keras, strides left at 0 are the pool size, and one stride given serves both axes. With
/// Padding::same the window may hang over the border; the positions outside are ignored (as
/// Keras does: they neither win a max nor count in an average).
template <class Descriptor, PoolKind Kind, std::size_t PoolH, std::size_t PoolW, Padding Pad, std::size_t GivenH,
          std::size_t GivenW>
struct Pooling {
  static constexpr std::size_t StrideH = GivenH ? GivenH : PoolH;
  static constexpr std::size_t StrideW = GivenW ? GivenW : GivenH ? GivenH : PoolW;

  static constexpr std::string_view name = Kind == PoolKind::max ? "MaxPool2D" : "AvgPool2D";
  static constexpr Text spelling() {
    Text text = Text(name) + "<" + decimal(PoolH) + ", " + decimal(PoolW);
    const bool default_strides = StrideH == PoolH && StrideW == PoolW;
    if (Pad != Padding::valid || !default_strides) text += Text(", ") + padding_text(Pad);
    if (!default_strides) text += ", " + decimal(StrideH) + ", " + decimal(StrideW);
    return text + ">";
  }

  template <class Where>
  static consteval bool check_parameters() {
    static_assert((PoolH > 0 && PoolW > 0) || rejected<Where>, "a pooling layer needs a window of at least 1 x 1");
    static_assert(Pad != Padding::causal || rejected<Where>,
                  "Padding::causal is for Conv1D: a pooling layer takes Padding::valid or Padding::same");
    return PoolH > 0 && PoolW > 0 && Pad != Padding::causal;
  }

  template <AnyShape In>
  static constexpr bool accepts = window_fits_image<In, PoolH, PoolW, Pad>;

  template <class Where>
  static consteval void explain() {
    if constexpr (!is_image<received_t<Where>>) {
      static_assert(rejected<Where>,
                    "a pooling layer (MaxPool2D, AvgPool2D) needs a rank-3 input (height, width, channels): pool "
                    "before Flatten, not after it");
    } else {
      static_assert(rejected<Where>,
                    "the pooling window is larger than its input: use a smaller pool size, Padding::same, or fewer "
                    "pooling layers");
    }
  }

  template <AnyShape In>
    requires accepts<In>
  struct bind : NoParameters {
    using descriptor = Descriptor;
    static constexpr std::size_t H = In::dims[0], W = In::dims[1], C = In::dims[2];
    using rows = Axis<H, PoolH, StrideH, Pad>;
    using cols = Axis<W, PoolW, StrideW, Pad>;
    static constexpr std::size_t OH = rows::out, OW = cols::out;
    static constexpr In input_shape{};
    static constexpr Shape<OH, OW, C> output_shape{};

    /// Calls f(iy, ix) for the input positions of window (oy, ox), in row-major order.
    template <class F>
    static void window(std::size_t oy, std::size_t ox, F&& f) {
      const std::size_t y0 = std::max(oy * StrideH, rows::pad_before) - rows::pad_before;
      const std::size_t y1 = std::min(oy * StrideH + PoolH, H + rows::pad_before) - rows::pad_before;
      const std::size_t x0 = std::max(ox * StrideW, cols::pad_before) - cols::pad_before;
      const std::size_t x1 = std::min(ox * StrideW + PoolW, W + cols::pad_before) - cols::pad_before;
      for (std::size_t iy = y0; iy < y1; ++iy)
        for (std::size_t ix = x0; ix < x1; ++ix) f(iy, ix);
    }

    template <class S>
    static void forward(const Pass<S>&, const S* x, S* y, std::size_t n) {
      for (std::size_t b = 0; b < n; ++b) {
        const S* in = x + b * H * W * C;
        for (std::size_t oy = 0; oy < OH; ++oy)
          for (std::size_t ox = 0; ox < OW; ++ox) {
            S* out = y + ((b * OH + oy) * OW + ox) * C;
            std::fill_n(out, C, Kind == PoolKind::max ? -std::numeric_limits<S>::infinity() : S{});
            std::size_t count = 0;
            window(oy, ox, [&](std::size_t iy, std::size_t ix) {
              const S* p = in + (iy * W + ix) * C;
              if constexpr (Kind == PoolKind::max)
                for (std::size_t c = 0; c < C; ++c) out[c] = std::max(out[c], p[c]);
              else
                for (std::size_t c = 0; c < C; ++c) out[c] += p[c];
              ++count;
            });
            if constexpr (Kind == PoolKind::average) {
              const S scale = S{1} / S(count);
              for (std::size_t c = 0; c < C; ++c) out[c] *= scale;
            }
          }
      }
    }

    /// True when the windows tile the input without overlap (Keras's default pooling): each
    /// input position then receives from at most one window, and is written, not added to.
    static constexpr bool tiling = Pad == Padding::valid && StrideH == PoolH && StrideW == PoolW;

    /// Max: the gradient goes to the first position holding the maximum (window order), as in
    /// TensorFlow. Average: shared equally by the positions the window covered.
    /// Max pooling can pass back the gradient of a ReLU before it: where the maximum is zero.
    static constexpr bool gates_input_gradient = Kind == PoolKind::max;

    template <class S>
    static void backward(const Pass<S>& pass, const S* x, const S* y, const S* dy, S* dx, std::size_t n) {
      if (!dx) return;
      for (std::size_t b = 0; b < n; ++b) {
        const S* in = x + b * H * W * C;
        S* din = dx + b * H * W * C;
        if constexpr (tiling) {
          // Only the rows and columns no window covers (Keras flooring) need clearing.
          for (std::size_t iy = 0; iy < H; ++iy) {
            const std::size_t from = iy < OH * PoolH ? OW * PoolW : 0;
            std::fill(din + (iy * W + from) * C, din + (iy + 1) * W * C, S{});
          }
        } else {
          std::fill_n(din, H * W * C, S{});
        }
        for (std::size_t oy = 0; oy < OH; ++oy)
          for (std::size_t ox = 0; ox < OW; ++ox) {
            const std::size_t o = ((b * OH + oy) * OW + ox) * C;
            if constexpr (Kind == PoolKind::max) {
              route_to_maximum(in, din, y + o, dy + o, oy, ox, pass.gate);
            } else {
              std::size_t count = 0;
              window(oy, ox, [&](std::size_t, std::size_t) { ++count; });
              const S scale = S{1} / S(count);
              window(oy, ox, [&](std::size_t iy, std::size_t ix) {
                S* p = din + (iy * W + ix) * C;
                for (std::size_t c = 0; c < C; ++c) p[c] = (tiling ? S{} : p[c]) + dy[o + c] * scale;
              });
            }
          }
      }
    }

    /// One window's max-pooling gradient, a vector of channels at a time: each channel's
    /// gradient goes to the first position equal to its maximum, the others get zero.
    template <class S>
    static void route_to_maximum(const S* in, S* din, const S* y, const S* dy, std::size_t oy, std::size_t ox,
                                 bool gate) {
      using detail::vec;
      constexpr std::size_t L = detail::lanes<S>;
      std::size_t c = 0;
      for (; c + L <= C; c += L) {
        const vec<S> top = detail::load(y + c);
        const vec<S> grad = detail::load(dy + c);
        using mask = decltype(top == top);
        mask left = ~mask{};  // channels whose maximum is not yet found
        window(oy, ox, [&](std::size_t iy, std::size_t ix) {
          const std::size_t at = (iy * W + ix) * C + c;
          const vec<S> value = detail::load(in + at);
          const mask hit = (value == top) & left;
          left &= ~hit;
          vec<S> share = (vec<S>)((mask)grad & hit);
          if (gate) share = detail::where_positive(value, share);
          detail::store<S>(din + at, tiling ? share : detail::load(din + at) + share);
        });
      }
      for (; c < C; ++c) {
        bool left = true;
        window(oy, ox, [&](std::size_t iy, std::size_t ix) {
          const std::size_t at = (iy * W + ix) * C + c;
          const bool hit = left && in[at] == y[c];
          left = left && !hit;
          din[at] = (tiling ? S{} : din[at]) + (hit && (!gate || in[at] > S{}) ? dy[c] : S{});
        });
      }
    }
  };
};

}  // namespace typenet::detail
