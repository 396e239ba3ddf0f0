// typenet/kernels/gemm.hpp: gemm, a register-blocked matrix product whose inner sizes are compile-time constants.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <typenet/core/detail/compiler.hpp>
#include <typenet/core/simd.hpp>

namespace typenet::kernels {

/// How `gemm` starts each output element before adding the products.
enum class Start {
  zero,        ///< C = A B
  accumulate,  ///< C += A B
  row,         ///< C = A B + r, one row vector r added to every row (a bias)
};

/// What happens to each result on its way to memory: nothing, a ReLU (the activation after a
/// layer, fused into it), or a gate: the value where `gate` (laid out like the output) is above
/// zero, else zero (the gradient through a ReLU whose output is `gate`).
template <class S>
struct Finish {
  bool relu = false;
  const S* gate = nullptr;
};

namespace detail {
using typenet::detail::lanes;
using typenet::detail::vec;

/// Stores `count` (<= lanes) values of v at `to`, finished as `finish` says; `at` is the
/// offset of `to` in the output, which is also the gate's offset.
template <class S>
TYPENET_INLINE void finish_store(S* to, vec<S> v, std::size_t count, const Finish<S>& finish, std::size_t at) {
  if (finish.relu) v = typenet::detail::where_positive(v, v);
  if (count == lanes<S>) {
    if (finish.gate) v = typenet::detail::where_positive(typenet::detail::load(finish.gate + at), v);
    typenet::detail::store<S>(to, v);
  } else {
    for (std::size_t l = 0; l < count; ++l) to[l] = !finish.gate || finish.gate[at + l] > S{} ? v[l] : S{};
  }
}

/// Accumulator registers a micro-tile may use: 24 of AVX-512's 32 (the rest hold B's
/// vectors and A's broadcast), 12 of AVX2's 16.
inline constexpr std::size_t accumulators = typenet::detail::simd_bytes == 64 ? 24 : 12;

/// Vectors of columns per micro-tile: 4 x 6 rows on AVX-512; 2 x 6 rows on AVX2, whose 16
/// registers hold 12 accumulators, 2 vectors of B and A's broadcast (4 x 3 rows would need 17:
/// the compiler spilled, and training ran 20 % slower).
template <class S, std::size_t Cols>
inline constexpr std::size_t panel_vectors = std::min<std::size_t>(typenet::detail::simd_bytes == 64 ? 4 : 2,
                                                                   (Cols + lanes<S> - 1) / lanes<S>);

template <class S, std::size_t NV>
inline constexpr std::size_t tile_rows = std::min<std::size_t>(12, accumulators / NV);

/// An MR x (NV vectors) block of accumulators started as `start` says (from C's rows, or `row`
/// for every row). `Valid` is how many of the NV * lanes columns exist.
template <class S, std::size_t MR, std::size_t NV, std::size_t Valid>
TYPENET_INLINE void start_tile(vec<S> (&acc)[MR][NV], const S* c, std::size_t ldc, Start start, const S* row) {
  constexpr std::size_t W = lanes<S>;
  for (std::size_t r = 0; r < MR; ++r) {
    for (std::size_t j = 0; j < NV; ++j) {
      if (start == Start::zero) {
        acc[r][j] = vec<S>{};
      } else {
        const S* from = start == Start::row ? row : c + r * ldc;
        if ((j + 1) * W <= Valid) {
          acc[r][j] = typenet::detail::load(from + j * W);
        } else {
          acc[r][j] = vec<S>{};
          for (std::size_t l = 0; j * W + l < Valid; ++l) acc[r][j][l] = from[j * W + l];
        }
      }
    }
  }
}

/// acc += A[rows, k0 .. k0 + length) B[k0 .. k0 + length, panel], one k after another.
template <class S, std::size_t MR, std::size_t NV>
TYPENET_INLINE void add_products(vec<S> (&acc)[MR][NV], std::size_t length, const S* a, std::size_t rsa,
                                 std::size_t csa, const S* b, std::size_t ldb) {
  constexpr std::size_t W = lanes<S>;
  for (std::size_t k = 0; k < length; ++k) {
    vec<S> bv[NV];
    for (std::size_t j = 0; j < NV; ++j) bv[j] = typenet::detail::load(b + k * ldb + j * W);
    for (std::size_t r = 0; r < MR; ++r) {
      const vec<S> av = typenet::detail::splat(a[r * rsa + k * csa]);
      for (std::size_t j = 0; j < NV; ++j) acc[r][j] = typenet::detail::multiply_add(av, bv[j], acc[r][j]);
    }
  }
}

template <class S, std::size_t MR, std::size_t NV, std::size_t Valid>
TYPENET_INLINE void store_tile(const vec<S> (&acc)[MR][NV], S* c, std::size_t ldc, const Finish<S>& finish,
                               std::size_t at) {
  constexpr std::size_t W = lanes<S>;
  for (std::size_t r = 0; r < MR; ++r)
    for (std::size_t j = 0; j < NV; ++j)
      finish_store(c + r * ldc + j * W, acc[r][j], std::min(W, Valid - j * W), finish, at + r * ldc + j * W);
}

/// One MR x (NV vectors) tile of C: every output element is the same sequence of
/// multiply-adds over k = 0..K-1, whatever the tile's size, so results never depend on
/// how rows were grouped (that is what makes training independent of the thread count).
/// `Valid` is how many of the NV * lanes columns exist; B may be read up to one vector
/// past its last valid column.
/// KC, when not 0, is the reduction length as a compile-time constant (K is then ignored): the
/// loop unrolls whatever the compiler decides to inline.
template <class S, std::size_t MR, std::size_t NV, std::size_t Valid, std::size_t KC = 0>
TYPENET_INLINE void micro_tile(std::size_t K, const S* a, std::size_t rsa, std::size_t csa, const S* b,
                               std::size_t ldb, S* c, std::size_t ldc, Start start, const S* row,
                               const Finish<S>& finish, std::size_t at) {
  vec<S> acc[MR][NV];
  start_tile<S, MR, NV, Valid>(acc, c, ldc, start, row);
  add_products<S, MR, NV>(acc, KC ? KC : K, a, rsa, csa, b, ldb);
  store_tile<S, MR, NV, Valid>(acc, c, ldc, finish, at);
}

/// acc (started as part 0 of the sum) += A[rows, 0 .. K) B[0 .. K, panel] with the reduction in
/// Parts runs of K / Parts (the last takes the rest), the others from zero, added as a balanced
/// tree: ((part 0 + part 1) + (part 2 + part 3)). When all parts' accumulators fit in registers
/// (one row alone: batch-1 inference, a recurrent layer's stream step) the runs go side by side,
/// else one after another; each run is the same sequence either way.
template <class S, std::size_t MR, std::size_t NV, std::size_t K, std::size_t Parts>
TYPENET_INLINE void add_products_split(vec<S> (&sum)[MR][NV], const S* a, std::size_t rsa, std::size_t csa, const S* b,
                                       std::size_t ldb) {
  constexpr std::size_t W = lanes<S>;
  constexpr std::size_t run = K / Parts, last = K - (Parts - 1) * run;
  vec<S> acc[Parts][MR][NV];
  for (std::size_t r = 0; r < MR; ++r)
    for (std::size_t j = 0; j < NV; ++j) {
      acc[0][r][j] = sum[r][j];
      for (std::size_t p = 1; p < Parts; ++p) acc[p][r][j] = vec<S>{};
    }
  if constexpr (MR * NV * Parts <= accumulators) {
    // The parts as a compile-time sequence: indexed by a loop variable, the accumulators went
    // to the stack and back every step (the MLP's batch-1 Dense(128) ran at half speed).
    [&]<std::size_t... P>(std::index_sequence<P...>) {
      for (std::size_t k = 0; k < run; ++k) {
        ([&] {
          const std::size_t kk = P * run + k;
          for (std::size_t j = 0; j < NV; ++j) {
            const vec<S> bv = typenet::detail::load(b + kk * ldb + j * W);
            for (std::size_t r = 0; r < MR; ++r)
              acc[P][r][j] =
                  typenet::detail::multiply_add(typenet::detail::splat(a[r * rsa + kk * csa]), bv, acc[P][r][j]);
          }
        }(), ...);
      }
    }(std::make_index_sequence<Parts>{});
    // The last part's values beyond the others' length, in order after its first `run`.
    constexpr std::size_t rest = Parts * run;
    add_products<S, MR, NV>(acc[Parts - 1], K - rest, a + rest * csa, rsa, csa, b + rest * ldb, ldb);
  } else {
    for (std::size_t p = 0; p < Parts; ++p)
      add_products<S, MR, NV>(acc[p], p + 1 < Parts ? run : last, a + p * run * csa, rsa, csa, b + p * run * ldb, ldb);
  }
  // The tree's levels (pairs 1 apart, then 2, ...) as compile-time sequences too: as loops
  // over `step *= 2`, g++ kept them, and every part went to the stack and back.
  [&]<std::size_t... L>(std::index_sequence<L...>) {
    ([&]<std::size_t Step>(std::integral_constant<std::size_t, Step>) {
      [&]<std::size_t... Q>(std::index_sequence<Q...>) {
        ([&] {
          for (std::size_t r = 0; r < MR; ++r)
            for (std::size_t j = 0; j < NV; ++j) acc[2 * Step * Q][r][j] += acc[2 * Step * Q + Step][r][j];
        }(), ...);
      }(std::make_index_sequence<(Parts - Step + 2 * Step - 1) / (2 * Step)>{});
    }(std::integral_constant<std::size_t, std::size_t{1} << L>{}), ...);
  }(std::make_index_sequence<std::bit_width(Parts - 1)>{});
  for (std::size_t r = 0; r < MR; ++r)
    for (std::size_t j = 0; j < NV; ++j) sum[r][j] = acc[0][r][j];
}

/// One row of A times one column of B (K values each, csa and ldb apart): lane l of a vector
/// sums the products of k = l, l + W, l + 2W, ... in that order (multiply-adds; the last, partial
/// vector's other lanes zero), then the lanes are summed as a tree (typenet::detail::sum_lanes).
template <class S, std::size_t K, bool Contiguous>
TYPENET_INLINE S dot_row(const S* a, std::size_t csa, const S* b, std::size_t ldb) {
  constexpr std::size_t W = lanes<S>, V = K / W, R = K % W;
  static_assert(V >= 1);
  const auto part = [](const S* p, std::size_t stride, std::size_t k, std::size_t count) {
    if constexpr (Contiguous) {
      return typenet::detail::load_first(p + k, count);
    } else {
      vec<S> v{};
      for (std::size_t l = 0; l < count; ++l) v[l] = p[(k + l) * stride];
      return v;
    }
  };
  vec<S> sum = part(a, csa, 0, W) * part(b, ldb, 0, W);
  for (std::size_t v = 1; v < V; ++v)
    sum = typenet::detail::multiply_add(part(a, csa, v * W, W), part(b, ldb, v * W, W), sum);
  if constexpr (R > 0) sum = typenet::detail::multiply_add(part(a, csa, V * W, R), part(b, ldb, V * W, R), sum);
  return typenet::detail::sum_lanes<S>(sum);
}

/// `gemm` for one column of C (N = 1): each row's value is its start plus the row's dot_row. A
/// micro-tile would use one lane of each multiply-add, and one row's K multiply-adds would be one
/// chain: a streamed GRU(32) -> Dense(1) waited on that chain of 32 (70-72 ns a sample, 61-62 as
/// dot products; GRU(16) -> Dense(1) 35.5 -> 35).
template <class S, std::size_t K>
void dot_rows(std::size_t m, const S* a, std::size_t rsa, std::size_t csa, const S* b, std::size_t ldb, S* c,
              std::size_t ldc, Start start, const S* row, const Finish<S>& finish) {
  const auto rows = [&]<bool Contiguous>() {
    for (std::size_t i = 0; i < m; ++i) {
      const S sum = dot_row<S, K, Contiguous>(a + i * rsa, csa, b, ldb);
      vec<S> v{};
      v[0] = (start == Start::zero ? S{} : start == Start::row ? row[0] : c[i * ldc]) + sum;
      finish_store(c + i * ldc, v, 1, finish, i * ldc);
    }
  };
  if (csa == 1 && ldb == 1) rows.template operator()<true>();
  else rows.template operator()<false>();
}

/// A tile of `gemm_split`: the first part started as `start` says (see add_products_split).
template <class S, std::size_t MR, std::size_t NV, std::size_t Valid, std::size_t K, std::size_t Parts>
TYPENET_INLINE void split_tile(const S* a, std::size_t rsa, std::size_t csa, const S* b, std::size_t ldb, S* c,
                               std::size_t ldc, Start start, const S* row, const Finish<S>& finish, std::size_t at) {
  vec<S> acc[MR][NV];
  start_tile<S, MR, NV, Valid>(acc, c, ldc, start, row);
  add_products_split<S, MR, NV, K, Parts>(acc, a, rsa, csa, b, ldb);
  store_tile<S, MR, NV, Valid>(acc, c, ldc, finish, at);
}

/// One MR x (NV vectors) tile of the sum over chunks of `chunk` k values (the last may be
/// shorter) of A[rows, chunk] B[chunk, panel], the chunks' products added in the fixed binary
/// tree over chunk indices of exec::sum_chunk_tree: each chunk's products from zero in k order
/// (as micro_tile makes them), the sums of the aligned blocks still pending on a stack. The
/// same bits as each chunk's product stored and the stores added by sum_chunk_tree. At most
/// 255 chunks (the plan makes at most 8).
template <class S, std::size_t MR, std::size_t NV, std::size_t Valid>
TYPENET_INLINE void tree_tile(std::size_t K, std::size_t chunk, const S* a, std::size_t rsa, std::size_t csa,
                              const S* b, std::size_t ldb, S* c, std::size_t ldc, std::size_t at) {
  constexpr std::size_t depth = 8;
  vec<S> stack[depth][MR][NV];
  vec<S> acc[MR][NV];
  const auto add_from = [&](std::size_t level) {
    for (std::size_t r = 0; r < MR; ++r)
      for (std::size_t j = 0; j < NV; ++j) acc[r][j] = stack[level][r][j] + acc[r][j];
  };
  const auto push_to = [&](std::size_t level) {
    for (std::size_t r = 0; r < MR; ++r)
      for (std::size_t j = 0; j < NV; ++j) stack[level][r][j] = acc[r][j];
  };
  const std::size_t chunks = (K + chunk - 1) / chunk;
  if (chunks == 0) {
    start_tile<S, MR, NV, Valid>(acc, c, ldc, Start::zero, nullptr);
    store_tile<S, MR, NV, Valid>(acc, c, ldc, Finish<S>{}, at);
    return;
  }
  std::size_t top = 0;  // pending blocks on stack[0 .. top)
  for (std::size_t q = 0; q < chunks; ++q) {
    const std::size_t first = q * chunk;
    start_tile<S, MR, NV, Valid>(acc, c, ldc, Start::zero, nullptr);
    add_products<S, MR, NV>(acc, std::min(chunk, K - first), a + first * csa, rsa, csa, b + first * ldb, ldb);
    // Chunk q completes as many aligned blocks as q + 1 has trailing zeros: each pending sum
    // below takes in the one above it, the chunk's the first.
    const std::size_t merges = std::size_t(std::countr_zero(q + 1));
    for (std::size_t m = 1; m <= merges; ++m) add_from(top - m);
    top -= merges;
    if (q + 1 < chunks) push_to(top++);
  }
  // The incomplete blocks left, largest first: each takes in the sum of those after it, the
  // last chunk's block still in the accumulators (never pushed, so never read back).
  for (std::size_t level = top; level > 0; --level) add_from(level - 1);
  store_tile<S, MR, NV, Valid>(acc, c, ldc, Finish<S>{}, at);
}

/// Calls f.template operator()<NV, Valid>(column) for each panel of N columns.
template <class S, std::size_t N, class Fn>
inline void for_each_panel(Fn&& f) {
  constexpr std::size_t Wd = lanes<S>;
  constexpr std::size_t NV = panel_vectors<S, N>;
  constexpr std::size_t full = N / (NV * Wd);
  constexpr std::size_t rest = N % (NV * Wd);
  for (std::size_t p = 0; p < full; ++p) f.template operator()<NV, NV * Wd>(p * NV * Wd);
  if constexpr (rest > 0) f.template operator()<(rest + Wd - 1) / Wd, rest>(full * NV * Wd);
}

/// Calls `f.template operator()<R>()` for the run-time row count `rows` < MR.
template <std::size_t MR, class F, std::size_t... R>
inline void with_rows(std::size_t rows, F&& f, std::index_sequence<R...>) {
  ((rows == R + 1 ? (f.template operator()<R + 1>(), 0) : 0), ...);
}

/// Calls `f.template operator()<R>(at)` for pieces of R = 8, 4, 2 and 1 rows (those below MR)
/// that make up the run-time row count `rows` < MR, `at` rows from the first: a remainder that
/// compiles as at most 4 tile shapes instead of MR - 1, for kernels whose results do not depend
/// on how rows are grouped and whose remainder is rare (once per call).
template <std::size_t MR, class F>
TYPENET_INLINE void in_pieces(std::size_t rows, F&& f) {
  static_assert(MR <= 16);
  std::size_t at = 0;
  [&]<std::size_t... B>(std::index_sequence<B...>) {
    ([&] {
      constexpr std::size_t R = std::size_t{8} >> B;
      if constexpr (R < MR) {
        if (rows & R) {
          f.template operator()<R>(at);
          at += R;
        }
      }
    }(), ...);
  }(std::make_index_sequence<4>{});
}

/// C[:, column panel] for all m rows.
template <class S, std::size_t NV, std::size_t Valid, std::size_t KC = 0>
inline void panel(std::size_t m, std::size_t k, const S* a, std::size_t rsa, std::size_t csa, const S* b, std::size_t ldb, S* c,
                  std::size_t ldc, Start start, const S* row, const Finish<S>& finish, std::size_t col) {
  constexpr std::size_t MR = tile_rows<S, NV>;
  const auto tile = [&](std::size_t i, std::size_t rows) {
    if (rows == MR) {
      micro_tile<S, MR, NV, Valid, KC>(k, a + i * rsa, rsa, csa, b, ldb, c + i * ldc, ldc, start, row, finish,
                                       i * ldc + col);
      return;
    }
    with_rows<MR>(rows, [&]<std::size_t R>() {
      micro_tile<S, R, NV, Valid, KC>(k, a + i * rsa, rsa, csa, b, ldb, c + i * ldc, ldc, start, row, finish,
                                      i * ldc + col);
    }, std::make_index_sequence<MR - 1>{});
  };
  // A last tile of 4 rows (of 6) keeps too few multiply-adds in flight: after a full tile, the
  // two share their rows (6 + 4 run as 5 + 5, 10 % faster on AMD Zen 2; 6 + 3 beat 5 + 4, so
  // only this case). No result depends on the grouping.
  const std::size_t rest = m % MR;
  const bool share = rest + 2 == MR && m > MR;
  const std::size_t whole = m - rest - (share ? MR : 0);
  std::size_t i = 0;
  for (; i < whole; i += MR) tile(i, MR);
  if (share) {
    const std::size_t first = (MR + rest + 1) / 2;
    tile(i, first);
    tile(i + first, MR + rest - first);
  } else if (rest > 0) {
    tile(i, rest);
  }
}
}  // namespace detail

/// C (m x N) = A (m x k) B (k x N), started as `start` says; the reduction length k is known
/// only at run time (a sum over the samples of a batch).
/// A(i, kk) is `a[i * rsa + kk * csa]`, so a transposed A costs nothing; B and C are row-major
/// with row strides `ldb` and `ldc`. B's rows may be read up to one vector past column N.
/// KC, when not 0, fixes k at compile time (what `gemm` passes).
template <class S, std::size_t N, std::size_t KC = 0>
void gemm_any_k(std::size_t m, std::size_t k, const S* a, std::size_t rsa, std::size_t csa, const S* b,
                std::size_t ldb, S* c, std::size_t ldc, Start start = Start::zero, const S* row = nullptr,
                const Finish<S>& finish = {}) {
  constexpr std::size_t W = detail::lanes<S>;
  constexpr std::size_t NV = detail::panel_vectors<S, N>;
  // On AVX2 (2-vector panels) a last group of 1 to 3 rows runs 4 vectors wide: 3 rows x 2
  // vectors keep 6 multiply-adds in flight where the FMA units take 10, 3 x 4 keep 12.
  constexpr std::size_t MR = detail::tile_rows<S, NV>;
  constexpr bool wide_rows = NV == 2 && detail::accumulators == 12 && N >= 4 * W;
  std::size_t main = m;
  if constexpr (wide_rows) {
    const std::size_t left = m % MR;
    if (left > 0 && left <= 3) main = m - left;
  }
  detail::for_each_panel<S, N>([&]<std::size_t V, std::size_t Valid>(std::size_t col) {
    detail::panel<S, V, Valid, KC>(main, k, a, rsa, csa, b + col, ldb, c + col, ldc, start, row ? row + col : nullptr,
                                   finish, col);
  });
  if constexpr (wide_rows) {
    if (main == m) return;
    constexpr std::size_t NW = 4, wide_full = N / (NW * W), wide_rest = N % (NW * W);
    const S* ai = a + main * rsa;
    S* ci = c + main * ldc;
    const auto columns = [&]<std::size_t V, std::size_t Valid>(std::size_t col) {
      detail::with_rows<4>(m - main, [&]<std::size_t R>() {
        detail::micro_tile<S, R, V, Valid, KC>(k, ai, rsa, csa, b + col, ldb, ci + col, ldc, start,
                                               row ? row + col : nullptr, finish, main * ldc + col);
      }, std::make_index_sequence<3>{});
    };
    for (std::size_t p = 0; p < wide_full; ++p) columns.template operator()<NW, NW * W>(p * NW * W);
    if constexpr (wide_rest > 0)
      columns.template operator()<(wide_rest + W - 1) / W, wide_rest>(wide_full * NW * W);
  }
}

/// C (m x N) = A (m x k) B (k x N) as the sum over chunks of `chunk` k values (the last may be
/// shorter) of their products, added in the fixed binary tree over chunk indices (tree_tile):
/// a batch's parameter gradient, the chunks being the model's. Each chunk's product is
/// gemm_any_k's with Start::zero over its k values, so the result has the bits of those
/// products added by exec::sum_chunk_tree, without storing them. At most 255 chunks.
template <class S, std::size_t N>
void gemm_chunk_tree(std::size_t m, std::size_t k, std::size_t chunk, const S* a, std::size_t rsa, std::size_t csa,
                     const S* b, std::size_t ldb, S* c, std::size_t ldc) {
  detail::for_each_panel<S, N>([&]<std::size_t V, std::size_t Valid>(std::size_t col) {
    constexpr std::size_t MR = detail::tile_rows<S, V>;
    std::size_t i = 0;
    for (; i + MR <= m; i += MR)
      detail::tree_tile<S, MR, V, Valid>(k, chunk, a + i * rsa, rsa, csa, b + col, ldb, c + i * ldc + col, ldc,
                                         i * ldc + col);
    // The rows left (a layer's last tile, db's one row) one at a time: one more tile shape to
    // compile, not MR - 1 (no result depends on how rows are grouped).
    for (; i < m; ++i)
      detail::tree_tile<S, 1, V, Valid>(k, chunk, a + i * rsa, rsa, csa, b + col, ldb, c + i * ldc + col, ldc,
                                        i * ldc + col);
  });
}

/// C (m x N) = A (m x K) B (K x N), with both inner sizes fixed at compile time.
template <class S, std::size_t N, std::size_t K>
void gemm(std::size_t m, const S* a, std::size_t rsa, std::size_t csa, const S* b, std::size_t ldb, S* c,
          std::size_t ldc, Start start = Start::zero, const S* row = nullptr, const Finish<S>& finish = {}) {
  // K as a template argument too: the micro-tiles' loops unroll even where the compiler does
  // not inline them (it had not in the benchmark, and batch-1 latency lost 15 %).
  if constexpr (N == 1 && K >= detail::lanes<S>)
    detail::dot_rows<S, K>(m, a, rsa, csa, b, ldb, c, ldc, start, row, finish);
  else
    gemm_any_k<S, N, K>(m, K, a, rsa, csa, b, ldb, c, ldc, start, row, finish);
}

/// C (M x N) = A (M x K) B (K x N), as `gemm`, for a row count M known at compile time: where
/// M is a little more than one tile's rows (7 to 12 on AVX-512), one tile of all M rows, as
/// many vectors wide as the accumulators allow, so that B is read once and not once per group
/// of rows. A Winograd position's product for one sample (9 tiles x 32 channels, times 32 x 64)
/// read its 8 KB of B twice, from L2: 36 such products took 14.0 us, 11.9 us as 9 x 2-vector
/// tiles (Zen 4). Every element gets gemm's multiply-adds in k order: the same bits.
/// M = 1 (one sample through a Dense layer) is the other case: a panel of one row keeps only
/// its 4 vectors' chains of multiply-adds in flight (2 on AVX2), waiting on their latency; one
/// row as wide as the accumulators keeps all of N's, in passes of equal width (the MLP's
/// Dense(128) after 784 inputs: 8 chains instead of two passes of 4, 3.6 -> 2.3 us on AMD Zen 5;
/// on AVX2 two passes of 8 vectors, not 12 and 4).
template <class S, std::size_t N, std::size_t K, std::size_t M>
void gemm_few_rows(const S* a, std::size_t rsa, std::size_t csa, const S* b, std::size_t ldb, S* c, std::size_t ldc,
                   Start start = Start::zero, const S* row = nullptr, const Finish<S>& finish = {}) {
  constexpr std::size_t W = detail::lanes<S>;
  constexpr std::size_t PV = detail::panel_vectors<S, N>;
  constexpr bool wider = M == 1 ? N > PV * W : M > detail::tile_rows<S, PV> && detail::accumulators / M >= 2 && M <= 12;
  // Vectors of columns per tile of M rows: as many as the accumulators hold; for one row, the
  // passes that needs made equal.
  constexpr std::size_t NV = [] {
    constexpr std::size_t most = detail::accumulators / M, total = (N + W - 1) / W;
    if constexpr (M == 1) {
      constexpr std::size_t passes = (total + most - 1) / most;
      return (total + passes - 1) / passes;
    } else {
      return most;
    }
  }();
  if constexpr (!wider) {
    gemm<S, N, K>(M, a, rsa, csa, b, ldb, c, ldc, start, row, finish);
  } else {
    constexpr std::size_t full = N / (NV * W), rest = N % (NV * W);
    const auto columns = [&]<std::size_t V, std::size_t Valid>(std::size_t col) {
      detail::micro_tile<S, M, V, Valid, K>(K, a, rsa, csa, b + col, ldb, c + col, ldc, start, row ? row + col : nullptr,
                                            finish, col);
    };
    for (std::size_t p = 0; p < full; ++p) columns.template operator()<NV, NV * W>(p * NV * W);
    if constexpr (rest > 0) columns.template operator()<(rest + W - 1) / W, rest>(full * NV * W);
  }
}

/// C (m x N) = A (m x K) B (K x N), started as `start` says, with the reduction cut into
/// `Parts` runs added at the end (see `split_tile`). For a long K, few rows and few columns:
/// one row's sum over K is a chain of K dependent multiply-adds, and a batch-1 Dense<10> after
/// 1,600 inputs waited on that chain (2 vectors of columns, 1,600 x 5 cycles); 4 runs side by
/// side keep 8 in flight. Every row gets the same sequence whatever m is, so a sample alone
/// and in a batch give the same bits. (With many columns `gemm` is bound by reading B, and its
/// wider panels read it faster.)
template <class S, std::size_t N, std::size_t K, std::size_t Parts>
void gemm_split(std::size_t m, const S* a, std::size_t rsa, std::size_t csa, const S* b, std::size_t ldb, S* c,
                std::size_t ldc, Start start = Start::zero, const S* row = nullptr, const Finish<S>& finish = {}) {
  static_assert(Parts > 0 && K >= Parts);
  constexpr std::size_t MR = detail::tile_rows<S, detail::panel_vectors<S, N>>;
  detail::for_each_panel<S, N>([&]<std::size_t V, std::size_t Valid>(std::size_t col) {
    const auto tile = [&]<std::size_t R>(std::size_t i) {
      detail::split_tile<S, R, V, Valid, K, Parts>(a + i * rsa, rsa, csa, b + col, ldb, c + i * ldc + col, ldc, start,
                                                   row ? row + col : nullptr, finish, i * ldc + col);
    };
    std::size_t i = 0;
    for (; i + MR <= m; i += MR) tile.template operator()<MR>(i);
    // The rows left in tiles of 8, 4, 2 and 1 rows: 4 more fully unrolled splits to compile,
    // not MR - 1 (no result depends on how rows are grouped).
    if (i < m)
      detail::in_pieces<MR>(m - i, [&]<std::size_t R>(std::size_t at) { tile.template operator()<R>(i + at); });
  });
}

}  // namespace typenet::kernels
