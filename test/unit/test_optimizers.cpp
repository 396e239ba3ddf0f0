// Optimizers and learning-rate schedules against Keras's update rules, written out by hand.
#define BOOST_TEST_MODULE optimizers
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include <typenet/typenet.hpp>

namespace tn = typenet;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(adam_follows_keras_for_three_steps) {
  tn::optim::Adam adam({.learning_rate = 0.01f, .beta_1 = 0.9f, .beta_2 = 0.999f, .epsilon = 1e-7f});
  std::vector<double> w{0.5, -1.0}, state(4, 0.0);
  const std::vector<std::vector<double>> grads{{0.1, -0.2}, {0.3, 0.0}, {-0.5, 0.4}};
  double m[2] = {0, 0}, v[2] = {0, 0}, expected[2] = {0.5, -1.0};
  for (std::size_t t = 1; t <= grads.size(); ++t) {
    adam.begin_step();
    adam.update(w.data(), grads[t - 1].data(), state.data(), 2, 0, 2);
    const double alpha = 0.01 * std::sqrt(1 - std::pow(0.999, double(t))) / (1 - std::pow(0.9, double(t)));
    for (int i = 0; i < 2; ++i) {
      const double g = grads[t - 1][std::size_t(i)];
      m[i] += (g - m[i]) * (1 - 0.9);
      v[i] += (g * g - v[i]) * (1 - 0.999);
      expected[i] -= alpha * m[i] / (std::sqrt(v[i]) + 1e-7);
    }
    BOOST_TEST(w[0] == expected[0], tt::tolerance(1e-6));
    BOOST_TEST(w[1] == expected[1], tt::tolerance(1e-6));
  }
  BOOST_TEST(adam.iterations == 3u);
}

BOOST_AUTO_TEST_CASE(sgd_plain_momentum_and_nesterov) {
  std::vector<double> g{0.5};
  {
    tn::optim::SGD sgd({.learning_rate = 0.1f});
    std::vector<double> w{1.0}, v{0.0};
    sgd.begin_step();
    sgd.update(w.data(), g.data(), v.data(), 1, 0, 1);
    BOOST_TEST(w[0] == 1.0 - 0.1 * 0.5, tt::tolerance(1e-7));
  }
  {
    tn::optim::SGD sgd({.learning_rate = 0.1f, .momentum = 0.9f});
    std::vector<double> w{1.0}, v{0.0};
    double velocity = 0, expected = 1.0;
    for (int step = 0; step < 3; ++step) {
      sgd.update(w.data(), g.data(), v.data(), 1, 0, 1);
      velocity = 0.9 * velocity - 0.1 * 0.5;
      expected += velocity;
    }
    BOOST_TEST(w[0] == expected, tt::tolerance(1e-6));
  }
  {
    tn::optim::SGD sgd({.learning_rate = 0.1f, .momentum = 0.9f, .nesterov = true});
    std::vector<double> w{1.0}, v{0.0};
    double velocity = 0, expected = 1.0;
    for (int step = 0; step < 3; ++step) {
      sgd.update(w.data(), g.data(), v.data(), 1, 0, 1);
      velocity = 0.9 * velocity - 0.1 * 0.5;
      expected += 0.9 * velocity - 0.1 * 0.5;
    }
    BOOST_TEST(w[0] == expected, tt::tolerance(1e-6));
  }
}

BOOST_AUTO_TEST_CASE(schedules_match_their_formulas) {
  const tn::schedule::ExponentialDecay smooth{.initial = 0.1, .steps = 10, .rate = 0.5};
  BOOST_TEST(smooth(0) == 0.1, tt::tolerance(1e-12));
  BOOST_TEST(smooth(10) == 0.05, tt::tolerance(1e-12));
  BOOST_TEST(smooth(15) == 0.1 * std::pow(0.5, 1.5), tt::tolerance(1e-12));
  const tn::schedule::ExponentialDecay stairs{.initial = 0.1, .steps = 10, .rate = 0.5, .staircase = true};
  BOOST_TEST(stairs(19) == 0.05, tt::tolerance(1e-12));
  const tn::schedule::PiecewiseConstantDecay steps{.boundaries = {100, 200}, .values = {1.0, 0.5, 0.1}};
  BOOST_TEST(steps(99) == 1.0);
  BOOST_TEST(steps(100) == 0.5);
  BOOST_TEST(steps(1000) == 0.1);
  const tn::schedule::CosineDecay cosine{.initial = 1.0, .steps = 100, .alpha = 0.1};
  BOOST_TEST(cosine(0) == 1.0, tt::tolerance(1e-12));
  BOOST_TEST(cosine(50) == 0.1 + 0.9 * 0.5, tt::tolerance(1e-12));
  BOOST_TEST(cosine(100) == 0.1, tt::tolerance(1e-12));
  BOOST_TEST(cosine(500) == 0.1, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(fit_sets_the_scheduled_rate_before_every_step) {
  struct Net : tn::Sequential<tn::Input<2>, tn::Dense<2>, tn::Softmax> {};
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::SGD> model;
  const tn::data::Dataset<tn::Shape<2>, tn::Shape<2>> data({0, 1, 1, 0, 1, 1}, {1, 0, 0, 1, 1, 0});
  std::vector<std::size_t> asked;
  model.fit(data, {.epochs = 2, .batch_size = 1, .learning_rate = [&](std::size_t step) {
                     asked.push_back(step);
                     return 0.5 / double(step + 1);
                   }, .verbose = false});
  BOOST_TEST(asked == (std::vector<std::size_t>{0, 1, 2, 3, 4, 5}), tt::per_element());
  BOOST_TEST(model.optimizer().options.learning_rate == float(0.5 / 6));
}
