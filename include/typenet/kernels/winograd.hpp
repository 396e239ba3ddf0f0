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

namespace typenet::kernels {

// Winograd's minimal filtering algorithm (Lavin and Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016) for a 3x3 kernel and M x M outputs: an (M + 2) x (M + 2) input tile d
// and the kernel g give the outputs Y = A^T [(G g G^T) . (B^T d B)] A, with . the product
// element by element. For C input channels and F filters, the (M + 2)^2 element-wise products
// summed over the channels are as many matrix products (tiles x C) (C x F): for M = 4, 36
// multiplications per 16 outputs and channel pair instead of 144; for M = 5, 49 per 25
// instead of 225; for M = 6, 64 per 36 instead of 324.
namespace winograd {

/// The finite interpolation points of F(M, 3) (infinity is the last point of every one): the
/// small ones that keep float rounding lowest. In float, summed over 32 channels, the outputs
/// of one tile differ from the exact ones by about 1.2e-6 (M = 4), 1.8e-6 (5) and 2.9e-6 (6)
/// of their largest (measured with the transforms applied term by term, before `program`);
/// points like 3 or -1/4 cost ten times that.
template <std::size_t M>
inline constexpr auto points = [] {
  static_assert(M >= 2 && M <= 6, "Winograd F(M, 3) is defined here for output tiles of 2 to 6");
  constexpr std::array<double, 7> all{0, 1, -1, 2, -2, 0.5, -0.5};
  std::array<double, M + 1> p{};
  for (std::size_t i = 0; i <= M; ++i) p[i] = all[i];
  return p;
}();

template <std::size_t R, std::size_t K>
using Matrix = std::array<std::array<double, K>, R>;

/// The coefficients, lowest power first, of the product of (x - p) over the points of F(M, 3)
/// but point `skip` (none when skip is past the end). Sums and products of small dyadic
/// numbers: exact in double.
template <std::size_t M>
constexpr std::array<double, M + 2> product_but(std::size_t skip) {
  std::array<double, M + 2> poly{1};
  for (std::size_t l = 0, degree = 0; l <= M; ++l) {
    if (l == skip) continue;
    std::array<double, M + 2> next{};
    for (std::size_t i = 0; i <= degree; ++i) {
      next[i + 1] += poly[i];
      next[i] -= points<M>[l] * poly[i];
    }
    poly = next;
    ++degree;
  }
  return poly;
}

/// The transforms of F(M, 3) from its points, by Toom-Cook: a linear convolution of r = 3 and
/// M taps is C [(V3 g) . (VM h)], with V the evaluations at the points (infinity giving the
/// leading coefficient) and C the interpolation; its transpose is the correlation we need,
/// y = VM^T [(V3 g) . (C^T d)]. Row j of C^T is point j's Lagrange polynomial, its numerator
/// (the product of x - p over the other points; for infinity, over all) in B^T and its
/// denominator moved into G, so B^T holds integers and G the fractions. For M = 4 these are
/// Lavin and Gray's matrices, value for value.
template <std::size_t M>
inline constexpr Matrix<M + 2, M + 2> BT = [] {
  Matrix<M + 2, M + 2> bt{};
  for (std::size_t j = 0; j <= M + 1; ++j) bt[j] = product_but<M>(j);
  return bt;
}();
template <std::size_t M>
inline constexpr Matrix<M + 2, 3> G = [] {
  Matrix<M + 2, 3> g{};
  for (std::size_t j = 0; j <= M; ++j) {
    const double p = points<M>[j];
    double denominator = 1;
    for (std::size_t l = 0; l <= M; ++l)
      if (l != j) denominator *= p - points<M>[l];
    g[j] = {1 / denominator, p / denominator, p * p / denominator};
  }
  g[M + 1] = {0, 0, 1};
  return g;
}();
template <std::size_t M>
inline constexpr Matrix<M, M + 2> AT = [] {
  Matrix<M, M + 2> at{};
  for (std::size_t j = 0; j <= M; ++j) {
    double power = 1;
    for (std::size_t i = 0; i < M; ++i, power *= points<M>[j]) at[i][j] = power;
  }
  at[M - 1][M + 1] = 1;
  return at;
}();

/// The transposes, for the backward passes (which apply each transform's transpose).
template <std::size_t R, std::size_t K>
constexpr Matrix<K, R> transposed(const Matrix<R, K>& m) {
  Matrix<K, R> t{};
  for (std::size_t i = 0; i < R; ++i)
    for (std::size_t k = 0; k < K; ++k) t[k][i] = m[i][k];
  return t;
}
template <std::size_t M>
inline constexpr auto B = transposed(BT<M>);
template <std::size_t M>
inline constexpr auto A = transposed(AT<M>);
template <std::size_t M>
inline constexpr auto GT = transposed(G<M>);

/// A constant matrix T (R x K) as a straight-line program, so that applying it costs fewer
/// vector operations than its nonzero coefficients: first `steps` new vectors, each
/// v[K + s] = v[a] + c v[b] (an addition or a subtraction for c = +-1, else a multiply-add),
/// then each output row a sum of terms over the inputs and the new vectors (`rows`).
///
/// The new vectors are the sums two or more rows share. The transforms' points come in pairs
/// p and -p, so their rows do: F(5, 3)'s output transform A^T has rows 1, p, p^2, ... over
/// the points, so every row takes x1 + x2 or x1 - x2 (points 1 and -1) and x3 + x4 or x3 - x4
/// (2 and -2), with p's powers as coefficients: 16 operations instead of 22. CIFAR-shaped
/// training ran 1.4 % faster, the seed CNN's 1.6 %.
template <std::size_t R, std::size_t K>
struct Program {
  static constexpr std::size_t inputs = K, max_steps = 3 * K;
  struct Step {
    std::size_t a = 0, b = 0;
    double c = 0;
  };
  std::array<Step, max_steps> step{};
  std::size_t steps = 0;
  Matrix<R, K + max_steps> rows{};

  /// The term a row starts from: its first coefficient of +-1 (which costs nothing), else its
  /// first nonzero one (a product); K + max_steps for a row of zeros.
  constexpr std::size_t lead(std::size_t i) const {
    for (std::size_t k = 0; k < K + max_steps; ++k)
      if (rows[i][k] == 1 || rows[i][k] == -1) return k;
    for (std::size_t k = 0; k < K + max_steps; ++k)
      if (rows[i][k] != 0) return k;
    return K + max_steps;
  }

  /// Vector operations to run it: the steps, then per row an addition or a multiply-add for
  /// each term after its lead, and a product for a lead other than +-1.
  constexpr std::size_t cost() const {
    std::size_t ops = steps;
    for (std::size_t i = 0; i < R; ++i) {
      std::size_t terms = 0;
      for (const double c : rows[i]) terms += c != 0 ? 1 : 0;
      if (terms == 0) continue;
      const double c = rows[i][lead(i)];
      ops += terms - 1 + (c == 1 || c == -1 ? 0 : 1);
    }
    return ops;
  }
};

/// T's program, found greedily: while two vectors a and b appear in two or more rows with the
/// same ratio c of their coefficients (t[i][b] = c t[i][a], exactly), the most shared such pair
/// (one with c = +-1 on a tie, then the first) becomes a step v = a + c b, and those rows take
/// v with a's coefficient instead of a and b. Each step saves an operation per row that uses
/// it, less its own. The program is kept only if it is cheaper than T as it stands.
template <std::size_t R, std::size_t K>
constexpr Program<R, K> factored(const Matrix<R, K>& t) {
  Program<R, K> plain;
  for (std::size_t i = 0; i < R; ++i)
    for (std::size_t k = 0; k < K; ++k) plain.rows[i][k] = t[i][k];
  Program<R, K> p = plain;
  while (p.steps < p.max_steps) {
    const std::size_t n = K + p.steps;
    std::size_t best_count = 1, best_a = 0, best_b = 0;
    double best_c = 0;
    const auto shares = [&](std::size_t i, std::size_t a, std::size_t b, double c) {
      return p.rows[i][a] != 0 && p.rows[i][a] * c == p.rows[i][b];
    };
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t b = a + 1; b < n; ++b) {
        for (std::size_t i = 0; i < R; ++i) {
          if (p.rows[i][a] == 0 || p.rows[i][b] == 0) continue;
          const double c = p.rows[i][b] / p.rows[i][a];
          if (double(float(c)) != c) continue;  // a coefficient float rounds would add error
          std::size_t count = 0;
          for (std::size_t j = 0; j < R; ++j) count += shares(j, a, b, c) ? 1 : 0;
          const bool unit = c == 1 || c == -1, best_unit = best_c == 1 || best_c == -1;
          if (count > best_count || (count == best_count && count > 1 && unit && !best_unit)) {
            best_count = count;
            best_a = a;
            best_b = b;
            best_c = c;
          }
        }
      }
    }
    if (best_count < 2) break;
    for (std::size_t j = 0; j < R; ++j) {
      if (!shares(j, best_a, best_b, best_c)) continue;
      p.rows[j][n] = p.rows[j][best_a];
      p.rows[j][best_a] = 0;
      p.rows[j][best_b] = 0;
    }
    p.step[p.steps++] = {best_a, best_b, best_c};
  }
  return p.cost() < plain.cost() ? p : plain;
}

template <const auto& T>
inline constexpr auto program = factored(T);

/// acc += the row's coefficient k times v[k], for k past the lead: nothing for a zero, an
/// addition or a subtraction for +-1, else a multiply-add.
template <const auto& Pg, std::size_t I, std::size_t k, class V, class S>
TYPENET_INLINE void add_term(V& acc, const V* v) {
  constexpr double c = Pg.rows[I][k];
  if constexpr (c != 0 && k != Pg.lead(I)) {
    if constexpr (c == 1) acc = acc + v[k];
    else if constexpr (c == -1) acc = acc - v[k];
    else acc = typenet::detail::multiply_add(v[k], V{} + S(c), acc);
  }
}

/// Row I: its lead term, then the others in order.
template <const auto& Pg, std::size_t I, class V, class S, std::size_t... k>
TYPENET_INLINE V row(const V* v, std::index_sequence<k...>) {
  constexpr std::size_t lead = Pg.lead(I);
  V acc{};
  if constexpr (lead < sizeof...(k)) {
    constexpr double c = Pg.rows[I][lead];
    if constexpr (c == 1) acc = v[lead];
    else if constexpr (c == -1) acc = -v[lead];
    else acc = v[lead] * S(c);
  }
  (add_term<Pg, I, k, V, S>(acc, v), ...);
  return acc;
}

template <const auto& Pg, std::size_t s, class V, class S>
TYPENET_INLINE void make_step(V* v) {
  constexpr auto step = Pg.step[s];
  constexpr std::size_t to = Pg.inputs + s;
  if constexpr (step.c == 1) v[to] = v[step.a] + v[step.b];
  else if constexpr (step.c == -1) v[to] = v[step.a] - v[step.b];
  else v[to] = typenet::detail::multiply_add(v[step.b], V{} + S(step.c), v[step.a]);
}

/// out[i] = sum over k of T[i][k] in[k] (i < R, k < K) for a constant matrix T, by T's
/// program: every use of a transform is the same sequence of operations.
template <const auto& T, std::size_t R, std::size_t K, class V, class S>
TYPENET_INLINE void apply(const V* in, std::size_t in_stride, V* out, std::size_t out_stride) {
  constexpr const auto& pg = program<T>;
  constexpr std::size_t n = K + pg.steps;
  V v[n];
  for (std::size_t k = 0; k < K; ++k) v[k] = in[k * in_stride];
  [&]<std::size_t... s>(std::index_sequence<s...>) {
    (make_step<pg, s, V, S>(v), ...);
  }(std::make_index_sequence<pg.steps>{});
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((out[I * out_stride] = row<pg, I, V, S>(v, std::make_index_sequence<n>{})), ...);
  }(std::make_index_sequence<R>{});
}

/// out (R x R) = T in T^T for an in of K x K (T is R x K), on vectors of channels.
template <const auto& T, std::size_t R, std::size_t K, class V, class S>
TYPENET_INLINE void sandwich(const V (&in)[K][K], V (&out)[R][R]) {
  V half[R][K];
  for (std::size_t j = 0; j < K; ++j) apply<T, R, K, V, S>(&in[0][j], K, &half[0][j], K);
  for (std::size_t i = 0; i < R; ++i) apply<T, R, K, V, S>(&half[i][0], 1, &out[i][0], 1);
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


/// Vector operations to apply T to one vector of inputs, as `apply` does.
template <const auto& T>
inline constexpr std::size_t apply_cost = program<T>.cost();

}  // namespace winograd

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
      for (std::size_t pos = 0; pos < P; ++pos)
        gemm<S, F, C>(count * tiles, u + pos * (stride / P), stride, 1, v + pos * C * F, F, scratch + pos * F,
                      P * F);
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
    const std::size_t rows = c1 - c0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (weight_gradient_row<I>(c0, rows, n, saved, g, scratch), ...);
    }(std::make_index_sequence<N>{});
  }

 private:
  /// The first row i of dV that reaches row ky of the kernel gradient (G^T[ky][i] != 0).
  static constexpr std::size_t first_row(std::size_t ky) {
    std::size_t i = 0;
    while (winograd::GT<M>[ky][i] == 0) ++i;
    return i;
  }

  template <std::size_t I, class S>
  static void weight_gradient_row(std::size_t c0, std::size_t rows, std::size_t n, const S* saved, S* g, S* scratch) {
    // The tiles in blocks whose position's values stay in L1 while every micro-tile reads them
    // (unblocked, each micro-tile streamed all the records from L2 or beyond); a block adds to
    // what the ones before it left, so every sum still runs over the tiles in order.
    constexpr std::size_t block = 48;
    const std::size_t total = n * tiles;
    for (std::size_t j = 0; j < N; ++j) {
      const std::size_t pos = N * I + j;
      const S* u = saved + pos * (C + F) + c0;
      const S* dm = saved + pos * (C + F) + C;
      for (std::size_t k0 = 0; k0 < total; k0 += block)
        gemm_any_k<S, F>(rows, std::min(block, total - k0), u + k0 * record, 1, record, dm + k0 * record, record,
                         scratch + j * rows * F, F, k0 == 0 ? Start::zero : Start::accumulate);
    }
    for (std::size_t c = 0; c < rows; ++c) {
      winograd::for_channels<S, F>([&]<class V>(std::size_t f, V) {
        V dv[N];
        for (std::size_t j = 0; j < N; ++j) dv[j] = winograd::load_as<V>(scratch + (j * rows + c) * F + f);
        V half[3];
        winograd::apply<winograd::GT<M>, 3, N, V, S>(dv, 1, half, 1);
        [&]<std::size_t... Y>(std::index_sequence<Y...>) {
          ([&] {
            constexpr double weight = winograd::GT<M>[Y][I];
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
