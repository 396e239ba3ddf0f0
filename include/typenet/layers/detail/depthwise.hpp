// typenet/layers/detail/depthwise.hpp: Depthwise, the passes of a depthwise convolution of a channels-last image.
#pragma once

#include <algorithm>
#include <cstddef>

#include <typenet/core/detail/compiler.hpp>
#include <typenet/core/simd.hpp>

namespace typenet::detail {

/// A depthwise convolution of an H x W x C image, padded by PadTop and PadLeft to PH x PW, by
/// KH x KW kernels moved by SH x SW, DM of them per channel: output channel j = c DM + m is
/// input channel c convolved with its kernel m, and the kernel's (KH, KW, C, DM) layout (Keras's)
/// holds, for each tap, one weight per output channel in output order. So, once each input
/// channel is repeated DM times (the staged input, made where DM > 1 or padding needs one), every
/// tap is a multiply-add of contiguous vectors over the CM = C DM channels: no reduction across
/// channels, the inner loop is over channels, and a value's sum runs over the taps in order,
/// whichever samples share the call. Channels after the last whole vector take a multiply and an
/// add (-ffp-contract=off keeps them apart), the same for every sample.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t DM, std::size_t KH, std::size_t KW,
          std::size_t SH, std::size_t SW, std::size_t PadTop, std::size_t PadLeft, std::size_t PH, std::size_t PW>
struct Depthwise {
  static constexpr std::size_t CM = C * DM, taps = KH * KW;
  static constexpr std::size_t OH = (PH - KH) / SH + 1, OW = (PW - KW) / SW + 1;
  static constexpr bool padded = PH > H || PW > W;
  /// Whether a sample's input is copied into a PH x PW x CM area (padded, each channel DM times)
  /// instead of read in place.
  static constexpr bool staged = padded || DM > 1;
  static constexpr std::size_t staged_size = staged ? PH * PW * CM : 0;
  static constexpr std::size_t out_size = OH * OW * CM;

  /// Runs block.template operator()<NV>(j) over the channels in blocks of NV whole vectors from
  /// j (4 at most: four independent chains of sums), then tail(j) for each channel after the last
  /// whole vector.
  template <class S, class Block, class Tail>
  TYPENET_INLINE static void over_channels(Block&& block, Tail&& tail) {
    constexpr std::size_t L = lanes<S>, vectors = CM / L, wide = 4;
    for (std::size_t v = 0; v + wide <= vectors; v += wide) block.template operator()<wide>(v * L);
    if constexpr (vectors % wide > 0) block.template operator()<vectors % wide>(vectors / wide * wide * L);
    for (std::size_t j = vectors * L; j < CM; ++j) tail(j);
  }

  /// The sample's input as the convolution reads it: x itself, or `area` filled with x padded
  /// with zeros and each channel repeated DM times.
  template <class S>
  static const S* stage(const S* x, S* area) {
    if constexpr (!staged) {
      return x;
    } else {
      // Only the border is cleared (the copy writes the rest).
      constexpr std::size_t right = PW - W - PadLeft;
      std::fill_n(area, PadTop * PW * CM, S{});
      for (std::size_t iy = 0; iy < H; ++iy) {
        const S* from = x + iy * W * C;
        S* row = area + (iy + PadTop) * PW * CM;
        std::fill_n(row, PadLeft * CM, S{});
        if constexpr (DM == 1) {
          std::copy(from, from + W * C, row + PadLeft * CM);
        } else {
          for (std::size_t i = 0; i < W * C; ++i) std::fill_n(row + PadLeft * CM + i * DM, DM, from[i]);
        }
        std::fill_n(row + (PadLeft + W) * CM, right * CM, S{});
      }
      std::fill_n(area + (PadTop + H) * PW * CM, (PH - PadTop - H) * PW * CM, S{});
      return area;
    }
  }

  /// y = bias (none when null) + the depthwise convolution of the staged input `in` by w, then
  /// max(., 0) when `relu`; one sample. A vector of channels at a time, its taps' weights held in
  /// registers along a row of outputs: one load per multiply-add, and the pixels' sums, being
  /// independent, overlap. (Pixel by pixel, with each tap's weights loaded again, a 3x3 kernel
  /// over 32x32x64 ran at 16 multiply-adds per ns on one AVX-512 core.)
  template <class S>
  static void forward(const S* in, const S* w, const S* bias, S* y, bool relu) {
    constexpr std::size_t L = lanes<S>, whole = CM / L * L;
    for (std::size_t oy = 0; oy < OH; ++oy) {
      const S* row = in + oy * SH * PW * CM;
      S* out = y + oy * OW * CM;
      for (std::size_t j = 0; j < whole; j += L) {
        vec<S> wv[taps];
        for (std::size_t t = 0; t < taps; ++t) wv[t] = load(w + t * CM + j);
        const vec<S> start = bias ? load(bias + j) : vec<S>{};
        for (std::size_t ox = 0; ox < OW; ++ox) {
          const S* window = row + ox * SW * CM + j;
          vec<S> acc = start;
          for (std::size_t ky = 0; ky < KH; ++ky)
            for (std::size_t kx = 0; kx < KW; ++kx)
              acc = multiply_add(load(window + (ky * PW + kx) * CM), wv[ky * KW + kx], acc);
          store(out + ox * CM + j, relu ? where_positive(acc, acc) : acc);
        }
      }
      for (std::size_t j = whole; j < CM; ++j)
        for (std::size_t ox = 0; ox < OW; ++ox) {
          const S* window = row + ox * SW * CM + j;
          S acc = bias ? bias[j] : S{};
          for (std::size_t ky = 0; ky < KH; ++ky)
            for (std::size_t kx = 0; kx < KW; ++kx)
              acc = window[(ky * PW + kx) * CM] * w[(ky * KW + kx) * CM + j] + acc;
          out[ox * CM + j] = relu && !(acc > S{}) ? S{} : acc;
        }
    }
  }

  /// dx of one sample from its dy: each output pixel's gradient times each tap's weights, added
  /// where that tap read (pixels and taps in order), in `area` (PH x PW x CM) where the input was
  /// staged, then summed over each channel's DM copies and cropped into dx; else straight in dx.
  /// A vector of channels at a time, its weights held in registers.
  template <class S>
  static void input_gradient(const S* dy, const S* w, S* dx, S* area) {
    constexpr std::size_t L = lanes<S>, whole = CM / L * L;
    S* target = staged ? area : dx;
    std::fill_n(target, PH * PW * CM, S{});
    for (std::size_t j = 0; j < whole; j += L) {
      vec<S> wv[taps];
      for (std::size_t t = 0; t < taps; ++t) wv[t] = load(w + t * CM + j);
      for (std::size_t oy = 0; oy < OH; ++oy)
        for (std::size_t ox = 0; ox < OW; ++ox) {
          const vec<S> d = load(dy + (oy * OW + ox) * CM + j);
          S* window = target + (oy * SH * PW + ox * SW) * CM + j;
          for (std::size_t ky = 0; ky < KH; ++ky)
            for (std::size_t kx = 0; kx < KW; ++kx) {
              S* t = window + (ky * PW + kx) * CM;
              store(t, multiply_add(d, wv[ky * KW + kx], load(t)));
            }
        }
    }
    for (std::size_t j = whole; j < CM; ++j)
      for (std::size_t oy = 0; oy < OH; ++oy)
        for (std::size_t ox = 0; ox < OW; ++ox) {
          const S d = dy[(oy * OW + ox) * CM + j];
          S* window = target + (oy * SH * PW + ox * SW) * CM + j;
          for (std::size_t ky = 0; ky < KH; ++ky)
            for (std::size_t kx = 0; kx < KW; ++kx) {
              S* t = window + (ky * PW + kx) * CM;
              *t = d * w[(ky * KW + kx) * CM + j] + *t;
            }
        }
    if constexpr (staged) {
      for (std::size_t iy = 0; iy < H; ++iy)
        for (std::size_t ix = 0; ix < W; ++ix) {
          const S* from = area + ((iy + PadTop) * PW + ix + PadLeft) * CM;
          S* to = dx + (iy * W + ix) * C;
          for (std::size_t c = 0; c < C; ++c) {
            S sum = from[c * DM];
            for (std::size_t m = 1; m < DM; ++m) sum += from[c * DM + m];
            to[c] = sum;
          }
        }
    }
  }

  /// g (CM values) = the sum of `count` rows of CM values at d, in order: a bias's gradient.
  template <class S>
  static void bias_gradient(const S* d, std::size_t count, S* g) {
    constexpr std::size_t L = lanes<S>;
    over_channels<S>(
        [&]<std::size_t NV>(std::size_t j) {
          vec<S> acc[NV] = {};
          for (std::size_t q = 0; q < count; ++q)
            for (std::size_t v = 0; v < NV; ++v) acc[v] += load(d + q * CM + j + v * L);
          for (std::size_t v = 0; v < NV; ++v) store(g + j + v * L, acc[v]);
        },
        [&](std::size_t j) {
          S sum{};
          for (std::size_t q = 0; q < count; ++q) sum += d[q * CM + j];
          g[j] = sum;
        });
  }

  /// g (the kernel, taps x CM) += the kernel gradient of one sample, from its staged input and
  /// its output gradient d; g = it when `first`. Pixels in order; a vector of channels at a time,
  /// its taps' sums held in registers.
  template <class S>
  static void kernel_gradient(const S* in, const S* d, S* g, bool first) {
    constexpr std::size_t L = lanes<S>, whole = CM / L * L;
    if (first) std::fill_n(g, taps * CM, S{});
    for (std::size_t j = 0; j < whole; j += L) {
      vec<S> acc[taps];
      for (std::size_t t = 0; t < taps; ++t) acc[t] = load(g + t * CM + j);
      for (std::size_t oy = 0; oy < OH; ++oy)
        for (std::size_t ox = 0; ox < OW; ++ox) {
          const S* window = in + (oy * SH * PW + ox * SW) * CM + j;
          const vec<S> dp = load(d + (oy * OW + ox) * CM + j);
          for (std::size_t ky = 0; ky < KH; ++ky)
            for (std::size_t kx = 0; kx < KW; ++kx)
              acc[ky * KW + kx] = multiply_add(load(window + (ky * PW + kx) * CM), dp, acc[ky * KW + kx]);
        }
      for (std::size_t t = 0; t < taps; ++t) store(g + t * CM + j, acc[t]);
    }
    for (std::size_t j = whole; j < CM; ++j)
      for (std::size_t oy = 0; oy < OH; ++oy)
        for (std::size_t ox = 0; ox < OW; ++ox) {
          const S* window = in + (oy * SH * PW + ox * SW) * CM + j;
          const S dp = d[(oy * OW + ox) * CM + j];
          for (std::size_t ky = 0; ky < KH; ++ky)
            for (std::size_t kx = 0; kx < KW; ++kx) {
              S& gt = g[(ky * KW + kx) * CM + j];
              gt = window[(ky * PW + kx) * CM] * dp + gt;
            }
        }
  }
};

}  // namespace typenet::detail
