// The GEMM kernel against a plain triple loop, over sizes that exercise every tile shape:
// full and partial row tiles, full and partial vector columns, several column panels,
// transposed A, and each way of starting C. The direct convolution against loops in double.
// Winograd's convolution against the direct one, in float, on the seed CNN's second convolution
// and on 64 channels: how far its rounding goes.
#define BOOST_TEST_MODULE kernels
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <limits>
#include <vector>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/core/random.hpp>
#include <typenet/kernels/conv.hpp>
#include <typenet/kernels/gemm.hpp>
#include <typenet/kernels/select.hpp>
#include <typenet/kernels/winograd.hpp>
#include <typenet/layers/detail/conv2d_winograd.hpp>

namespace tn = typenet;
namespace kn = typenet::kernels;

namespace {

template <class S, std::size_t N, std::size_t K>
void check(std::size_t m, bool transposed_a, kn::Start start) {
  tn::Random random(m * 1000 + N * 10 + K);
  tn::detail::AlignedBuffer<S> a(m * K), b(K * N), c(m * N), row(N);
  for (std::size_t i = 0; i < m * K; ++i) a[i] = S(random.uniform(-1, 1));
  for (std::size_t i = 0; i < K * N; ++i) b[i] = S(random.uniform(-1, 1));
  for (std::size_t i = 0; i < m * N; ++i) c[i] = S(random.uniform(-1, 1));
  for (std::size_t i = 0; i < N; ++i) row[i] = S(random.uniform(-1, 1));
  const std::vector<S> c0(c.data(), c.data() + m * N);
  // A(i, k) = a[i * rsa + k * csa]: row-major, or stored transposed (K x m).
  const std::size_t rsa = transposed_a ? 1 : K;
  const std::size_t csa = transposed_a ? m : 1;
  kn::gemm<S, N, K>(m, a.data(), rsa, csa, b.data(), N, c.data(), N, start, row.data());
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < N; ++j) {
      double expected = start == kn::Start::zero ? 0.0 : start == kn::Start::row ? double(row[j]) : double(c0[i * N + j]);
      for (std::size_t k = 0; k < K; ++k) expected += double(a[i * rsa + k * csa]) * double(b[k * N + j]);
      const double tolerance = std::is_same_v<S, float> ? 1e-4 : 1e-12;
      if (std::abs(double(c[i * N + j]) - expected) > tolerance * (1.0 + std::abs(expected))) ++wrong;
    }
  }
  BOOST_TEST(wrong == 0u, "gemm<" << N << ", " << K << "> m=" << m << (transposed_a ? " transposed" : "") << " start "
                                  << int(start) << ": " << wrong << " wrong elements");
}

template <class S, std::size_t N, std::size_t K>
void check_all() {
  for (std::size_t m : {1u, 2u, 5u, 6u, 7u, 12u, 13u, 25u, 40u})
    for (bool t : {false, true})
      for (kn::Start s : {kn::Start::zero, kn::Start::accumulate, kn::Start::row}) check<S, N, K>(m, t, s);
}

}  // namespace

using Scalars = std::tuple<float, double>;

BOOST_AUTO_TEST_CASE_TEMPLATE(gemm_matches_triple_loop, S, Scalars) {
  check_all<S, 1, 1>();
  check_all<S, 3, 7>();
  check_all<S, 10, 64>();
  check_all<S, 16, 5>();
  check_all<S, 17, 9>();
  check_all<S, 33, 3>();
  check_all<S, 64, 32>();
  check_all<S, 70, 11>();
  check_all<S, 128, 20>();
  check_all<S, 200, 2>();
}

BOOST_AUTO_TEST_CASE(gemm_with_run_time_reduction_length) {
  tn::Random random(3);
  for (std::size_t k : {0u, 1u, 9u, 100u}) {
    tn::detail::AlignedBuffer<float> a(8 * k + 1), b(k * 20 + 1), c(8 * 20);
    for (std::size_t i = 0; i < 8 * k; ++i) a[i] = float(random.uniform(-1, 1));
    for (std::size_t i = 0; i < k * 20; ++i) b[i] = float(random.uniform(-1, 1));
    kn::gemm_any_k<float, 20>(8, k, a.data(), k, 1, b.data(), 20, c.data(), 20);
    double worst = 0;
    for (std::size_t i = 0; i < 8; ++i)
      for (std::size_t j = 0; j < 20; ++j) {
        double expected = 0;
        for (std::size_t kk = 0; kk < k; ++kk) expected += double(a[i * k + kk]) * double(b[kk * 20 + j]);
        worst = std::max(worst, std::abs(expected - double(c[i * 20 + j])));
      }
    BOOST_TEST(worst < 1e-4, "k=" << k << " worst error " << worst);
  }
}

namespace {
/// gemm_few_rows against gemm for the same M rows: the same bits, every start, with a fused ReLU.
template <class S, std::size_t N, std::size_t K, std::size_t M>
void check_few_rows() {
  tn::Random random(M * 31 + N + K);
  tn::detail::AlignedBuffer<S> a(M * K), b(K * N + 16), row(N), c0(M * N), expected(M * N), c(M * N);
  for (std::size_t i = 0; i < M * K; ++i) a[i] = S(random.uniform(-1, 1));
  for (std::size_t i = 0; i < K * N; ++i) b[i] = S(random.uniform(-1, 1));
  for (std::size_t i = 0; i < N; ++i) row[i] = S(random.uniform(-1, 1));
  for (std::size_t i = 0; i < M * N; ++i) c0[i] = S(random.uniform(-1, 1));
  for (kn::Start start : {kn::Start::zero, kn::Start::accumulate, kn::Start::row}) {
    std::copy(c0.data(), c0.data() + M * N, expected.data());
    std::copy(c0.data(), c0.data() + M * N, c.data());
    kn::gemm<S, N, K>(M, a.data(), K, 1, b.data(), N, expected.data(), N, start, row.data(), {.relu = true});
    kn::gemm_few_rows<S, N, K, M>(a.data(), K, 1, b.data(), N, c.data(), N, start, row.data(), {.relu = true});
    std::size_t differs = 0;
    for (std::size_t i = 0; i < M * N; ++i) differs += c[i] != expected[i];
    BOOST_TEST(differs == 0u, "gemm_few_rows<" << N << ", " << K << ", " << M << "> start " << int(start) << ": "
                                               << differs << " elements differ from gemm's");
  }
}
}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(gemm_few_rows_gives_gemms_bits, S, Scalars) {
  check_few_rows<S, 64, 32, 9>();  // the seed CNN's Winograd position for one sample
  check_few_rows<S, 40, 7, 7>();   // a last panel of part of a vector
  check_few_rows<S, 16, 5, 12>();  // one vector of columns
  check_few_rows<S, 70, 11, 3>();  // rows of one tile: gemm itself
  check_few_rows<S, 33, 3, 20>();  // more rows than the accumulators allow: gemm itself
}

namespace {
/// gemm_split against the triple loop, and each row computed alone against the same row in the
/// batch: the same bits (a sample alone and in a batch must agree).
template <class S, std::size_t N, std::size_t K, std::size_t Parts>
void check_split(std::size_t m) {
  tn::Random random(m * 7 + N + K);
  tn::detail::AlignedBuffer<S> a(m * K), b(K * N + 16), c(m * N), alone(N), row(N);
  for (std::size_t i = 0; i < m * K; ++i) a[i] = S(random.uniform(-1, 1));
  for (std::size_t i = 0; i < K * N; ++i) b[i] = S(random.uniform(-1, 1));
  for (std::size_t i = 0; i < N; ++i) row[i] = S(random.uniform(-1, 1));
  kn::gemm_split<S, N, K, Parts>(m, a.data(), K, 1, b.data(), N, c.data(), N, kn::Start::row, row.data(), {.relu = true});
  std::size_t wrong = 0, differs = 0;
  for (std::size_t i = 0; i < m; ++i) {
    kn::gemm_split<S, N, K, Parts>(1, a.data() + i * K, K, 1, b.data(), N, alone.data(), N, kn::Start::row, row.data(),
                                   {.relu = true});
    for (std::size_t j = 0; j < N; ++j) {
      double expected = double(row[j]);
      for (std::size_t k = 0; k < K; ++k) expected += double(a[i * K + k]) * double(b[k * N + j]);
      expected = std::max(expected, 0.0);
      const double tolerance = std::is_same_v<S, float> ? 1e-4 : 1e-12;
      if (std::abs(double(c[i * N + j]) - expected) > tolerance * (1.0 + std::abs(expected))) ++wrong;
      if (alone[j] != c[i * N + j]) ++differs;
    }
  }
  BOOST_TEST(wrong == 0u, "gemm_split<" << N << ", " << K << ", " << Parts << "> m=" << m << ": " << wrong << " wrong");
  BOOST_TEST(differs == 0u, "gemm_split<" << N << ", " << K << ", " << Parts << "> m=" << m << ": " << differs
                                          << " elements differ between a row alone and in the batch");
}
}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(gemm_split_matches_triple_loop_and_rows_alone, S, Scalars) {
  // Every count of rows left after the full tiles (12 or 6 rows), in pieces of 8, 4, 2 and 1.
  for (std::size_t m : {1u, 2u, 3u, 6u, 7u, 11u, 13u, 23u}) {
    check_split<S, 10, 1600, 4>(m);  // the seed CNN's Dense(10): all parts side by side for one row
    check_split<S, 10, 259, 4>(m);   // a last part longer than the others
    check_split<S, 128, 784, 4>(m);  // many column panels
    check_split<S, 5, 7, 3>(m);
    check_split<S, 48, 16, 4>(m);  // a GRU(16)'s recurrent product (kernels::recurrent_parts)
    check_split<S, 48, 16, 2>(m);
  }
}

namespace {
/// x y + z rounded as the vector kernels' multiply_add rounds it: once where the target fuses it.
float multiply_add(float x, float y, float z) {
#if defined(__FMA__) || defined(__AVX512F__) || defined(__aarch64__)
  return std::fma(x, y, z);
#else
  return x * y + z;
#endif
}

/// One output of gemm_split in the order its comment promises, a value at a time: the parts'
/// runs in k order (the first from `row`, the others from zero), then ((0 + 1) + (2 + 3)).
template <std::size_t Parts>
float split_by_hand(const float* a, const float* b, std::size_t ldb, std::size_t K, float start) {
  const std::size_t run = K / Parts;
  float part[Parts] = {start};
  for (std::size_t p = 0; p < Parts; ++p)
    for (std::size_t k = p * run; k < (p + 1 < Parts ? (p + 1) * run : K); ++k)
      part[p] = multiply_add(a[k], b[k * ldb], part[p]);
  for (std::size_t step = 1; step < Parts; step *= 2)
    for (std::size_t p = 0; p + step < Parts; p += 2 * step) part[p] += part[p + step];
  return part[0];
}

template <std::size_t N, std::size_t K, std::size_t Parts>
void check_split_order() {
  tn::Random random(N * K + Parts);
  tn::detail::AlignedBuffer<float> a(K), b(K * N + 16), c(N), row(N);
  for (std::size_t i = 0; i < K; ++i) a[i] = float(random.uniform(-1, 1));
  for (std::size_t i = 0; i < K * N; ++i) b[i] = float(random.uniform(-1, 1));
  for (std::size_t i = 0; i < N; ++i) row[i] = float(random.uniform(-1, 1));
  kn::gemm_split<float, N, K, Parts>(1, a.data(), K, 1, b.data(), N, c.data(), N, kn::Start::row, row.data());
  std::size_t differs = 0;
  for (std::size_t j = 0; j < N; ++j)
    if (c[j] != split_by_hand<Parts>(a.data(), b.data() + j, N, K, row[j])) ++differs;
  BOOST_TEST(differs == 0u, "gemm_split<" << N << ", " << K << ", " << Parts << ">: " << differs
                                          << " of its outputs are not the parts' balanced tree");
}
}  // namespace

// A recurrent layer's stream step and its whole-sequence pass both rely on this order (the same
// bits); the sums must not merely be close.
BOOST_AUTO_TEST_CASE(gemm_split_adds_its_parts_in_the_documented_order) {
  check_split_order<48, 16, 4>();
  check_split_order<96, 32, 2>();
  check_split_order<10, 259, 4>();
  check_split_order<5, 7, 3>();
}

namespace {
/// One row's value of a one-column gemm in the order its comment promises (detail::dot_row):
/// lane l sums k = l, l + W, ... (a product first, then multiply-adds; the last vector's missing
/// lanes add zero products), then the lanes as a tree, halves first; then the start plus that.
float dot_by_hand(const float* a, const float* b, std::size_t K, float start) {
  constexpr std::size_t W = typenet::detail::lanes<float>;
  float lane[W];
  for (std::size_t l = 0; l < W; ++l) lane[l] = a[l] * b[l];
  for (std::size_t k = W; k < K; k += W)
    for (std::size_t l = 0; l < W; ++l) lane[l] = k + l < K ? multiply_add(a[k + l], b[k + l], lane[l]) : lane[l];
  for (std::size_t width = W / 2; width > 0; width /= 2)
    for (std::size_t l = 0; l < width; ++l) lane[l] += lane[l + width];
  return start + lane[0];
}

template <std::size_t K>
void check_one_column() {
  constexpr std::size_t m = 5, stride = 3;  // A's values 3 apart, B's 2 apart: the same sums
  tn::Random random(K);
  std::vector<float> a(m * K * stride), b(K * 2), c(m), strided(m), start(m);
  for (auto& v : a) v = float(random.uniform(-1, 1));
  for (auto& v : b) v = float(random.uniform(-1, 1));
  for (auto& v : start) v = float(random.uniform(-1, 1));
  std::vector<float> packed_a(m * K), packed_b(K);
  for (std::size_t i = 0; i < m * K; ++i) packed_a[i] = a[i * stride];
  for (std::size_t k = 0; k < K; ++k) packed_b[k] = b[k * 2];
  std::size_t differs = 0;
  for (const auto how : {kn::Start::zero, kn::Start::row, kn::Start::accumulate})
    for (const bool relu : {false, true}) {
      c = start;
      strided = start;
      kn::gemm<float, 1, K>(m, packed_a.data(), K, 1, packed_b.data(), 1, c.data(), 1, how, start.data(),
                            {.relu = relu});
      kn::gemm<float, 1, K>(m, a.data(), K * stride, stride, b.data(), 2, strided.data(), 1, how, start.data(),
                            {.relu = relu});
      for (std::size_t i = 0; i < m; ++i) {
        const float first = how == kn::Start::zero ? 0.0f : how == kn::Start::row ? start[0] : start[i];
        float expected = dot_by_hand(packed_a.data() + i * K, packed_b.data(), K, first);
        if (relu) expected = std::max(expected, 0.0f);
        differs += c[i] != expected;
        differs += strided[i] != expected;
      }
    }
  BOOST_TEST(differs == 0u, "gemm<1, " << K << ">: " << differs << " values not each row's dot product in order");
}
}  // namespace

// A one-output Dense or Conv1D (an amp model's output) runs every pass, the stream's step too,
// through this order.
BOOST_AUTO_TEST_CASE(a_one_column_product_is_each_rows_dot_product_in_the_documented_order) {
  check_one_column<16>();
  check_one_column<32>();
  check_one_column<37>();
  check_one_column<100>();
}

BOOST_AUTO_TEST_CASE(all_finite_finds_any_nan_or_infinity) {
  for (const std::size_t n : {1u, 7u, 16u, 37u, 100u}) {
    std::vector<float> v(n, 3e38f);  // large, but finite
    BOOST_TEST(typenet::detail::all_finite(v.data(), n));
    for (const std::size_t at : {std::size_t{0}, n / 2, n - 1}) {
      for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity()}) {
        auto w = v;
        w[at] = bad;
        BOOST_TEST(!typenet::detail::all_finite(w.data(), n), "value " << bad << " at " << at << " of " << n);
      }
    }
  }
  std::vector<double> d(21, -1.0);
  d[20] = std::numeric_limits<double>::infinity();
  BOOST_TEST(!typenet::detail::all_finite(d.data(), d.size()));
  BOOST_TEST(typenet::detail::all_finite(d.data(), 20));
}

namespace {
/// The direct convolution's forward pass and kernel gradient for n samples of 5 x 5 x C, F
/// filters (3 x 3 output pixels each, so n * 9 leaves every count of pixels after the full
/// micro-tiles, 1 to 11, for some n), against loops in double; and each sample's output computed
/// alone equal, bit for bit, to the same sample in the batch.
template <class S, std::size_t C, std::size_t F>
void check_direct(std::size_t n) {
  using G = kn::ConvShape<5, 5, C, 3, 3, 1, 1, F>;
  constexpr std::size_t rows = 9 * C, pixels = 9;
  tn::Random random(n * 100 + C * 10 + F);
  tn::detail::AlignedBuffer<S> x(n * 25 * C), w(rows * F + 16), bias(F), dy(n * pixels * F), y(n * pixels * F),
      alone(pixels * F), g(rows * F);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = S(random.uniform(-1, 1));
  for (std::size_t i = 0; i < rows * F; ++i) w[i] = S(random.uniform(-1, 1));
  for (std::size_t i = 0; i < F; ++i) bias[i] = S(random.uniform(-1, 1));
  for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = S(random.uniform(-1, 1));
  kn::conv_valid<G>(n, x.data(), w.data(), bias.data(), y.data());
  kn::conv_weight_gradient<G, rows>(0, n, x.data(), dy.data(), g.data());
  const double tolerance = std::is_same_v<S, float> ? 1e-4 : 1e-12;
  std::size_t wrong = 0, differs = 0;
  for (std::size_t b = 0; b < n; ++b) {
    kn::conv_valid<G>(1, x.data() + b * 25 * C, w.data(), bias.data(), alone.data());
    for (std::size_t q = 0; q < pixels; ++q) {
      for (std::size_t f = 0; f < F; ++f) {
        double expected = double(bias[f]);
        for (std::size_t m = 0; m < rows; ++m) {
          const std::size_t ky = m / C / 3, kx = m / C % 3, c = m % C;
          expected += double(x[((b * 5 + q / 3 + ky) * 5 + q % 3 + kx) * C + c]) * double(w[m * F + f]);
        }
        const S got = y[(b * pixels + q) * F + f];
        if (std::abs(double(got) - expected) > tolerance * (1.0 + std::abs(expected))) ++wrong;
        if (alone[q * F + f] != got) ++differs;
      }
    }
  }
  for (std::size_t m = 0; m < rows; ++m) {
    const std::size_t ky = m / C / 3, kx = m / C % 3, c = m % C;
    for (std::size_t f = 0; f < F; ++f) {
      double expected = 0;
      for (std::size_t b = 0; b < n; ++b)
        for (std::size_t q = 0; q < pixels; ++q)
          expected += double(x[((b * 5 + q / 3 + ky) * 5 + q % 3 + kx) * C + c]) * double(dy[(b * pixels + q) * F + f]);
      if (std::abs(double(g[m * F + f]) - expected) > tolerance * (1.0 + std::abs(expected))) ++wrong;
    }
  }
  BOOST_TEST(wrong == 0u, "direct convolution on " << C << " channels to " << F << ", n=" << n << ": " << wrong
                                                   << " wrong elements");
  BOOST_TEST(differs == 0u, "direct convolution on " << C << " channels to " << F << ", n=" << n << ": " << differs
                                                     << " outputs differ between a sample alone and in the batch");
}
}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(direct_convolution_matches_loops_and_samples_alone, S, Scalars) {
  for (std::size_t n = 1; n <= 12; ++n) {
    check_direct<S, 1, 32>(n);  // 9 kernel rows: one weight tile
    check_direct<S, 3, 10>(n);  // 27 rows: tiles of 9 (or 6 and 5 on AVX2), a partial vector of filters
  }
}

namespace {
/// The largest difference between a and b over the largest magnitude in b.
double relative_difference(const float* a, const float* b, std::size_t n) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < n; ++i) {
    diff = std::max(diff, std::abs(double(a[i]) - double(b[i])));
    scale = std::max(scale, std::abs(double(b[i])));
  }
  return diff / scale;
}
}  // namespace

namespace {
/// Winograd F(M x M, 3x3)'s three passes against the direct convolution's, in float, for n
/// samples of H x W x C and F filters (valid padding).
template <std::size_t H, std::size_t W, std::size_t C, std::size_t F, std::size_t M>
void check_winograd(std::size_t n) {
  constexpr std::size_t OH = H - 2, OW = W - 2;
  using G = kn::ConvShape<H, W, C, 3, 3, 1, 1, F>;
  using Wg = tn::detail::Conv2DWinograd<H, W, C, F, 0, 0, OH, OW, M>;
  tn::Random random(3);
  tn::detail::AlignedBuffer<float> x(n * H * W * C), w(9 * C * F + 16), wt(9 * C * F + 16), bias(F), dy(n * OH * OW * F);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(random.uniform(0, 1));
  const double limit = std::sqrt(6.0 / (9.0 * C + 9.0 * F));
  for (std::size_t i = 0; i < 9 * C * F; ++i) w[i] = float(random.uniform(-limit, limit));
  for (std::size_t i = 0; i < F; ++i) bias[i] = float(random.uniform(-0.1, 0.1));
  for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = float(random.uniform(-1e-3, 1e-3));
  for (std::size_t tap = 0; tap < 9; ++tap)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t f = 0; f < F; ++f) wt[(tap * F + f) * C + c] = w[(tap * C + c) * F + f];
  tn::detail::AlignedBuffer<float> packed(Wg::packed_size), saved(n * Wg::saved_size), scratch(n * Wg::scratch_size);
  Wg::pack(w.data(), packed.data());

  tn::detail::AlignedBuffer<float> direct(n * OH * OW * F), fast(n * OH * OW * F);
  kn::conv_valid<G>(n, x.data(), w.data(), bias.data(), direct.data());
  Wg::forward(n, x.data(), w.data(), bias.data(), packed.data(), fast.data(), false, true, saved.data(),
              scratch.data());
  // F(4x4, 3x3)'s transforms multiply by up to 8 and divide by 24, F(6x6, 3x3)'s by up to 32
  // and by 0.7: a few float roundings more (up to 7e-6 here).
  const double forward_error = relative_difference(fast.data(), direct.data(), fast.size());
  BOOST_TEST_MESSAGE("F(" << M << "x" << M << ") on " << H << "x" << W << "x" << C << " to " << F
                          << ": forward " << forward_error);
  BOOST_TEST(forward_error < 1e-5);

  tn::detail::AlignedBuffer<float> dx_direct(n * H * W * C), dx_fast(n * H * W * C);
  kn::conv_input_gradient<G, H, W, 0, 0>(n, dy.data(), wt.data(), dx_direct.data());
  Wg::backward(n, dy.data(), packed.data(), dx_fast.data(), saved.data(), scratch.data());
  const double input_error = relative_difference(dx_fast.data(), dx_direct.data(), dx_fast.size());
  BOOST_TEST_MESSAGE("  input gradient " << input_error);
  BOOST_TEST(input_error < 1e-5);

  tn::detail::AlignedBuffer<float> dw_direct(9 * C * F), dw_fast(9 * C * F);
  kn::conv_weight_gradient<G, 9 * C>(0, n, x.data(), dy.data(), dw_direct.data());
  for (std::size_t tile = 0; tile < Wg::weight_tiles; ++tile)
    Wg::weight_gradient(tile, n, x.data(), dy.data(), saved.data(), scratch.data(), dw_fast.data());
  const double kernel_error = relative_difference(dw_fast.data(), dw_direct.data(), dw_fast.size());
  BOOST_TEST_MESSAGE("  kernel gradient " << kernel_error);
  BOOST_TEST(kernel_error < 1e-5);
}
}  // namespace

BOOST_AUTO_TEST_CASE(winograd_agrees_with_the_direct_convolution_in_float) {
  // The seed CNN's Conv2D(64, 3x3) on 13x13x32 (inputs as after a ReLU, Glorot-sized weights),
  // in each tile size: 3 x 3 tiles of 4 (which it takes) or 5, 2 x 2 of 6, the last ones
  // partial.
  static_assert(kn::winograd_tile<11, 11, 32, 64> == 4);
  check_winograd<13, 13, 32, 64, 4>(3);
  check_winograd<13, 13, 32, 64, 5>(3);
  check_winograd<13, 13, 32, 64, 6>(3);
  // CIFAR-shaped: 13 x 13 outputs take tiles of 5 (9 tiles of 49 products; 16 of 36 for 4).
  static_assert(kn::winograd_tile<13, 13, 32, 64> == 5);
  check_winograd<15, 15, 32, 64, 5>(2);
  // 64 input channels: the kernel gradient in two tiles (48 and 16 channels); partial tiles.
  static_assert(
      tn::detail::Conv2DWinograd<9, 7, 64, 16, 0, 0, 7, 5, kn::winograd_tile<7, 5, 64, 16>>::weight_tiles == 2);
  check_winograd<9, 7, 64, 16, 4>(2);
  check_winograd<9, 7, 64, 16, 5>(2);
  check_winograd<9, 7, 64, 16, 6>(2);
}
