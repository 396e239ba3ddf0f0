// typenet/kernels/winograd_transforms.hpp: Winograd F(M, 3)'s transforms, built from their points at compile time, and applied as straight-line programs.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <utility>

#include <typenet/core/detail/compiler.hpp>
#include <typenet/core/simd.hpp>

namespace typenet::kernels {

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
  // The search works on a plain array: constant evaluation pays for every call, and
  // std::array's operator[] is one (the search took about a second per translation unit).
  constexpr std::size_t width = K + Program<R, K>::max_steps;
  double rows[R][width] = {};
  for (std::size_t i = 0; i < R; ++i)
    for (std::size_t k = 0; k < K; ++k) rows[i][k] = t[i][k];
  while (p.steps < p.max_steps) {
    const std::size_t n = K + p.steps;
    std::size_t best_count = 1, best_a = 0, best_b = 0;
    double best_c = 0;
    // Which rows use each vector: a pair shared by fewer rows than the best so far (or by as
    // many, when the best is already +-1) cannot win, and is skipped without looking at its
    // ratios. Only rows using both can share a ratio (it is never 0), and a ratio met in an
    // earlier row counts the same again, so each is counted once, over those rows. None of
    // this changes a choice.
    std::size_t used[width] = {};
    for (std::size_t k = 0; k < n; ++k)
      for (std::size_t i = 0; i < R; ++i) used[k] |= rows[i][k] != 0 ? std::size_t{1} << i : 0;
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t b = a + 1; b < n; ++b) {
        const std::size_t both_rows = used[a] & used[b];
        const auto both = std::size_t(std::popcount(both_rows));
        if (both < 2 || both < best_count || (both == best_count && (best_c == 1 || best_c == -1))) continue;
        for (std::size_t left = both_rows; left != 0; left &= left - 1) {
          const auto i = std::size_t(std::countr_zero(left));
          const double c = rows[i][b] / rows[i][a];
          if (double(float(c)) != c) continue;  // a coefficient float rounds would add error
          bool seen = false;
          for (std::size_t e = both_rows & ((std::size_t{1} << i) - 1); e != 0 && !seen; e &= e - 1)
            seen = rows[std::countr_zero(e)][b] / rows[std::countr_zero(e)][a] == c;
          if (seen) continue;
          std::size_t count = 0;
          for (std::size_t j = both_rows; j != 0; j &= j - 1)
            count += rows[std::countr_zero(j)][a] * c == rows[std::countr_zero(j)][b] ? 1 : 0;
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
      if (rows[j][best_a] == 0 || rows[j][best_a] * best_c != rows[j][best_b]) continue;
      rows[j][n] = rows[j][best_a];
      rows[j][best_a] = 0;
      rows[j][best_b] = 0;
    }
    p.step[p.steps++] = {best_a, best_b, best_c};
  }
  for (std::size_t i = 0; i < R; ++i)
    for (std::size_t k = 0; k < width; ++k) p.rows[i][k] = rows[i][k];
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

}  // namespace typenet::kernels
