// Losses: values against hand-computed figures, gradients against central differences in
// double, and the fused Softmax + CrossEntropy gradient against the chain rule through Softmax.
#define BOOST_TEST_MODULE losses
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include <typenet/typenet.hpp>

#include "gradient_check.hpp"

namespace tn = typenet;
using tn::testing::check_gradient;
using tn::testing::unwritten;

BOOST_AUTO_TEST_CASE(mean_squared_error_value) {
  const double y[3] = {1.0, 2.0, 4.0};
  const double t[3] = {0.0, 2.0, 1.0};
  const double value = tn::loss::MeanSquaredError::value<double, 3>(y, t);
  BOOST_TEST(value == (1.0 + 0.0 + 9.0) / 3.0);
}

BOOST_AUTO_TEST_CASE(mean_squared_error_gradient) {
  std::vector<double> y{0.3, -1.2, 2.5, 0.0}, t{1.0, -1.0, 2.0, 0.5}, dy(4, unwritten);
  tn::loss::MeanSquaredError::gradient<double, 4>(y.data(), t.data(), dy.data(), 0.5);
  check_gradient("mse dy", y.data(), dy.data(), 4,
                 [&] { return 0.5 * tn::loss::MeanSquaredError::value<double, 4>(y.data(), t.data()); });
}

BOOST_AUTO_TEST_CASE(cross_entropy_value_is_minus_log_of_the_true_class) {
  const double p[3] = {0.2, 0.7, 0.1};
  const double t[3] = {0.0, 1.0, 0.0};
  const double value = tn::loss::CrossEntropy::value<double, 3>(p, t);
  BOOST_TEST(value == -std::log(0.7), boost::test_tools::tolerance(1e-12));
  const double certain_wrong[3] = {1.0, 0.0, 0.0};  // clipped, as Keras: finite, -log(1e-7)
  const double clipped = tn::loss::CrossEntropy::value<double, 3>(certain_wrong, t);
  BOOST_TEST(clipped == -std::log(1e-7), boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(cross_entropy_gradient) {
  std::vector<double> p{0.2, 0.5, 0.3}, t{0.1, 0.6, 0.3}, dp(3, unwritten);
  tn::loss::CrossEntropy::gradient<double, 3>(p.data(), t.data(), dp.data(), 0.25);
  check_gradient("cross entropy dp", p.data(), dp.data(), 3,
                 [&] { return 0.25 * tn::loss::CrossEntropy::value<double, 3>(p.data(), t.data()); });
}

BOOST_AUTO_TEST_CASE(fused_softmax_cross_entropy_gradient) {
  using Soft = tn::Softmax::bind<tn::Shape<4>>;
  std::vector<double> z{0.3, -1.0, 2.0, 0.5}, t{0.0, 0.0, 1.0, 0.0}, p(4), dz(4, unwritten);
  Soft::forward(tn::Pass<double>{}, z.data(), p.data(), 1);
  tn::loss::CrossEntropy::softmax_gradient<double, 4>(p.data(), t.data(), dz.data(), 1.0);
  check_gradient("fused dz", z.data(), dz.data(), 4, [&] {
    std::vector<double> q(4);
    Soft::forward(tn::Pass<double>{}, z.data(), q.data(), 1);
    return tn::loss::CrossEntropy::value<double, 4>(q.data(), t.data());
  });
}
