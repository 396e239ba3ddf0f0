// typenet/kernels/conv.hpp: conv_valid and conv_weight_gradient, register-blocked 2-D convolution on channels-last data.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>

#include <typenet/core/detail/compiler.hpp>
#include <typenet/core/simd.hpp>
#include <typenet/kernels/gemm.hpp>

namespace typenet::kernels {

/// The sizes of a 'valid' convolution: an input of H x W x C per sample (already padded if
/// the layer pads), a KH x KW kernel moved by SH x SW, F output channels. All compile time.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t KH, std::size_t KW, std::size_t SH,
          std::size_t SW, std::size_t F>
struct ConvShape {
  static constexpr std::size_t height = H, width = W, channels = C, kernel_h = KH, kernel_w = KW;
  static constexpr std::size_t stride_h = SH, stride_w = SW, filters = F;
  static constexpr std::size_t out_h = (H - KH) / SH + 1;
  static constexpr std::size_t out_w = (W - KW) / SW + 1;
  static constexpr std::size_t in_size = H * W * C;
  static constexpr std::size_t out_pixels = out_h * out_w;
  static constexpr std::size_t depth = KH * KW * C;  ///< the reduction length of one output
  static_assert(H >= KH && W >= KW, "a valid convolution needs a kernel no larger than its input");
};

namespace detail {
using typenet::detail::lanes;
using typenet::detail::vec;

/// Where output pixel q (of all samples, in order) reads its input window.
template <class G>
inline const auto* window(const auto* in, std::size_t q) {
  const std::size_t b = q / G::out_pixels;
  const std::size_t oy = q % G::out_pixels / G::out_w;
  const std::size_t ox = q % G::out_w;
  return in + b * G::in_size + (oy * G::stride_h * G::width + ox * G::stride_w) * G::channels;
}

/// MR output pixels x (NV vectors of) filters: every output is bias + the multiply-adds over
/// (ky, kx, c) in that order, whatever the tile, so results do not depend on the grouping.
template <class G, class S, std::size_t MR, std::size_t NV, std::size_t Valid>
TYPENET_INLINE void conv_tile(const S* const* rows, const S* w, S* out, const S* bias, bool relu) {
  constexpr std::size_t Wd = lanes<S>;
  constexpr std::size_t F = G::filters;
  vec<S> acc[MR][NV];
  for (std::size_t j = 0; j < NV; ++j) {
    vec<S> start{};
    if (bias) {
      if ((j + 1) * Wd <= Valid) start = typenet::detail::load(bias + j * Wd);
      else
        for (std::size_t l = 0; j * Wd + l < Valid; ++l) start[l] = bias[j * Wd + l];
    }
    for (std::size_t r = 0; r < MR; ++r) acc[r][j] = start;
  }
  // A kernel row's taps (kx, c) are consecutive in the input and in w. The loops stay rolled
  // (TYPENET_ROLLED says why), and the weights' vectors stay in registers (load_held).
  constexpr std::size_t run = G::kernel_w * G::channels;
  const S* p[MR];
  for (std::size_t r = 0; r < MR; ++r) p[r] = rows[r];
  TYPENET_ROLLED
  for (std::size_t ky = 0; ky < G::kernel_h; ++ky) {
    const S* wk = w + ky * run * F;
    TYPENET_ROLLED
    for (std::size_t k = 0; k < run; ++k) {
      vec<S> bv[NV];
      for (std::size_t j = 0; j < NV; ++j) bv[j] = typenet::detail::load_held(wk + k * F + j * Wd);
      for (std::size_t r = 0; r < MR; ++r) {
        const vec<S> av = typenet::detail::splat(p[r][k]);
        for (std::size_t j = 0; j < NV; ++j) acc[r][j] = typenet::detail::multiply_add(av, bv[j], acc[r][j]);
      }
    }
    for (std::size_t r = 0; r < MR; ++r) p[r] += G::width * G::channels;
  }
  const Finish<S> finish{.relu = relu};
  for (std::size_t r = 0; r < MR; ++r)
    for (std::size_t j = 0; j < NV; ++j)
      finish_store(out + r * F + j * Wd, acc[r][j], std::min(Wd, Valid - j * Wd), finish, 0);
}

/// The input windows of output pixels q, q + 1, ... in turn, without a division per pixel.
template <class G, class S>
struct WindowCursor {
  const S* in;
  const S* at;
  std::size_t b, oy, ox;
  WindowCursor(const S* input, std::size_t q)
      : in(input), at(window<G>(input, q)), b(q / G::out_pixels), oy(q % G::out_pixels / G::out_w),
        ox(q % G::out_w) {}
  TYPENET_INLINE const S* next() {
    const S* here = at;
    at += G::stride_w * G::channels;
    if (++ox == G::out_w) {
      ox = 0;
      at += (G::stride_h * G::width - G::out_w * G::stride_w) * G::channels;
      if (++oy == G::out_h) {
        oy = 0;
        at = in + ++b * G::in_size;
      }
    }
    return here;
  }
};

/// Output pixels [first, total) of one panel of filters, a micro-tile of pixels at a time.
template <class G, class S, std::size_t NV, std::size_t Valid>
TYPENET_NOINLINE void conv_panel(std::size_t first, std::size_t total, const S* in, const S* w, S* out,
                                 const S* bias, bool relu) {
  constexpr std::size_t MR = tile_rows<S, NV>;
  constexpr std::size_t F = G::filters;
  const S* rows[MR];
  WindowCursor<G, S> cursor(in, first);
  std::size_t q = first;
  for (; q + MR <= total; q += MR) {
    for (std::size_t r = 0; r < MR; ++r) rows[r] = cursor.next();
    conv_tile<G, S, MR, NV, Valid>(rows, w, out + q * F, bias, relu);
  }
  if (q < total) {
    for (std::size_t r = 0; r < total - q; ++r) rows[r] = cursor.next();
    in_pieces<MR>(total - q, [&]<std::size_t R>(std::size_t at) {
      conv_tile<G, S, R, NV, Valid>(rows + at, w, out + (q + at) * F, bias, relu);
    });
  }
}

/// MR rows (kernel positions m = (ky, kx, c)) x NV vectors of filters of the weight gradient,
/// summed over output pixels [q0, q1) in order, added to what `g` holds when `accumulate`.
/// `InTap`: the rows are channels of one tap, so each pixel's values for them are consecutive
/// in its window and are read at fixed displacements from one pointer, where other tiles keep
/// a table of MR offsets (on AVX-512 a 12-row table of a 16-filter layer took the registers
/// the loop needed: 79 GFLOP/s, 96 in taps on the same Zen 4).
template <class G, class S, std::size_t MR, std::size_t NV, std::size_t Valid, bool InTap = false>
TYPENET_INLINE void weight_tile(std::size_t m0, std::size_t q0, std::size_t q1, const S* in, const S* dy, S* g,
                        bool accumulate) {
  constexpr std::size_t Wd = lanes<S>;
  constexpr std::size_t F = G::filters;
  const auto offset = [](std::size_t m) {
    const std::size_t c = m % G::channels;
    const std::size_t kx = m / G::channels % G::kernel_w;
    const std::size_t ky = m / G::channels / G::kernel_w;
    return (ky * G::width + kx) * G::channels + c;
  };
  std::size_t offsets[MR];
  for (std::size_t r = 0; r < MR; ++r) offsets[r] = InTap ? r : offset(m0 + r);
  const std::size_t first = InTap ? offset(m0) : 0;
  vec<S> acc[MR][NV];
  for (std::size_t r = 0; r < MR; ++r) {
    for (std::size_t j = 0; j < NV; ++j) {
      if (!accumulate) {
        acc[r][j] = vec<S>{};
      } else if ((j + 1) * Wd <= Valid) {
        acc[r][j] = typenet::detail::load(g + (m0 + r) * F + j * Wd);
      } else {
        acc[r][j] = vec<S>{};
        for (std::size_t l = 0; j * Wd + l < Valid; ++l) acc[r][j][l] = g[(m0 + r) * F + j * Wd + l];
      }
    }
  }
  WindowCursor<G, S> cursor(in, q0);
  for (std::size_t q = q0; q < q1; ++q) {
    const S* p = cursor.next() + first;
    vec<S> bv[NV];
    for (std::size_t j = 0; j < NV; ++j) bv[j] = typenet::detail::load_held(dy + q * F + j * Wd);
    for (std::size_t r = 0; r < MR; ++r) {
      const vec<S> av = typenet::detail::splat(p[offsets[r]]);
      for (std::size_t j = 0; j < NV; ++j) acc[r][j] = typenet::detail::multiply_add(av, bv[j], acc[r][j]);
    }
  }
  for (std::size_t r = 0; r < MR; ++r) {
    for (std::size_t j = 0; j < NV; ++j) {
      if ((j + 1) * Wd <= Valid) typenet::detail::store<S>(g + (m0 + r) * F + j * Wd, acc[r][j]);
      else
        for (std::size_t l = 0; j * Wd + l < Valid; ++l) g[(m0 + r) * F + j * Wd + l] = acc[r][j][l];
    }
  }
}

/// Rows [m0, m0 + Rows) of one panel of filters of the kernel gradient. Rows is a
/// compile-time count (a layer's row blocks are), so only the tile heights it uses compile.
template <class G, class S, std::size_t NV, std::size_t Valid, std::size_t Rows>
TYPENET_NOINLINE void weight_panel(std::size_t m0, std::size_t n, const S* in, const S* dy, S* g) {
  static_assert(Rows > 0, "a row block of the kernel gradient has at least one row");
  constexpr std::size_t MR = tile_rows<S, NV>;
  // Output pixels in blocks, so that a block of dy stays in L1 while every row tile of the
  // group reads it; each element still sums the pixels in order.
  constexpr std::size_t block = 128;
  const std::size_t total = n * G::out_pixels;
  if (total == 0) {
    for (std::size_t m = m0; m < m0 + Rows; ++m)
      for (std::size_t f = 0; f < Valid; ++f) g[m * G::filters + f] = S{};
    return;
  }
  // The rows in as few tiles as MR allows, their heights differing by at most one, the taller
  // first: a 3 x 3 kernel on 3 channels (27 rows) takes 6, 6, 5, 5, 5 rows, not 6, 6, 6, 6, 3,
  // whose last tile had too few multiply-adds in flight and took a fifth of the time for a
  // ninth of the work.
  // Where the block is whole taps of 4 or more channels, each tap's channels in such tiles
  // (weight_tile's InTap): 16 channels as 8 + 8 rows where 12 + 4 would cross a tap.
  constexpr std::size_t C = G::channels;
  constexpr bool by_tap = C >= 4 && Rows % C == 0;
  constexpr std::size_t span = by_tap ? C : Rows;  // rows shared out among tiles
  constexpr std::size_t tiles = (span + MR - 1) / MR, base = span / tiles, taller = span % tiles;
  const bool in_taps = by_tap && m0 % C == 0;
  for (std::size_t q0 = 0; q0 < total; q0 += block) {
    const std::size_t q1 = std::min(total, q0 + block);
    if constexpr (by_tap) {
      if (in_taps) {
        for (std::size_t m = m0; m < m0 + Rows;) {
          for (std::size_t t = 0; t < taller; ++t, m += base + 1)
            weight_tile<G, S, base + 1, NV, Valid, true>(m, q0, q1, in, dy, g, q0 > 0);
          for (std::size_t t = taller; t < tiles; ++t, m += base)
            weight_tile<G, S, base, NV, Valid, true>(m, q0, q1, in, dy, g, q0 > 0);
        }
        continue;
      }
    }
    constexpr std::size_t all = (Rows + MR - 1) / MR, height = Rows / all, higher = Rows % all;
    std::size_t m = m0;
    for (std::size_t t = 0; t < higher; ++t, m += height + 1)
      weight_tile<G, S, height + 1, NV, Valid>(m, q0, q1, in, dy, g, q0 > 0);
    for (std::size_t t = higher; t < all; ++t, m += height)
      weight_tile<G, S, height, NV, Valid>(m, q0, q1, in, dy, g, q0 > 0);
  }
}

/// MR rows of dy (consecutive output pixels) times one kernel tap's transposed weights
/// (F x C), added into the input-gradient pixels `targets[r]` (null: the tap falls in the
/// padding, nothing to add).
template <class S, std::size_t MR, std::size_t NV, std::size_t Valid, std::size_t F, std::size_t C>
TYPENET_INLINE void scatter_tile(const S* dy, const S* wt, S* const* targets) {
  constexpr std::size_t Wd = lanes<S>;
  vec<S> acc[MR][NV] = {};
  for (std::size_t f = 0; f < F; ++f) {
    vec<S> bv[NV];
    for (std::size_t j = 0; j < NV; ++j) bv[j] = typenet::detail::load(wt + f * C + j * Wd);
    for (std::size_t r = 0; r < MR; ++r) {
      const vec<S> av = typenet::detail::splat(dy[r * F + f]);
      for (std::size_t j = 0; j < NV; ++j) acc[r][j] = typenet::detail::multiply_add(av, bv[j], acc[r][j]);
    }
  }
  for (std::size_t r = 0; r < MR; ++r) {
    S* to = targets[r];
    if (!to) continue;
    for (std::size_t j = 0; j < NV; ++j) {
      if ((j + 1) * Wd <= Valid) {
        typenet::detail::store<S>(to + j * Wd, typenet::detail::load(to + j * Wd) + acc[r][j]);
      } else {
        for (std::size_t l = 0; j * Wd + l < Valid; ++l) to[j * Wd + l] += acc[r][j][l];
      }
    }
  }
}

}  // namespace detail

/// out[b][oy][ox][f] = bias[f] + sum over (ky, kx, c) of in[b][oy*SH + ky][ox*SW + kx][c] *
/// w[ky][kx][c][f] for n samples (bias may be null: no bias), then max(., 0) when `relu`.
/// w is Keras's kernel layout (KH, KW, C, F); it may be read up to one vector past its end.
template <class G, class S>
void conv_valid(std::size_t n, const S* in, const S* w, const S* bias, S* out, bool relu = false) {
  detail::for_each_panel<S, G::filters>([&]<std::size_t NV, std::size_t Valid>(std::size_t col) {
    detail::conv_panel<G, S, NV, Valid>(0, n * G::out_pixels, in, w + col, out + col, bias ? bias + col : nullptr, relu);
  });
}

/// The input gradient of a convolution: dx[b][iy][ix][c] = sum over the taps (ky, kx) that
/// reach it and the filters f of dy[b][oy][ox][f] * W[ky][kx][c][f], for an input of H x W x C
/// padded by PadTop and PadLeft (G is the forward convolution over the padded input). `wt` holds
/// each tap's weights transposed, wt[ky][kx][f][c]. Each output pixel's row of dy is multiplied
/// once per tap and added where that tap put it, taps in order: every dx element is the same
/// sum whatever the grouping, and no multiply-add is spent on padding.
template <class G, std::size_t H, std::size_t W, std::size_t PadTop, std::size_t PadLeft, class S>
void conv_input_gradient(std::size_t n, const S* dy, const S* wt, S* dx) {
  constexpr std::size_t C = G::channels, F = G::filters;
  std::fill(dx, dx + n * H * W * C, S{});
  const std::size_t total = n * G::out_pixels;
  for (std::size_t ky = 0; ky < G::kernel_h; ++ky) {
    for (std::size_t kx = 0; kx < G::kernel_w; ++kx) {
      const S* tap = wt + (ky * G::kernel_w + kx) * F * C;
      // Where output pixel q's contribution through this tap lands, if inside the input.
      const auto target = [&](std::size_t q) -> S* {
        const std::size_t b = q / G::out_pixels;
        const std::size_t iy = q % G::out_pixels / G::out_w * G::stride_h + ky;
        const std::size_t ix = q % G::out_w * G::stride_w + kx;
        if (iy < PadTop || iy >= PadTop + H || ix < PadLeft || ix >= PadLeft + W) return nullptr;
        return dx + ((b * H + iy - PadTop) * W + ix - PadLeft) * C;
      };
      detail::for_each_panel<S, C>([&]<std::size_t NV, std::size_t Valid>(std::size_t col) {
        constexpr std::size_t MR = detail::tile_rows<S, NV>;
        S* targets[MR];
        std::size_t q = 0;
        for (; q + MR <= total; q += MR) {
          for (std::size_t r = 0; r < MR; ++r) targets[r] = target(q + r) ? target(q + r) + col : nullptr;
          detail::scatter_tile<S, MR, NV, Valid, F, C>(dy + q * F, tap + col, targets);
        }
        if (q < total) {
          for (std::size_t r = 0; r < total - q; ++r) targets[r] = target(q + r) ? target(q + r) + col : nullptr;
          detail::in_pieces<MR>(total - q, [&]<std::size_t R>(std::size_t at) {
            detail::scatter_tile<S, R, NV, Valid, F, C>(dy + (q + at) * F, tap + col, targets + at);
          });
        }
      });
    }
  }
}

/// Rows [m0, m0 + Rows) of the kernel gradient g[(ky, kx, c)][f] = sum over samples and output
/// pixels, in order, of in[b][oy*SH + ky][ox*SW + kx][c] * dy[b][oy][ox][f].
template <class G, std::size_t Rows, class S>
void conv_weight_gradient(std::size_t m0, std::size_t n, const S* in, const S* dy, S* g) {
  detail::for_each_panel<S, G::filters>([&]<std::size_t NV, std::size_t Valid>(std::size_t col) {
    detail::weight_panel<G, S, NV, Valid, Rows>(m0, n, in, dy + col, g + col);
  });
}

}  // namespace typenet::kernels
