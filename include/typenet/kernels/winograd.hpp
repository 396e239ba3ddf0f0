// typenet/kernels/winograd.hpp: Winograd F(4x4, 3x3), a 3x3 stride-1 convolution in 2.25 times fewer multiplications.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <typenet/core/simd.hpp>
#include <typenet/kernels/gemm.hpp>

namespace typenet::kernels {

// Winograd's minimal filtering algorithm (Lavin and Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016) for a 3x3 kernel and 4x4 outputs: a 6x6 input tile d and the kernel g
// give the 4x4 outputs Y = A^T [(G g G^T) . (B^T d B)] A, with . the product element by element.
// For C input channels and F filters, the 36 element-wise products summed over the channels are
// 36 matrix products (tiles x C) (C x F), 36 multiplications per 4x4 outputs and channel pair
// instead of 144. The interpolation points are 0, 1, -1, 2, -2 and infinity.
namespace winograd {

inline constexpr double BT[6][6] = {
    {4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
    {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1},
};
inline constexpr double G[6][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};
inline constexpr double AT[4][6] = {
    {1, 1, 1, 1, 1, 0},
    {0, 1, -1, 2, -2, 0},
    {0, 1, 1, 4, 4, 0},
    {0, 1, -1, 8, -8, 1},
};
/// The transposes, for the backward passes (which apply each transform's transpose).
inline constexpr auto transposed = []<std::size_t R, std::size_t K>(const double (&m)[R][K]) {
  std::array<std::array<double, R>, K> t{};
  for (std::size_t i = 0; i < R; ++i)
    for (std::size_t k = 0; k < K; ++k) t[k][i] = m[i][k];
  return t;
};
inline constexpr auto B = transposed(BT);
inline constexpr auto A = transposed(AT);
inline constexpr auto GT = transposed(G);

/// acc (+)= M[I][k] in[k], for a constant coefficient: nothing for a zero, no multiplication
/// for +-1, so the transforms cost what their sparse matrices do.
template <const auto& M, std::size_t I, std::size_t k, class V, class S>
TYPENET_INLINE void add_term(V& acc, bool& started, const V* in, std::size_t stride) {
  constexpr double c = M[I][k];
  if constexpr (c != 0) {
    V term;
    if constexpr (c == 1) term = in[k * stride];
    else if constexpr (c == -1) term = -in[k * stride];
    else term = in[k * stride] * S(c);
    acc = started ? acc + term : term;
    started = true;
  }
}

template <const auto& M, std::size_t I, class V, class S, std::size_t... k>
TYPENET_INLINE V row(const V* in, std::size_t stride, std::index_sequence<k...>) {
  V acc{};
  bool started = false;
  (add_term<M, I, k, V, S>(acc, started, in, stride), ...);
  return acc;
}

template <const auto& M, std::size_t K, class V, class S, std::size_t... I>
TYPENET_INLINE void rows(const V* in, std::size_t in_stride, V* out, std::size_t out_stride, std::index_sequence<I...>) {
  ((out[I * out_stride] = row<M, I, V, S>(in, in_stride, std::make_index_sequence<K>{})), ...);
}

/// out[i] = sum over k of M[i][k] in[k] (i < R, k < K) for a constant matrix M, the terms
/// added in k order: every use of a transform is the same sequence of operations.
template <const auto& M, std::size_t R, std::size_t K, class V, class S>
TYPENET_INLINE void apply(const V* in, std::size_t in_stride, V* out, std::size_t out_stride) {
  rows<M, K, V, S>(in, in_stride, out, out_stride, std::make_index_sequence<R>{});
}

/// out (R x R) = M in M^T for an in of K x K (M is R x K), on vectors of channels.
template <const auto& M, std::size_t R, std::size_t K, class V, class S>
TYPENET_INLINE void sandwich(const V (&in)[K][K], V (&out)[R][R]) {
  V half[R][K];
  for (std::size_t j = 0; j < K; ++j) apply<M, R, K, V, S>(&in[0][j], K, &half[0][j], K);
  for (std::size_t i = 0; i < R; ++i) apply<M, R, K, V, S>(&half[i][0], 1, &out[i][0], 1);
}

/// Calls f(c, V{}) for each vector of channels [c, c + lanes) of C, then f(c, S{}) for each
/// channel left over, so one body serves both widths.
template <class S, std::size_t C, class Fn>
TYPENET_INLINE void for_channels(Fn&& f) {
  constexpr std::size_t Wd = typenet::detail::lanes<S>;
  for (std::size_t c = 0; c + Wd <= C; c += Wd) f(c, typenet::detail::vec<S>{});
  if constexpr (C % Wd != 0)
    for (std::size_t c = C / Wd * Wd; c < C; ++c) f(c, S{});
}

template <class V, class S>
TYPENET_INLINE V load_as(const S* p) {
  if constexpr (std::is_same_v<V, S>) return *p;
  else return typenet::detail::load(p);
}
template <class V, class S>
TYPENET_INLINE void store_as(S* p, V v) {
  if constexpr (std::is_same_v<V, S>) *p = v;
  else typenet::detail::store(p, v);
}

/// to[0, N) = from[0, N), a vector at a time: std::copy became a call to memmove per
/// position (36 per tile and transform), 3.5 % of a CIFAR-shaped training step.
template <std::size_t N, class S>
TYPENET_INLINE void copy(const S* from, S* to) {
  for_channels<S, N>([&]<class V>(std::size_t i, V) { store_as(to + i, load_as<V>(from + i)); });
}

}  // namespace winograd

/// A 3x3 stride-1 convolution of an H x W x C input, padded by PadTop and PadLeft (and as much
/// as the output needs at the bottom and right), to OH x OW x F, by Winograd F(4x4, 3x3).
///
/// The output is cut into 4x4 tiles; tile t of a sample reads the 6x6 input window at
/// (4 ty - PadTop, 4 tx - PadLeft), zero outside the image. Per sample it keeps one record per
/// tile, `record` values: the tile's transformed input U[36][C] (for the weight gradient), then
/// its transformed output gradient dM[36][F] (written by the backward pass): records of
/// consecutive samples are consecutive, so the products run over the tiles of many samples.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t F, std::size_t PadTop, std::size_t PadLeft,
          std::size_t OH, std::size_t OW>
struct Winograd3x3 {
  static constexpr std::size_t tiles_y = (OH + 3) / 4, tiles_x = (OW + 3) / 4, tiles = tiles_y * tiles_x;
  static constexpr std::size_t record = 36 * (C + F);
  /// Rows of the weight gradient (input channels) per gradient tile: 8 micro-tiles high. Each
  /// tile reads every output-gradient record once: with 12 channels a tile, a 32-channel
  /// layer read them 3 times.
  static constexpr std::size_t channels_per_tile = std::min<std::size_t>(C, 48);
  static constexpr std::size_t weight_tiles = (C + channels_per_tile - 1) / channels_per_tile;
  /// The work areas: kept per sample from the forward pass on, and per sample within one call
  /// (the products of a step's tiles, or a gradient tile's sums for a row of 6 positions).
  static constexpr std::size_t saved_size = tiles * record;
  static constexpr std::size_t scratch_size = std::max({tiles * 36 * F, tiles * 36 * C, 6 * channels_per_tile * F});
  /// In inference nothing is kept, and scratch holds a step's products and transformed inputs.
  static constexpr std::size_t inference_scratch_size = tiles * 36 * (C + F);
  /// The transformed kernel, V[36][C][F], then transposed, Vt[36][F][C].
  static constexpr std::size_t packed_size = 2 * 36 * C * F;
  /// Samples per step of the forward and backward passes: about 16 tile rows for each of the 36
  /// products, and few enough that a step's data stays in the core's caches.
  static constexpr std::size_t group = std::max<std::size_t>(1, (16 + tiles - 1) / tiles);

  /// The transformed kernels from Keras's layout w[ky][kx][c][f], a vector of filters at a
  /// time (the model packs after every optimizer step: in double and one value at a time this
  /// took 4 % of a training step).
  template <class S>
  static void pack(const S* w, S* packed) {
    S* v = packed;
    S* vt = packed + 36 * C * F;
    for (std::size_t c = 0; c < C; ++c) {
      winograd::for_channels<S, F>([&]<class V>(std::size_t f, V) {
        V g[3][3];
        for (std::size_t k = 0; k < 9; ++k) g[k / 3][k % 3] = winograd::load_as<V>(w + (k * C + c) * F + f);
        V t[6][6];
        winograd::sandwich<winograd::G, 6, 3, V, S>(g, t);
        for (std::size_t p = 0; p < 36; ++p) {
          const V value = t[p / 6][p % 6];
          winograd::store_as(v + (p * C + c) * F + f, value);
          if constexpr (std::is_same_v<V, S>) {
            vt[(p * F + f) * C + c] = value;
          } else {
            for (std::size_t l = 0; l < typenet::detail::lanes<S>; ++l) vt[(p * F + f + l) * C + c] = value[l];
          }
        }
      });
    }
  }

  /// y (n x OH x OW x F) = bias + the convolution of x (n x H x W x C), then max(., 0) when
  /// `relu`. In training (`keep`) each tile's transformed input stays in `saved`; else it is
  /// made in scratch, a step's worth at a time, where it stays in cache. `scratch` holds
  /// `scratch_size` values per sample.
  template <class S>
  static void forward(std::size_t n, const S* x, const S* packed, const S* bias, S* y, bool relu, bool keep, S* saved,
                      S* scratch) {
    for (std::size_t b0 = 0; b0 < n; b0 += group) {
      const std::size_t count = std::min(group, n - b0);
      S* u = keep ? saved + b0 * saved_size : scratch + count * tiles * 36 * F;
      const std::size_t stride = keep ? record : 36 * C;
      for (std::size_t b = b0; b < b0 + count; ++b)
        transform_input(x + b * H * W * C, u + (b - b0) * tiles * stride, stride / 36);
      // M[tile][pos][f] = sum over c of U[tile][pos][c] V[pos][c][f], for the group's tiles.
      for (std::size_t pos = 0; pos < 36; ++pos)
        gemm<S, F, C>(count * tiles, u + pos * (stride / 36), stride, 1, packed + pos * C * F, F, scratch + pos * F,
                      36 * F);
      for (std::size_t b = b0; b < b0 + count; ++b)
        transform_output(scratch + (b - b0) * tiles * 36 * F, bias, relu, y + b * OH * OW * F);
    }
  }

  /// dx (n x H x W x C) from dy (n x OH x OW x F): each tile's transformed output gradient
  /// dM = A dY A^T (kept in `saved` for the weight gradient), dU = dM V^T, and B dU B^T added
  /// into the tile's input window, tiles in order. dx may be null: only dM is made.
  template <class S>
  static void backward(std::size_t n, const S* dy, const S* packed, S* dx, S* saved, S* scratch) {
    const S* vt = packed + 36 * C * F;
    for (std::size_t b0 = 0; b0 < n; b0 += group) {
      const std::size_t count = std::min(group, n - b0);
      for (std::size_t b = b0; b < b0 + count; ++b) transform_gradient(dy + b * OH * OW * F, saved + b * saved_size);
      if (!dx) continue;
      for (std::size_t pos = 0; pos < 36; ++pos)
        gemm<S, C, F>(count * tiles, saved + b0 * saved_size + pos * (C + F) + C, record, 1, vt + pos * F * C, C,
                      scratch + pos * C, 36 * C);
      for (std::size_t b = b0; b < b0 + count; ++b)
        scatter_input_gradient(scratch + (b - b0) * tiles * 36 * C, dx + b * H * W * C);
    }
  }

  /// Input channels [tile * channels_per_tile, ...) of the kernel gradient g[ky][kx][c][f] for
  /// the n samples whose records are in `saved` (after forward and backward): dV[pos][c][f] =
  /// the sum over the samples' tiles, in order, of U[tile][pos][c] dM[tile][pos][f], and
  /// g = G^T dV G. One row of dV's 6 x 6 positions at a time: its 6 sums, then G^T applied
  /// along the row, added into g with the row's weight (g = sum over rows i of G^T[.][i] x
  /// (dV[i] G)). So scratch holds 6 positions' sums, not 36, and every record is read once
  /// per gradient tile (with one tile for up to 48 input channels, once).
  template <class S>
  static void weight_gradient(std::size_t tile, std::size_t n, const S* saved, S* g, S* scratch) {
    const std::size_t c0 = tile * channels_per_tile, c1 = std::min(C, c0 + channels_per_tile), rows = c1 - c0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (weight_gradient_row<I>(c0, rows, n, saved, g, scratch), ...);
    }(std::make_index_sequence<6>{});
  }

 private:
  /// The first row i of dV that reaches row ky of the kernel gradient (G^T[ky][i] != 0).
  static constexpr std::size_t first_row(std::size_t ky) {
    std::size_t i = 0;
    while (winograd::GT[ky][i] == 0) ++i;
    return i;
  }

  template <std::size_t I, class S>
  static void weight_gradient_row(std::size_t c0, std::size_t rows, std::size_t n, const S* saved, S* g, S* scratch) {
    // The tiles in blocks whose position's values stay in L1 while every micro-tile reads them
    // (unblocked, each micro-tile streamed all the records from L2 or beyond); a block adds to
    // what the ones before it left, so every sum still runs over the tiles in order.
    constexpr std::size_t block = 48;
    const std::size_t total = n * tiles;
    for (std::size_t j = 0; j < 6; ++j) {
      const std::size_t pos = 6 * I + j;
      const S* u = saved + pos * (C + F) + c0;
      const S* dm = saved + pos * (C + F) + C;
      for (std::size_t k0 = 0; k0 < total; k0 += block)
        gemm_any_k<S, F>(rows, std::min(block, total - k0), u + k0 * record, 1, record, dm + k0 * record, record,
                         scratch + j * rows * F, F, k0 == 0 ? Start::zero : Start::accumulate);
    }
    for (std::size_t c = 0; c < rows; ++c) {
      winograd::for_channels<S, F>([&]<class V>(std::size_t f, V) {
        V dv[6];
        for (std::size_t j = 0; j < 6; ++j) dv[j] = winograd::load_as<V>(scratch + (j * rows + c) * F + f);
        V half[3];
        winograd::apply<winograd::GT, 3, 6, V, S>(dv, 1, half, 1);
        [&]<std::size_t... Y>(std::index_sequence<Y...>) {
          ([&] {
            constexpr double weight = winograd::GT[Y][I];
            if constexpr (weight != 0) {
              for (std::size_t kx = 0; kx < 3; ++kx) {
                S* to = g + ((Y * 3 + kx) * C + c0 + c) * F + f;
                const V term = weight == 1 ? half[kx] : half[kx] * S(weight);
                if constexpr (I == first_row(Y)) winograd::store_as(to, term);
                else winograd::store_as(to, winograd::load_as<V>(to) + term);
              }
            }
          }(), ...);
        }(std::make_index_sequence<3>{});
      });
    }
  }

  /// A tile's 36 transformed positions are made a vector of channels at a time. In a record
  /// they lie C + F values apart, so storing each vector in place scatters 36 stores over the
  /// record, a vector of channels after another, into memory not yet in cache. They are made
  /// in a staging area on the stack instead and copied out a position at a time, each in one
  /// sequential run: CIFAR-shaped training ran 4 % faster (1 thread, interleaved runs).
  /// Layers wider than 256 channels write in place (the stack area is at most 36 x 256 values).
  static constexpr bool stage_input = C <= 256, stage_gradient = F <= 256;

  /// Each tile's U[36][C], one position every `step` values, the tiles 36 * step apart.
  template <class S>
  static void transform_input(const S* x, S* records, std::size_t step) {
    alignas(64) S stage[stage_input ? 36 * C : 1];
    const bool staged = stage_input && step != C;
    for (std::size_t ty = 0; ty < tiles_y; ++ty) {
      for (std::size_t tx = 0; tx < tiles_x; ++tx) {
        S* u = records + (ty * tiles_x + tx) * 36 * step;
        const std::ptrdiff_t y0 = std::ptrdiff_t(4 * ty) - std::ptrdiff_t(PadTop);
        const std::ptrdiff_t x0 = std::ptrdiff_t(4 * tx) - std::ptrdiff_t(PadLeft);
        winograd::for_channels<S, C>([&]<class V>(std::size_t c, V) {
          V d[6][6];
          for (std::size_t i = 0; i < 6; ++i) {
            for (std::size_t j = 0; j < 6; ++j) {
              const std::ptrdiff_t iy = y0 + std::ptrdiff_t(i), ix = x0 + std::ptrdiff_t(j);
              d[i][j] = iy >= 0 && iy < std::ptrdiff_t(H) && ix >= 0 && ix < std::ptrdiff_t(W)
                            ? winograd::load_as<V>(x + (std::size_t(iy) * W + std::size_t(ix)) * C + c)
                            : V{};
            }
          }
          V t[6][6];
          winograd::sandwich<winograd::BT, 6, 6, V, S>(d, t);
          S* to = staged ? stage : u;
          const std::size_t stride = staged ? C : step;
          for (std::size_t p = 0; p < 36; ++p) winograd::store_as(to + p * stride + c, t[p / 6][p % 6]);
        });
        if (staged)
          for (std::size_t p = 0; p < 36; ++p) winograd::copy<C>(stage + p * C, u + p * step);
      }
    }
  }

  template <class S>
  static void transform_output(const S* m, const S* bias, bool relu, S* y) {
    for (std::size_t ty = 0; ty < tiles_y; ++ty) {
      for (std::size_t tx = 0; tx < tiles_x; ++tx) {
        const S* mt = m + (ty * tiles_x + tx) * 36 * F;
        winograd::for_channels<S, F>([&]<class V>(std::size_t f, V) {
          V t[6][6];
          for (std::size_t p = 0; p < 36; ++p) t[p / 6][p % 6] = winograd::load_as<V>(mt + p * F + f);
          V out[4][4];
          winograd::sandwich<winograd::AT, 4, 6, V, S>(t, out);
          const V start = winograd::load_as<V>(bias + f);
          for (std::size_t i = 0; i < 4 && 4 * ty + i < OH; ++i) {
            for (std::size_t j = 0; j < 4 && 4 * tx + j < OW; ++j) {
              V v = start + out[i][j];
              if (relu) {
                if constexpr (std::is_same_v<V, S>) v = v > S{} ? v : S{};
                else v = typenet::detail::where_positive(v, v);
              }
              winograd::store_as(y + ((4 * ty + i) * OW + 4 * tx + j) * F + f, v);
            }
          }
        });
      }
    }
  }

  template <class S>
  static void transform_gradient(const S* dy, S* records) {
    alignas(64) S stage[stage_gradient ? 36 * F : 1];
    for (std::size_t ty = 0; ty < tiles_y; ++ty) {
      for (std::size_t tx = 0; tx < tiles_x; ++tx) {
        S* dm = records + (ty * tiles_x + tx) * record + C;
        winograd::for_channels<S, F>([&]<class V>(std::size_t f, V) {
          V d[4][4];
          for (std::size_t i = 0; i < 4; ++i)
            for (std::size_t j = 0; j < 4; ++j)
              d[i][j] = 4 * ty + i < OH && 4 * tx + j < OW
                            ? winograd::load_as<V>(dy + ((4 * ty + i) * OW + 4 * tx + j) * F + f)
                            : V{};
          V t[6][6];
          winograd::sandwich<winograd::A, 6, 4, V, S>(d, t);
          S* to = stage_gradient ? stage : dm;
          const std::size_t stride = stage_gradient ? F : C + F;
          for (std::size_t p = 0; p < 36; ++p) winograd::store_as(to + p * stride + f, t[p / 6][p % 6]);
        });
        if constexpr (stage_gradient)
          for (std::size_t p = 0; p < 36; ++p) winograd::copy<F>(stage + p * F, dm + p * (C + F));
      }
    }
  }

  template <class S>
  static void scatter_input_gradient(const S* du, S* dx) {
    std::fill(dx, dx + H * W * C, S{});
    for (std::size_t ty = 0; ty < tiles_y; ++ty) {
      for (std::size_t tx = 0; tx < tiles_x; ++tx) {
        const S* dt = du + (ty * tiles_x + tx) * 36 * C;
        const std::ptrdiff_t y0 = std::ptrdiff_t(4 * ty) - std::ptrdiff_t(PadTop);
        const std::ptrdiff_t x0 = std::ptrdiff_t(4 * tx) - std::ptrdiff_t(PadLeft);
        winograd::for_channels<S, C>([&]<class V>(std::size_t c, V) {
          V t[6][6];
          for (std::size_t p = 0; p < 36; ++p) t[p / 6][p % 6] = winograd::load_as<V>(dt + p * C + c);
          V d[6][6];
          winograd::sandwich<winograd::B, 6, 6, V, S>(t, d);
          for (std::size_t i = 0; i < 6; ++i) {
            for (std::size_t j = 0; j < 6; ++j) {
              const std::ptrdiff_t iy = y0 + std::ptrdiff_t(i), ix = x0 + std::ptrdiff_t(j);
              if (iy < 0 || iy >= std::ptrdiff_t(H) || ix < 0 || ix >= std::ptrdiff_t(W)) continue;
              S* to = dx + (std::size_t(iy) * W + std::size_t(ix)) * C + c;
              winograd::store_as(to, winograd::load_as<V>(to) + d[i][j]);
            }
          }
        });
      }
    }
  }
};

}  // namespace typenet::kernels
