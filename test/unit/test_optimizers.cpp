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

// ---- RMSprop ------------------------------------------------------------------------------------

namespace {

/// Keras's RMSprop.update_step, written out in double for one parameter vector.
struct RmspropReference {
  double lr, rho, momentum, epsilon;
  bool centered;
  std::vector<double> w, v, m, a;
  void step(const std::vector<double>& g) {
    for (std::size_t i = 0; i < w.size(); ++i) {
      v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
      double denominator = v[i] + epsilon;
      if (centered) {
        a[i] = rho * a[i] + (1 - rho) * g[i];
        denominator = v[i] - a[i] * a[i] + epsilon;
      }
      const double increment = lr * g[i] / std::sqrt(denominator);
      if (momentum > 0) {
        m[i] = momentum * m[i] + increment;
        w[i] -= m[i];
      } else {
        w[i] -= increment;
      }
    }
  }
};

const std::vector<std::vector<double>> some_gradients{
    {0.1, -0.2, 0.0}, {0.3, 0.05, -1.5}, {-0.5, 0.4, 2.0}, {0.2, -0.1, 0.7}, {1.0, 0.0, -0.3}};

}  // namespace

BOOST_AUTO_TEST_CASE(rmsprop_has_keras_defaults) {
  const tn::optim::RMSprop rmsprop;
  BOOST_TEST(rmsprop.options.learning_rate == 1e-3f);
  BOOST_TEST(rmsprop.options.rho == 0.9f);
  BOOST_TEST(rmsprop.options.momentum == 0.0f);
  BOOST_TEST(rmsprop.options.epsilon == 1e-7f);
  BOOST_TEST(!rmsprop.options.centered);
  BOOST_TEST(tn::optim::RMSprop::slots == 3u);
  BOOST_TEST(tn::optim::RMSprop::name == "RMSprop");
}

BOOST_AUTO_TEST_CASE(rmsprop_follows_keras_for_five_steps_with_every_option) {
  for (const bool centered : {false, true})
    for (const float momentum : {0.0f, 0.9f}) {
      BOOST_TEST_CONTEXT("centered " << centered << ", momentum " << momentum) {
        tn::optim::RMSprop rmsprop(
            {.learning_rate = 0.01f, .rho = 0.8f, .momentum = momentum, .epsilon = 1e-6f, .centered = centered});
        std::vector<double> w{0.5, -1.0, 2.0}, state(3 * 3, 0.0);
        RmspropReference expected{double(0.01f), double(0.8f), double(momentum), double(1e-6f), centered, w,
                                  {0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
        for (const auto& g : some_gradients) {
          rmsprop.begin_step();
          rmsprop.update(w.data(), g.data(), state.data(), 3, 0, 3);
          expected.step(g);
          for (std::size_t i = 0; i < 3; ++i) {
            BOOST_TEST(w[i] == expected.w[i], tt::tolerance(1e-9));
            BOOST_TEST(state[i] == expected.v[i], tt::tolerance(1e-9));          // velocity
            BOOST_TEST(state[3 + i] == expected.m[i], tt::tolerance(1e-9));      // momentum
            BOOST_TEST(state[6 + i] == expected.a[i], tt::tolerance(1e-9));      // average gradient
          }
        }
        BOOST_TEST(rmsprop.iterations == some_gradients.size());
      }
    }
}

// The expected figures below are Keras's own (keras/src/optimizers/rmsprop.py's docstring and
// rmsprop_test.py), so they check the reading of Keras's rule, not only its transcription.
BOOST_AUTO_TEST_CASE(rmsprop_matches_keras_golden_values) {
  {  // The docstring: lr 0.1, var 10, loss var^2 / 2, so the gradient is var.
    tn::optim::RMSprop rmsprop({.learning_rate = 0.1f});
    std::vector<float> w{10.0f}, state(3, 0.0f);
    rmsprop.begin_step();
    rmsprop.update(w.data(), w.data(), state.data(), 1, 0, 1);
    BOOST_TEST(w[0] == 9.683772f, tt::tolerance(1e-6f));
  }
  {  // test_single_step
    tn::optim::RMSprop rmsprop({.learning_rate = 0.5f});
    std::vector<float> w{1, 2, 3, 4}, g{1, 6, 7, 2}, state(12, 0.0f);
    rmsprop.begin_step();
    rmsprop.update(w.data(), g.data(), state.data(), 4, 0, 4);
    const float expected[] = {-0.5811f, 0.4189f, 1.4189f, 2.4189f};
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(std::abs(w[i] - expected[i]) < 1e-4f);
  }
  {  // test_correctness_with_golden: centered, defaults otherwise
    tn::optim::RMSprop rmsprop({.centered = true});
    std::vector<float> w(10, 1.0f), first(10, 0.01f), g(10), state(30, 0.0f);
    for (std::size_t i = 0; i < 10; ++i) g[i] = 0.1f * float(i + 1);
    const float golden[] = {0.9967f, 0.9933f, 0.9908f, 0.9885f, 0.9864f};
    rmsprop.begin_step();
    rmsprop.update(w.data(), first.data(), state.data(), 10, 0, 10);
    for (const float row : golden) {
      for (const float x : w) BOOST_TEST(std::abs(x - row) <= 5e-4f + 5e-4f * std::abs(row));
      rmsprop.begin_step();
      rmsprop.update(w.data(), g.data(), state.data(), 10, 0, 10);
    }
  }
}

BOOST_AUTO_TEST_CASE(rmsprop_refuses_what_keras_refuses) {
  BOOST_CHECK_THROW(tn::optim::RMSprop({.rho = 1.1f}), tn::Error);
  BOOST_CHECK_THROW(tn::optim::RMSprop({.momentum = -0.1f}), tn::Error);
  BOOST_CHECK_THROW(tn::optim::RMSprop({.epsilon = 0.0f}), tn::Error);
  BOOST_CHECK_NO_THROW(tn::optim::RMSprop({.rho = 1.0f, .momentum = 1.0f, .epsilon = 1e-12f}));
  try {
    tn::optim::RMSprop({.rho = 2.0f});
  } catch (const tn::Error& e) {
    BOOST_TEST(std::string(e.what()).starts_with("RMSprop: rho must be in [0, 1], got 2"));
  }
}

// ---- AdamW -----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(adamw_has_keras_defaults) {
  const tn::optim::AdamW adamw;
  BOOST_TEST(adamw.options.learning_rate == 1e-3f);
  BOOST_TEST(adamw.options.weight_decay == 0.004f);
  BOOST_TEST(adamw.options.beta_1 == 0.9f);
  BOOST_TEST(adamw.options.beta_2 == 0.999f);
  BOOST_TEST(adamw.options.epsilon == 1e-7f);
  BOOST_TEST(tn::optim::AdamW::slots == 2u);
  BOOST_TEST(tn::optim::AdamW::name == "AdamW");
}

BOOST_AUTO_TEST_CASE(adamw_decays_then_takes_adams_step_for_five_steps) {
  // A large decay and a rate changed between steps (as a schedule does), so that the order
  // (decay first, with the step's own rate, on the weights before Adam's step) shows.
  tn::optim::AdamW adamw({.learning_rate = 0.05f, .weight_decay = 0.5f, .beta_1 = 0.8f, .beta_2 = 0.99f, .epsilon = 1e-6f});
  std::vector<double> w{0.5, -1.0, 2.0}, state(2 * 3, 0.0);
  std::vector<double> expected = w, m(3, 0.0), v(3, 0.0);
  for (std::size_t t = 1; t <= some_gradients.size(); ++t) {
    const double lr = 0.05 / double(t);
    adamw.options.learning_rate = float(lr);
    adamw.begin_step();
    adamw.update(w.data(), some_gradients[t - 1].data(), state.data(), 3, 0, 3);
    const double rate = double(float(lr));
    const double alpha = rate * std::sqrt(1 - std::pow(double(0.99f), double(t))) / (1 - std::pow(double(0.8f), double(t)));
    for (std::size_t i = 0; i < 3; ++i) {
      const double g = some_gradients[t - 1][i];
      expected[i] -= expected[i] * 0.5 * rate;
      m[i] += (g - m[i]) * (1 - double(0.8f));
      v[i] += (g * g - v[i]) * (1 - double(0.99f));
      expected[i] -= alpha * m[i] / (std::sqrt(v[i]) + double(1e-6f));
      BOOST_TEST(w[i] == expected[i], tt::tolerance(1e-9));
      BOOST_TEST(state[i] == m[i], tt::tolerance(1e-9));
      BOOST_TEST(state[3 + i] == v[i], tt::tolerance(1e-9));
    }
  }
}

BOOST_AUTO_TEST_CASE(adamw_without_decay_is_adam) {
  tn::optim::AdamW adamw({.learning_rate = 0.01f, .weight_decay = 0.0f});
  tn::optim::Adam adam({.learning_rate = 0.01f});
  std::vector<float> wa{0.5f, -1.0f, 2.0f}, wb = wa, sa(6, 0.0f), sb(6, 0.0f);
  for (const auto& g64 : some_gradients) {
    const std::vector<float> g(g64.begin(), g64.end());
    adamw.begin_step();
    adam.begin_step();
    adamw.update(wa.data(), g.data(), sa.data(), 3, 0, 3);
    adam.update(wb.data(), g.data(), sb.data(), 3, 0, 3);
  }
  BOOST_TEST(wa == wb, tt::per_element());
}

// Keras's adamw_test.py.
BOOST_AUTO_TEST_CASE(adamw_matches_keras_golden_values) {
  {  // test_single_step
    tn::optim::AdamW adamw({.learning_rate = 0.5f});
    std::vector<float> w{1, 2, 3, 4}, g{1, 6, 7, 2}, state(8, 0.0f);
    adamw.begin_step();
    adamw.update(w.data(), g.data(), state.data(), 4, 0, 4);
    const float expected[] = {0.4980f, 1.4960f, 2.494f, 3.492f};
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(std::abs(w[i] - expected[i]) <= 1e-4f + 1e-4f * expected[i]);
  }
  {  // test_weight_decay: a zero gradient, three steps of decay alone (biases are not exempt)
    std::vector<float> w{2.0f}, g{0.0f}, state(2, 0.0f);
    for (int i = 0; i < 3; ++i) {
      tn::optim::AdamW adamw({.learning_rate = 1.0f, .weight_decay = 0.004f});
      adamw.begin_step();
      adamw.update(w.data(), g.data(), state.data(), 1, 0, 1);
    }
    BOOST_TEST(w[0] == 1.9760959f, tt::tolerance(1e-6f));
  }
  {  // test_correctness_with_golden
    tn::optim::AdamW adamw({.learning_rate = 1.0f, .weight_decay = 0.5f, .epsilon = 2.0f});
    std::vector<float> w(10, 1.0f), first(10, 0.01f), g(10), state(20, 0.0f);
    for (std::size_t i = 0; i < 10; ++i) g[i] = 0.1f * float(i + 1);
    const float golden[5][10] = {
        {0.4998f, 0.4998f, 0.4998f, 0.4998f, 0.4998f, 0.4998f, 0.4998f, 0.4998f, 0.4998f, 0.4998f},
        {0.2486f, 0.2475f, 0.2463f, 0.2451f, 0.244f, 0.2428f, 0.2417f, 0.2405f, 0.2394f, 0.2382f},
        {0.1223f, 0.1198f, 0.1174f, 0.1149f, 0.1124f, 0.11f, 0.1075f, 0.1051f, 0.1027f, 0.1003f},
        {0.0586f, 0.0549f, 0.0512f, 0.0475f, 0.0439f, 0.0402f, 0.0366f, 0.033f, 0.0294f, 0.0258f},
        {0.0263f, 0.0215f, 0.0167f, 0.012f, 0.0073f, 0.0026f, -0.0021f, -0.0067f, -0.0113f, -0.0159f}};
    adamw.begin_step();
    adamw.update(w.data(), first.data(), state.data(), 10, 0, 10);
    for (const auto& row : golden) {
      for (std::size_t i = 0; i < 10; ++i) BOOST_TEST(std::abs(w[i] - row[i]) <= 5e-4f + 5e-4f * std::abs(row[i]));
      adamw.begin_step();
      adamw.update(w.data(), g.data(), state.data(), 10, 0, 10);
    }
  }
}

// Model applies an update over ranges split by thread chunk: an elementwise rule gives the same
// bits however [begin, end) is cut.
template <class Optimizer>
void check_split_invariance(typename Optimizer::Options options) {
  constexpr std::size_t n = 37;
  Optimizer whole(options), pieces(options);
  std::vector<float> w1(n), g(n), s1(Optimizer::slots * n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) w1[i] = 0.1f * float(i) - 1.5f;
  std::vector<float> w2 = w1, s2 = s1;
  for (int step = 0; step < 4; ++step) {
    for (std::size_t i = 0; i < n; ++i) g[i] = std::sin(float(i * 7 + std::size_t(step)));
    whole.begin_step();
    pieces.begin_step();
    whole.update(w1.data(), g.data(), s1.data(), n, 0, n);
    for (const auto& [b, e] : {std::pair<std::size_t, std::size_t>{0, 5}, {5, 16}, {16, 17}, {17, n}})
      pieces.update(w2.data(), g.data(), s2.data(), n, b, e);
  }
  BOOST_TEST(w1 == w2, tt::per_element());
  BOOST_TEST(s1 == s2, tt::per_element());
}

BOOST_AUTO_TEST_CASE(updates_do_not_depend_on_how_the_range_is_split) {
  check_split_invariance<tn::optim::RMSprop>({.momentum = 0.5f, .centered = true});
  check_split_invariance<tn::optim::RMSprop>({});
  check_split_invariance<tn::optim::AdamW>({.weight_decay = 0.1f});
}

BOOST_AUTO_TEST_CASE(models_train_with_rmsprop_and_adamw) {
  struct Net : tn::Sequential<tn::Input<2>, tn::Dense<8>, tn::Tanh, tn::Dense<2>, tn::Softmax> {};
  const tn::data::Dataset<tn::Shape<2>, tn::Shape<2>> xor_data({0, 0, 0, 1, 1, 0, 1, 1}, {1, 0, 0, 1, 0, 1, 1, 0});
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::RMSprop> rmsprop({.learning_rate = 0.02f, .momentum = 0.5f}, 3);
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::AdamW> adamw({.learning_rate = 0.05f}, 3);
  const double before_r = rmsprop.evaluate(xor_data).loss, before_a = adamw.evaluate(xor_data).loss;
  rmsprop.fit(xor_data, {.epochs = 300, .batch_size = 4, .verbose = false});
  adamw.fit(xor_data, {.epochs = 300, .batch_size = 4, .verbose = false});
  BOOST_TEST(rmsprop.evaluate(xor_data).loss < before_r / 4);
  BOOST_TEST(adamw.evaluate(xor_data).loss < before_a / 4);
  BOOST_TEST(rmsprop.evaluate(xor_data).accuracy == 1.0);
  BOOST_TEST(adamw.evaluate(xor_data).accuracy == 1.0);
}

// ---- schedules ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(step_decay_drops_by_its_factor_every_step_size_steps) {
  const tn::schedule::StepDecay decay{.initial = 0.1, .factor = 0.5, .step_size = 10};
  BOOST_TEST(decay(0) == 0.1);
  BOOST_TEST(decay(9) == 0.1);
  BOOST_TEST(decay(10) == 0.05, tt::tolerance(1e-15));
  BOOST_TEST(decay(29) == 0.025, tt::tolerance(1e-15));
  BOOST_TEST(decay(30) == 0.0125, tt::tolerance(1e-15));
  // It is Keras's ExponentialDecay with staircase = true.
  const tn::schedule::ExponentialDecay stairs{.initial = 0.1, .steps = 10, .rate = 0.5, .staircase = true};
  for (std::size_t step = 0; step < 100; ++step) BOOST_TEST(decay(step) == stairs(step), tt::tolerance(1e-15));
  const tn::schedule::StepDecay broken{.step_size = 0};
  BOOST_CHECK_THROW(broken(3), tn::Error);
}
