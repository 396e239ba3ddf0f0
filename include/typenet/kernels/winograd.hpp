// typenet/kernels/winograd.hpp: Winograd F(MxM, 3x3), a 3x3 stride-1 convolution in 4 to 5 times fewer multiplications.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <typenet/core/detail/compiler.hpp>
#include <typenet/core/simd.hpp>
#include <typenet/kernels/gemm.hpp>
#include <typenet/kernels/winograd_transforms.hpp>

namespace typenet::kernels {

// Winograd's minimal filtering algorithm (Lavin and Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016) for a 3x3 kernel and M x M outputs: an (M + 2) x (M + 2) input tile d
// and the kernel g give the outputs Y = A^T [(G g G^T) . (B^T d B)] A, with . the product
// element by element. For C input channels and F filters, the (M + 2)^2 element-wise products
// summed over the channels are as many matrix products (tiles x C) (C x F): for M = 4, 36
// multiplications per 16 outputs and channel pair instead of 144; for M = 5, 49 per 25
// instead of 225; for M = 6, 64 per 36 instead of 324.

/// A 3x3 stride-1 convolution of an H x W x C input, padded by PadTop and PadLeft (and as much
/// as the output needs at the bottom and right), to OH x OW x F, by Winograd F(M x M, 3x3).
/// (kernels::conv2d_algorithm chooses M; layers/detail/conv2d_winograd.hpp sizes the areas.)
///
/// The output is cut into M x M tiles; tile t of a sample reads the (M + 2) x (M + 2) input
/// window at (M ty - PadTop, M tx - PadLeft), zero outside the image. Per sample it keeps one
/// record per tile, `record` values: the tile's transformed input U[P][C] (for the weight
/// gradient; P = (M + 2)^2 positions), then its transformed output gradient dM[P][F] (written
/// by the backward pass): records of consecutive samples are consecutive, so the products run
/// over the tiles of many samples.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t F, std::size_t PadTop, std::size_t PadLeft,
          std::size_t OH, std::size_t OW, std::size_t M>
struct Winograd3x3 {
  /// The side of a transformed tile, and its positions.
  static constexpr std::size_t N = M + 2, P = N * N;
  static constexpr std::size_t tile = M;
  static constexpr std::size_t tiles_y = (OH + M - 1) / M, tiles_x = (OW + M - 1) / M, tiles = tiles_y * tiles_x;
  static constexpr std::size_t record = P * (C + F);
  /// A sample's records, one after another: the stride of `saved` from one sample to the next.
  static constexpr std::size_t sample_records = tiles * record;
  /// Samples per step of the forward and backward passes: about 16 tile rows for each of the P
  /// products, and few enough that a step's data stays in the core's caches.
  static constexpr std::size_t group = std::max<std::size_t>(1, (16 + tiles - 1) / tiles);

  /// V[P][C][F] for input channels [c0, c1): the transformed kernel G g G^T of Keras's layout
  /// w[ky][kx][c][f], a vector of filters at a time.
  template <class S>
  static void transform_kernel(const S* w, S* v, std::size_t c0, std::size_t c1) {
    for (std::size_t c = c0; c < c1; ++c) {
      winograd::for_channels<S, F>([&]<class V>(std::size_t f, V) {
        V g[3][3];
        for (std::size_t k = 0; k < 9; ++k) g[k / 3][k % 3] = winograd::load_as<V>(w + (k * C + c) * F + f);
        V t[N][N];
        winograd::sandwich<winograd::G<M>, N, 3, V, S>(g, t);
        for (std::size_t p = 0; p < P; ++p) winograd::store_as(v + (p * C + c) * F + f, t[p / N][p % N]);
      });
    }
  }

  /// Vt[P][F][C], V transposed, for filters [f0, f1), a vector of channels at a time. Each lane
  /// goes through the same operations as in `transform_kernel`, so Vt holds exactly V's values.
  template <class S>
  static void transform_kernel_transposed(const S* w, S* vt, std::size_t f0, std::size_t f1) {
    for (std::size_t f = f0; f < f1; ++f) {
      winograd::for_channels<S, C>([&]<class V>(std::size_t c, V) {
        V g[3][3]{};  // filled a lane at a time
        for (std::size_t k = 0; k < 9; ++k) {
          if constexpr (std::is_same_v<V, S>) {
            g[k / 3][k % 3] = w[(k * C + c) * F + f];
          } else {
            for (std::size_t l = 0; l < typenet::detail::lanes<S>; ++l) g[k / 3][k % 3][l] = w[(k * C + c + l) * F + f];
          }
        }
        V t[N][N];
        winograd::sandwich<winograd::G<M>, N, 3, V, S>(g, t);
        for (std::size_t p = 0; p < P; ++p) winograd::store_as(vt + (p * F + f) * C + c, t[p / N][p % N]);
      });
    }
  }

  /// y (n x OH x OW x F) = bias + the convolution of x (n x H x W x C), then max(., 0) when
  /// `relu`, from the transformed kernel v (V[P][C][F]). In training (`keep`) each tile's
  /// transformed input stays in `saved` (`sample_records` per sample); else it is made in
  /// scratch, a step's worth at a time, where it stays in cache. Per sample, `scratch` holds
  /// tiles * P * F values (the products), and tiles * P * C more when not `keep`.
  template <class S>
  static void forward(std::size_t n, const S* x, const S* v, const S* bias, S* y, bool relu, bool keep, S* saved,
                      S* scratch) {
    for (std::size_t b0 = 0; b0 < n; b0 += group) {
      const std::size_t count = std::min(group, n - b0);
      S* u = keep ? saved + b0 * sample_records : scratch + count * tiles * P * F;
      const std::size_t stride = keep ? record : P * C;
      for (std::size_t b = b0; b < b0 + count; ++b)
        transform_input(x + b * H * W * C, u + (b - b0) * tiles * stride, stride / P);
      // M[tile][pos][f] = sum over c of U[tile][pos][c] V[pos][c][f], for the group's tiles.
      for (std::size_t pos = 0; pos < P; ++pos) {
        if (count == 1)  // one sample (batch-1 inference): its tiles as one tile of rows where they fit
          gemm_few_rows<S, F, C, tiles>(u + pos * (stride / P), stride, 1, v + pos * C * F, F, scratch + pos * F, P * F);
        else
          gemm<S, F, C>(count * tiles, u + pos * (stride / P), stride, 1, v + pos * C * F, F, scratch + pos * F,
                        P * F);
      }
      for (std::size_t b = b0; b < b0 + count; ++b)
        transform_output(scratch + (b - b0) * tiles * P * F, bias, relu, y + b * OH * OW * F);
    }
  }

  /// dx (n x H x W x C) from dy (n x OH x OW x F) and the transposed kernel vt (Vt[P][F][C]):
  /// each tile's transformed output gradient dM = A dY A^T (kept in `saved` for the weight
  /// gradient), dU = dM V^T, and B dU B^T added into the tile's input window, tiles in order.
  /// dx may be null: only dM is made. Per sample, `scratch` holds tiles * P * C values.
  template <class S>
  static void backward(std::size_t n, const S* dy, const S* vt, S* dx, S* saved, S* scratch) {
    for (std::size_t b0 = 0; b0 < n; b0 += group) {
      const std::size_t count = std::min(group, n - b0);
      for (std::size_t b = b0; b < b0 + count; ++b)
        transform_gradient(dy + b * OH * OW * F, saved + b * sample_records);
      if (!dx) continue;
      for (std::size_t pos = 0; pos < P; ++pos)
        gemm<S, C, F>(count * tiles, saved + b0 * sample_records + pos * (C + F) + C, record, 1, vt + pos * F * C, C,
                      scratch + pos * C, P * C);
      for (std::size_t b = b0; b < b0 + count; ++b)
        scatter_input_gradient(scratch + (b - b0) * tiles * P * C, dx + b * H * W * C);
    }
  }

  /// Input channels [c0, c1) of the kernel gradient g[ky][kx][c][f] for the n samples whose
  /// records are in `saved` (after forward and backward): dV[pos][c][f] = the sum over the
  /// samples' tiles, in order, of U[tile][pos][c] dM[tile][pos][f], and g = G^T dV G. One row of
  /// dV's N x N positions at a time: its N sums, then G^T applied along the row, added into g
  /// with the row's weight (g = sum over rows i of G^T[.][i] x (dV[i] G)). So scratch holds
  /// N * (c1 - c0) * F values (N positions' sums, not P), and every record is read once per call.
  template <class S>
  static void weight_gradient(std::size_t c0, std::size_t c1, std::size_t n, const S* saved, S* g, S* scratch) {
    for (std::size_t i = 0; i < N; ++i) weight_gradient_row(i, c0, c1 - c0, n, saved, g, scratch);
  }

 private:
  /// The first row i of dV that reaches row ky of the kernel gradient (G^T[ky][i] != 0).
  static constexpr std::size_t first_row(std::size_t ky) {
    std::size_t i = 0;
    while (winograd::GT<M>[ky][i] == 0) ++i;
    return i;
  }

  /// Row i of dV added into g. The row is a run-time argument, not a template one: one body for
  /// all N rows (N bodies were an eighth of the seed CNN's object code). Its weights G^T[.][i]
  /// are read from the table; a weight of 1 multiplies exactly, so the bits are those of the
  /// unrolled form.
  template <class S>
  static void weight_gradient_row(std::size_t i, std::size_t c0, std::size_t rows, std::size_t n, const S* saved, S* g,
                                  S* scratch) {
    // The tiles in blocks whose position's values stay in L1 while every micro-tile reads them
    // (unblocked, each micro-tile streamed all the records from L2 or beyond); a block adds to
    // what the ones before it left, so every sum still runs over the tiles in order.
    constexpr std::size_t block = 48;
    const std::size_t total = n * tiles;
    for (std::size_t j = 0; j < N; ++j) {
      const std::size_t pos = N * i + j;
      const S* u = saved + pos * (C + F) + c0;
      const S* dm = saved + pos * (C + F) + C;
      for (std::size_t k0 = 0; k0 < total; k0 += block)
        gemm_any_k<S, F>(rows, std::min(block, total - k0), u + k0 * record, 1, record, dm + k0 * record, record,
                         scratch + j * rows * F, F, k0 == 0 ? Start::zero : Start::accumulate);
    }
    // Row i's weight in each kernel row, and whether it is the first to reach that row (it then
    // stores instead of adding): once per call, not per channel.
    S weight[3];
    bool first[3];
    for (std::size_t ky = 0; ky < 3; ++ky) {
      weight[ky] = S(winograd::GT<M>[ky][i]);
      first[ky] = i == first_row(ky);
    }
    for (std::size_t c = 0; c < rows; ++c) {
      winograd::for_channels<S, F>([&]<class V>(std::size_t f, V) {
        V dv[N];
        for (std::size_t j = 0; j < N; ++j) dv[j] = winograd::load_as<V>(scratch + (j * rows + c) * F + f);
        V half[3];
        winograd::apply<winograd::GT<M>, 3, N, V, S>(dv, 1, half, 1);
        for (std::size_t ky = 0; ky < 3; ++ky) {
          if (weight[ky] == S{}) continue;
          for (std::size_t kx = 0; kx < 3; ++kx) {
            S* to = g + ((ky * 3 + kx) * C + c0 + c) * F + f;
            const V term = half[kx] * weight[ky];
            winograd::store_as(to, first[ky] ? term : winograd::load_as<V>(to) + term);
          }
        }
      });
    }
  }

  /// A tile's P transformed positions are made a vector of channels at a time. In a record
  /// they lie C + F values apart, so storing each vector in place scatters P stores over the
  /// record, a vector of channels after another, into memory not yet in cache. They are made
  /// in a staging area on the stack instead and copied out a position at a time, each in one
  /// sequential run: CIFAR-shaped training ran 4 % faster (1 thread, interleaved runs).
  /// Wider layers write in place: the stack area holds at most 36 x 256 values (36 KiB of float).
  static constexpr bool stage_input = P * C <= 36 * 256, stage_gradient = P * F <= 36 * 256;

  /// Each tile's U[P][C], one position every `step` values, the tiles P * step apart.
  template <class S>
  static void transform_input(const S* x, S* records, std::size_t step) {
    alignas(64) S stage[stage_input ? P * C : 1];
    const bool staged = stage_input && step != C;
    for (std::size_t ty = 0; ty < tiles_y; ++ty) {
      for (std::size_t tx = 0; tx < tiles_x; ++tx) {
        S* u = records + (ty * tiles_x + tx) * P * step;
        const std::ptrdiff_t y0 = std::ptrdiff_t(M * ty) - std::ptrdiff_t(PadTop);
        const std::ptrdiff_t x0 = std::ptrdiff_t(M * tx) - std::ptrdiff_t(PadLeft);
        winograd::for_channels<S, C>([&]<class V>(std::size_t c, V) {
          V d[N][N];
          for (std::size_t i = 0; i < N; ++i) {
            for (std::size_t j = 0; j < N; ++j) {
              const std::ptrdiff_t iy = y0 + std::ptrdiff_t(i), ix = x0 + std::ptrdiff_t(j);
              d[i][j] = iy >= 0 && iy < std::ptrdiff_t(H) && ix >= 0 && ix < std::ptrdiff_t(W)
                            ? winograd::load_as<V>(x + (std::size_t(iy) * W + std::size_t(ix)) * C + c)
                            : V{};
            }
          }
          V t[N][N];
          winograd::sandwich<winograd::BT<M>, N, N, V, S>(d, t);
          S* to = staged ? stage : u;
          const std::size_t stride = staged ? C : step;
          for (std::size_t p = 0; p < P; ++p) winograd::store_as(to + p * stride + c, t[p / N][p % N]);
        });
        if (staged)
          for (std::size_t p = 0; p < P; ++p) winograd::copy<C>(stage + p * C, u + p * step);
      }
    }
  }

  template <class S>
  static void transform_output(const S* m, const S* bias, bool relu, S* y) {
    for (std::size_t ty = 0; ty < tiles_y; ++ty) {
      for (std::size_t tx = 0; tx < tiles_x; ++tx) {
        const S* mt = m + (ty * tiles_x + tx) * P * F;
        winograd::for_channels<S, F>([&]<class V>(std::size_t f, V) {
          V t[N][N];
          for (std::size_t p = 0; p < P; ++p) t[p / N][p % N] = winograd::load_as<V>(mt + p * F + f);
          V out[M][M];
          winograd::sandwich<winograd::AT<M>, M, N, V, S>(t, out);
          const V start = winograd::load_as<V>(bias + f);
          for (std::size_t i = 0; i < M && M * ty + i < OH; ++i) {
            for (std::size_t j = 0; j < M && M * tx + j < OW; ++j) {
              V v = start + out[i][j];
              if (relu) {
                if constexpr (std::is_same_v<V, S>) v = v > S{} ? v : S{};
                else v = typenet::detail::where_positive(v, v);
              }
              winograd::store_as(y + ((M * ty + i) * OW + M * tx + j) * F + f, v);
            }
          }
        });
      }
    }
  }

  template <class S>
  static void transform_gradient(const S* dy, S* records) {
    alignas(64) S stage[stage_gradient ? P * F : 1];
    for (std::size_t ty = 0; ty < tiles_y; ++ty) {
      for (std::size_t tx = 0; tx < tiles_x; ++tx) {
        S* dm = records + (ty * tiles_x + tx) * record + C;
        winograd::for_channels<S, F>([&]<class V>(std::size_t f, V) {
          V d[M][M];
          for (std::size_t i = 0; i < M; ++i)
            for (std::size_t j = 0; j < M; ++j)
              d[i][j] = M * ty + i < OH && M * tx + j < OW
                            ? winograd::load_as<V>(dy + ((M * ty + i) * OW + M * tx + j) * F + f)
                            : V{};
          V t[N][N];
          winograd::sandwich<winograd::A<M>, N, M, V, S>(d, t);
          S* to = stage_gradient ? stage : dm;
          const std::size_t stride = stage_gradient ? F : C + F;
          for (std::size_t p = 0; p < P; ++p) winograd::store_as(to + p * stride + f, t[p / N][p % N]);
        });
        if constexpr (stage_gradient)
          for (std::size_t p = 0; p < P; ++p) winograd::copy<F>(stage + p * F, dm + p * (C + F));
      }
    }
  }

  template <class S>
  static void scatter_input_gradient(const S* du, S* dx) {
    std::fill(dx, dx + H * W * C, S{});
    for (std::size_t ty = 0; ty < tiles_y; ++ty) {
      for (std::size_t tx = 0; tx < tiles_x; ++tx) {
        const S* dt = du + (ty * tiles_x + tx) * P * C;
        const std::ptrdiff_t y0 = std::ptrdiff_t(M * ty) - std::ptrdiff_t(PadTop);
        const std::ptrdiff_t x0 = std::ptrdiff_t(M * tx) - std::ptrdiff_t(PadLeft);
        winograd::for_channels<S, C>([&]<class V>(std::size_t c, V) {
          V t[N][N];
          for (std::size_t p = 0; p < P; ++p) t[p / N][p % N] = winograd::load_as<V>(dt + p * C + c);
          V d[N][N];
          winograd::sandwich<winograd::B<M>, N, N, V, S>(t, d);
          for (std::size_t i = 0; i < N; ++i) {
            for (std::size_t j = 0; j < N; ++j) {
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
