// The GEMM kernel against a plain triple loop, over sizes that exercise every tile shape:
// full and partial row tiles, full and partial vector columns, several column panels,
// transposed A, and each way of starting C.
#define BOOST_TEST_MODULE kernels
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <tuple>
#include <limits>
#include <vector>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/core/random.hpp>
#include <typenet/kernels/gemm.hpp>

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
