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

BOOST_AUTO_TEST_CASE(cross_entropy_from_logits_is_cross_entropy_of_the_softmax) {
  using Soft = tn::Softmax::bind<tn::Shape<4>>;
  const double z[4] = {0.3, -1.0, 2.0, 0.5}, t[4] = {0.0, 0.2, 0.8, 0.0};
  double p[4];
  Soft::forward(tn::Pass<double>{}, z, p, 1);
  const double from_logits = tn::loss::CrossEntropyFromLogits::value<double, 4>(z, t);
  const double after_softmax = tn::loss::CrossEntropy::value<double, 4>(p, t);
  BOOST_TEST(from_logits == after_softmax, boost::test_tools::tolerance(1e-12));
  // Scores far beyond exp's range stay finite and exact: logsumexp is taken from the largest.
  const float big[3] = {1000.0f, 0.0f, -1000.0f}, first[3] = {1, 0, 0}, second[3] = {0, 1, 0};
  const float right = tn::loss::CrossEntropyFromLogits::value<float, 3>(big, first);
  const float wrong = tn::loss::CrossEntropyFromLogits::value<float, 3>(big, second);
  BOOST_TEST(right == 0.0f);
  BOOST_TEST(wrong == 1000.0f);
  float dz[3];
  tn::loss::CrossEntropyFromLogits::gradient<float, 3>(big, second, dz, 1.0f);
  BOOST_TEST(dz[0] == 1.0f);
  BOOST_TEST(dz[1] == -1.0f);
  BOOST_TEST(dz[2] == 0.0f);
}

BOOST_AUTO_TEST_CASE(cross_entropy_from_logits_gradient) {
  std::vector<double> z{0.3, -1.0, 2.0, 0.5}, t{0.1, 0.0, 0.6, 0.3}, dz(4, unwritten);
  tn::loss::CrossEntropyFromLogits::gradient<double, 4>(z.data(), t.data(), dz.data(), 0.5);
  check_gradient("cross entropy from logits dz", z.data(), dz.data(), 4,
                 [&] { return 0.5 * tn::loss::CrossEntropyFromLogits::value<double, 4>(z.data(), t.data()); });
}

BOOST_AUTO_TEST_CASE(binary_cross_entropy_value_and_clip) {
  const double p[1] = {0.8}, yes[1] = {1.0}, no[1] = {0.0}, soft[1] = {0.3};
  using Bce = tn::loss::BinaryCrossEntropy;
  const double for_yes = Bce::value<double, 1>(p, yes), for_no = Bce::value<double, 1>(p, no);
  const double for_soft = Bce::value<double, 1>(p, soft);
  BOOST_TEST(for_yes == -std::log(0.8), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(for_no == -std::log(0.2), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(for_soft == -(0.3 * std::log(0.8) + 0.7 * std::log(0.2)), boost::test_tools::tolerance(1e-12));
  const double certain[1] = {1.0};  // clipped, as Keras: finite, -log(1e-7)
  const double clipped = Bce::value<double, 1>(certain, no);
  BOOST_TEST(clipped == -std::log(1e-7), boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(binary_cross_entropy_gradient) {
  for (const double target : {0.0, 0.35, 1.0}) {
    std::vector<double> p{0.62}, t{target}, dp(1, unwritten);
    tn::loss::BinaryCrossEntropy::gradient<double, 1>(p.data(), t.data(), dp.data(), 0.25);
    check_gradient("binary cross entropy dp", p.data(), dp.data(), 1,
                   [&] { return 0.25 * tn::loss::BinaryCrossEntropy::value<double, 1>(p.data(), t.data()); });
  }
}

BOOST_AUTO_TEST_CASE(binary_cross_entropy_from_logits_is_binary_cross_entropy_of_the_sigmoid) {
  for (const double score : {-3.0, -0.4, 0.0, 1.7}) {
    const double z[1] = {score}, t[1] = {0.25}, p[1] = {1 / (1 + std::exp(-score))};
    const double from_score = tn::loss::BinaryCrossEntropyFromLogits::value<double, 1>(z, t);
    const double from_probability = tn::loss::BinaryCrossEntropy::value<double, 1>(p, t);
    BOOST_TEST(from_score == from_probability, boost::test_tools::tolerance(1e-12));
  }
  // Far scores stay finite (where a Sigmoid would round to 0 or 1 and the clip would bound it).
  const float far[1] = {-200.0f}, yes[1] = {1.0f};
  const float far_loss = tn::loss::BinaryCrossEntropyFromLogits::value<float, 1>(far, yes);
  BOOST_TEST(far_loss == 200.0f);
  float dz[1];
  tn::loss::BinaryCrossEntropyFromLogits::gradient<float, 1>(far, yes, dz, 1.0f);
  BOOST_TEST(dz[0] == -1.0f);
}

BOOST_AUTO_TEST_CASE(binary_cross_entropy_from_logits_gradient) {
  for (const double score : {-2.5, 0.1, 3.0}) {
    std::vector<double> z{score}, t{0.7}, dz(1, unwritten);
    tn::loss::BinaryCrossEntropyFromLogits::gradient<double, 1>(z.data(), t.data(), dz.data(), 0.5);
    check_gradient("binary cross entropy from logits dz", z.data(), dz.data(), 1,
                   [&] { return 0.5 * tn::loss::BinaryCrossEntropyFromLogits::value<double, 1>(z.data(), t.data()); });
  }
}
