// Sequences: Conv1D and the recurrent layers compute Keras's formulas (written out here a second
// time, plainly, in double), causal convolutions read no future step, spellings, and a small
// recurrent network learns a task that needs memory.
#define BOOST_TEST_MODULE sequences
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <typenet/typenet.hpp>

#include "temp_directory.hpp"

namespace tn = typenet;
using tn::Padding;
using tn::Return;
using tn::Shape;

namespace {

/// Random parameters (laid out as the layer's block) and inputs for n samples of layer L.
template <class L>
struct Setup {
  static constexpr std::size_t in = tn::shape_t<L::input_shape>::size, out = tn::shape_t<L::output_shape>::size;
  std::size_t n;
  tn::detail::AlignedBuffer<double> params{tn::detail::tensor_offset(L::parameter_tensors, L::parameter_tensors.size() - 1) +
                                           L::parameter_tensors.back().size};
  tn::detail::AlignedBuffer<double> packed{L::packed_size}, saved, scratch, x, y;
  explicit Setup(std::size_t samples, std::uint64_t seed)
      : n(samples), saved(samples * L::saved_size), scratch(samples * L::scratch_size), x(samples * in), y(samples * out) {
    tn::Random random(seed);
    for (std::size_t i = 0; i < params.size(); ++i) params[i] = random.uniform(-0.6, 0.6);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = random.uniform(-1.0, 1.0);
  }
  const double* tensor(std::size_t t) const { return params.data() + tn::detail::tensor_offset(L::parameter_tensors, t); }
  void forward() {
    L::pack(params.data(), packed.data());
    L::forward(tn::Pass<double>{params.data(), packed.data(), true, saved.data(), scratch.data()}, x.data(), y.data(), n);
  }
};

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

/// Conv1D<F, K, Pad, S, D, G> on (T, C), by its definition: zero padding before as Keras pads
/// (causal: D (K - 1); same: half of what ceil(T / S) outputs need, the odd one after).
template <std::size_t F, std::size_t K, Padding Pad, std::size_t S, std::size_t D, std::size_t G, std::size_t T,
          std::size_t C>
void check_conv1d() {
  using L = typename tn::Conv1D<F, K, Pad, S, D, G>::template bind<Shape<T, C>>;
  constexpr std::size_t reach = D * (K - 1) + 1;
  constexpr std::size_t out = Pad == Padding::valid ? (T - reach) / S + 1 : (T + S - 1) / S;
  static_assert(L::output_shape == Shape<out, F>{});
  constexpr std::size_t need = (out - 1) * S + reach;
  constexpr std::size_t before = Pad == Padding::causal ? reach - 1 : Pad == Padding::same && need > T ? (need - T) / 2 : 0;
  Setup<L> setup(3, 17);
  setup.forward();
  const double* w = setup.tensor(0);
  const double* b = setup.tensor(1);
  double worst = 0;
  for (std::size_t s = 0; s < setup.n; ++s)
    for (std::size_t t = 0; t < out; ++t)
      for (std::size_t f = 0; f < F; ++f) {
        const std::size_t group = f / (F / G);
        double sum = b[f];
        for (std::size_t k = 0; k < K; ++k) {
          const long at = long(t * S + k * D) - long(before);
          if (at < 0 || at >= long(T)) continue;
          for (std::size_t c = 0; c < C / G; ++c)
            sum += setup.x[(s * T + std::size_t(at)) * C + group * (C / G) + c] * w[(k * (C / G) + c) * F + f];
        }
        worst = std::max(worst, std::abs(sum - setup.y[(s * out + t) * F + f]));
      }
  BOOST_TEST(worst < 1e-12, L::descriptor::spelling().c_str() << " on (" << T << ", " << C << "): off by " << worst);
}

}  // namespace

namespace {
/// The largest error of the vector exp, logistic and tanh over [-30, 30] and at the clamps, in
/// units of the scalar's precision relative to max(1, |f(x)|) (tanh and the logistic function
/// are held to an absolute error near 0), against the C library in long double.
template <class S>
void gate_functions_are_accurate(double allowed) {
  constexpr std::size_t W = tn::detail::lanes<S>;
  double worst_exp = 0, worst_logistic = 0, worst_tanh = 0;
  const double eps = std::numeric_limits<S>::epsilon();
  for (int i = -30000; i <= 30000; i += int(W)) {
    alignas(64) S x[W];
    for (std::size_t l = 0; l < W; ++l) x[l] = S(i + int(l)) / S(1000);
    const auto v = tn::detail::load(x);
    const auto e = tn::detail::exp<S>(v), g = tn::detail::logistic<S>(v), t = tn::detail::tanh<S>(v);
    for (std::size_t l = 0; l < W; ++l) {
      const long double xl = x[l];
      const long double ee = std::exp(xl), gg = 1 / (1 + std::exp(-xl)), tt = std::tanh(xl);
      worst_exp = std::max(worst_exp, double(std::abs(e[l] - ee) / ee) / eps);
      worst_logistic = std::max(worst_logistic, double(std::abs(g[l] - gg) / std::max(gg, 1.0L)) / eps);
      worst_tanh = std::max(worst_tanh, double(std::abs(t[l] - tt)) / eps);
      // Within their ranges, as gates need (1 - z must not turn negative).
      BOOST_TEST((g[l] >= S(0) && g[l] <= S(1) && t[l] >= S(-1) && t[l] <= S(1)), "out of range at " << x[l]);
    }
  }
  BOOST_TEST_MESSAGE("worst error in ulps: exp " << worst_exp << ", logistic " << worst_logistic << ", tanh " << worst_tanh);
  BOOST_TEST(worst_exp < allowed);
  BOOST_TEST(worst_logistic < allowed);
  BOOST_TEST(worst_tanh < allowed);
  // Far out: finite and saturated; a NaN stays NaN (a diverging network must show it).
  const auto big = tn::detail::splat<S>(S(1e6));
  BOOST_TEST(std::isfinite(tn::detail::exp<S>(big)[0]));
  BOOST_TEST(tn::detail::exp<S>(-big)[0] > S(0));
  BOOST_TEST(tn::detail::tanh<S>(big)[0] == S(1));
  BOOST_TEST(tn::detail::tanh<S>(-big)[0] == S(-1));
  BOOST_TEST(tn::detail::logistic<S>(-big)[0] >= S(0));
  const auto nan = tn::detail::splat<S>(std::numeric_limits<S>::quiet_NaN());
  BOOST_TEST(std::isnan(tn::detail::exp<S>(nan)[0]));
  BOOST_TEST(std::isnan(tn::detail::logistic<S>(nan)[0]));
  BOOST_TEST(std::isnan(tn::detail::tanh<S>(nan)[0]));
}
}  // namespace

BOOST_AUTO_TEST_CASE(the_gates_exp_logistic_and_tanh_are_within_a_few_ulp) {
  gate_functions_are_accurate<float>(4.0);
  gate_functions_are_accurate<double>(8.0);
}

namespace {
/// The Tanh layer's tanh (detail::tanh_accurate), relative to |tanh(x)| everywhere: at every
/// magnitude from the smallest normal number to 40 (geometric steps of 1e-4), both signs, and
/// around the switch at 0.625 in steps of one ulp; in ulps of the value (not of 1, as the gates
/// are held), against the C library in long double.
template <class S>
void tanh_layer_is_accurate(double allowed) {
  double worst = 0;
  S at = 0;
  std::size_t differ = 0;
  const auto check = [&](S x) {
    const S y = tn::detail::tanh_accurate<S>(tn::detail::splat<S>(x))[0];
    const long double want = std::tanh((long double)x);
    const S rounded = S(want);
    const S ulp = std::nextafter(std::abs(rounded), std::numeric_limits<S>::infinity()) - std::abs(rounded);
    const double error = double(std::abs((long double)y - want) / ulp);
    if (error > worst) worst = error, at = x;
    differ += tn::Tanh::value(x) != y;  // the scalar entry gives the layer's bits
  };
  for (S x = std::numeric_limits<S>::min(); x < S(40); x *= S(1.0001)) check(x), check(-x);
  S x = S(0.625);
  for (int i = 0; i < 2000; ++i) x = std::nextafter(x, S(0));
  for (int i = 0; i < 4000; ++i, x = std::nextafter(x, S(1))) check(x), check(-x);
  BOOST_TEST_MESSAGE("Tanh's worst error: " << worst << " ulp at " << at);
  BOOST_TEST(worst < allowed, "Tanh is off by " << worst << " ulp at " << at);
  BOOST_TEST(differ == 0u);
  const auto at_zero = tn::detail::tanh_accurate<S>(tn::detail::splat<S>(-S(0)))[0];
  BOOST_TEST((at_zero == S(0) && std::signbit(at_zero)));  // -0 stays -0
  BOOST_TEST(tn::detail::tanh_accurate<S>(tn::detail::splat<S>(std::numeric_limits<S>::infinity()))[0] == S(1));
  BOOST_TEST(tn::detail::tanh_accurate<S>(tn::detail::splat<S>(-S(1e6)))[0] == S(-1));
  BOOST_TEST(std::isnan(tn::detail::tanh_accurate<S>(tn::detail::splat<S>(std::numeric_limits<S>::quiet_NaN()))[0]));
}
}  // namespace

BOOST_AUTO_TEST_CASE(the_tanh_layer_is_within_2_ulp_of_every_value) {
  tanh_layer_is_accurate<float>(2.0);
  tanh_layer_is_accurate<double>(2.0);
}

BOOST_AUTO_TEST_CASE(conv1d_is_its_definition) {
  check_conv1d<4, 3, Padding::valid, 1, 1, 1, 9, 3>();
  check_conv1d<5, 4, Padding::same, 1, 1, 1, 9, 2>();    // an even kernel: the odd padding after
  check_conv1d<3, 3, Padding::same, 2, 1, 1, 10, 2>();
  check_conv1d<6, 3, Padding::causal, 1, 1, 1, 8, 3>();
  check_conv1d<2, 2, Padding::causal, 1, 4, 1, 9, 1>();  // WaveNet's dilated causal kernel
  check_conv1d<4, 3, Padding::valid, 2, 2, 1, 12, 3>();
  check_conv1d<6, 2, Padding::causal, 1, 2, 2, 7, 4>();  // two groups
  check_conv1d<6, 3, Padding::same, 1, 1, 3, 6, 3>();    // depthwise, two filters per channel
}

BOOST_AUTO_TEST_CASE(a_causal_convolution_reads_no_future_step) {
  using L = tn::Conv1D<3, 3, Padding::causal, 1, 2>::bind<Shape<10, 2>>;
  Setup<L> setup(1, 5);
  setup.forward();
  const std::vector<double> before(setup.y.data(), setup.y.data() + setup.y.size());
  for (std::size_t c = 0; c < 2; ++c) setup.x[6 * 2 + c] += 1.0;  // change step 6
  setup.forward();
  // Output t reads steps t - 4, t - 2 and t: only outputs 6 and 8 read step 6.
  for (std::size_t t = 0; t < 10; ++t) {
    const bool same = std::equal(before.begin() + t * 3, before.begin() + (t + 1) * 3, setup.y.data() + t * 3);
    BOOST_TEST(same == (t != 6 && t != 8), "output step " << t);
  }
}

/// x_t W + h U + b per gate block, Keras's layout: W (C, G U), U (U, G U).
template <std::size_t C, std::size_t U>
std::vector<double> affine(const double* w, const double* u, const double* b, const double* x, const std::vector<double>& h,
                           std::size_t gates, bool with_h = true) {
  std::vector<double> z(gates * U);
  for (std::size_t j = 0; j < gates * U; ++j) {
    double sum = b ? b[j] : 0.0;
    for (std::size_t c = 0; c < C; ++c) sum += x[c] * w[c * gates * U + j];
    if (with_h)
      for (std::size_t k = 0; k < U; ++k) sum += h[k] * u[k * gates * U + j];
    z[j] = sum;
  }
  return z;
}

BOOST_AUTO_TEST_CASE(recurrent_layers_are_keras_formulas) {
  constexpr std::size_t T = 5, C = 3, U = 4;
  const auto check = [&](auto layer, auto step, std::size_t gates) {
    using L = typename decltype(layer)::template bind<Shape<T, C>>;
    Setup<L> setup(2, 23);
    setup.forward();
    double worst = 0;
    for (std::size_t s = 0; s < setup.n; ++s) {
      std::vector<double> h(U, 0.0), c(U, 0.0);
      for (std::size_t t = 0; t < T; ++t) {
        step(setup, setup.x.data() + (s * T + t) * C, h, c, gates);
        if constexpr (tn::shape_t<L::output_shape>::rank == 2)
          for (std::size_t j = 0; j < U; ++j) worst = std::max(worst, std::abs(h[j] - setup.y[(s * T + t) * U + j]));
      }
      if constexpr (tn::shape_t<L::output_shape>::rank == 1)
        for (std::size_t j = 0; j < U; ++j) worst = std::max(worst, std::abs(h[j] - setup.y[s * U + j]));
    }
    BOOST_TEST(worst < 1e-12, L::descriptor::spelling().c_str() << ": off by " << worst);
  };
  // SimpleRNN: h = tanh(x W + h U + b).
  const auto simple = [](auto& setup, const double* x, std::vector<double>& h, std::vector<double>&, std::size_t) {
    const auto z = affine<C, U>(setup.tensor(0), setup.tensor(1), setup.tensor(2), x, h, 1);
    for (std::size_t j = 0; j < U; ++j) h[j] = std::tanh(z[j]);
  };
  check(tn::SimpleRNN<U>{}, simple, 1);
  check(tn::SimpleRNN<U, Return::sequences>{}, simple, 1);
  // GRU, reset_after: z, r, h blocks; the bias (2, 3U) is the input bias, then the recurrent one.
  const auto gru = [](auto& setup, const double* x, std::vector<double>& h, std::vector<double>&, std::size_t) {
    const double* bias = setup.tensor(2);
    const auto xs = affine<C, U>(setup.tensor(0), nullptr, bias, x, h, 3, false);
    std::vector<double> hs(3 * U);
    for (std::size_t j = 0; j < 3 * U; ++j) {
      double sum = bias[3 * U + j];
      for (std::size_t k = 0; k < U; ++k) sum += h[k] * setup.tensor(1)[k * 3 * U + j];
      hs[j] = sum;
    }
    std::vector<double> next(U);
    for (std::size_t j = 0; j < U; ++j) {
      const double z = sigmoid(xs[j] + hs[j]), r = sigmoid(xs[U + j] + hs[U + j]);
      const double candidate = std::tanh(xs[2 * U + j] + r * hs[2 * U + j]);
      next[j] = z * h[j] + (1 - z) * candidate;
    }
    h = next;
  };
  check(tn::GRU<U>{}, gru, 3);
  check(tn::GRU<U, Return::sequences>{}, gru, 3);
  // LSTM: i, f, c, o blocks; c = f c + i tanh(.), h = o tanh(c).
  const auto lstm = [](auto& setup, const double* x, std::vector<double>& h, std::vector<double>& c, std::size_t) {
    const auto z = affine<C, U>(setup.tensor(0), setup.tensor(1), setup.tensor(2), x, h, 4);
    for (std::size_t j = 0; j < U; ++j) {
      c[j] = sigmoid(z[U + j]) * c[j] + sigmoid(z[j]) * std::tanh(z[2 * U + j]);
      h[j] = sigmoid(z[3 * U + j]) * std::tanh(c[j]);
    }
  };
  check(tn::LSTM<U>{}, lstm, 4);
  check(tn::LSTM<U, Return::sequences>{}, lstm, 4);
}

BOOST_AUTO_TEST_CASE(spellings_name_what_is_not_a_default) {
  BOOST_TEST((tn::Conv1D<16, 3>::spelling() == "Conv1D<16, 3>"));
  BOOST_TEST((tn::Conv1D<16, 3, Padding::causal>::spelling() == "Conv1D<16, 3, causal>"));
  BOOST_TEST((tn::Conv1D<16, 3, Padding::causal, 1, 4>::spelling() == "Conv1D<16, 3, causal, 1, 4>"));
  BOOST_TEST((tn::Conv1D<8, 3, Padding::valid, 1, 1, 8>::spelling() == "Conv1D<8, 3, valid, 1, 1, 8>"));
  BOOST_TEST((tn::Conv1D<16, 3, Padding::same, 2>::spelling() == "Conv1D<16, 3, same, 2>"));
  BOOST_TEST(tn::MaxPool1D<>::spelling() == "MaxPool1D<2>");
  BOOST_TEST((tn::MaxPool1D<3, Padding::same, 1>::spelling() == "MaxPool1D<3, same, 1>"));
  BOOST_TEST((tn::AvgPool1D<2, Padding::same>::spelling() == "AvgPool1D<2, same>"));
  BOOST_TEST(tn::GRU<64>::spelling() == "GRU<64>");
  BOOST_TEST((tn::LSTM<32, Return::sequences>::spelling() == "LSTM<32, sequences>"));
  BOOST_TEST(tn::SimpleRNN<8>::spelling() == "SimpleRNN<8>");
}

namespace {
/// Sequences of `T` steps of noise, labelled by whether their sum is positive.
template <std::size_t T>
tn::data::Dataset<Shape<T, 1>, Shape<2>> running_sums(std::size_t n, std::uint64_t seed) {
  tn::Random random(seed);
  std::vector<float> x(n * T), t(n * 2);
  for (std::size_t s = 0; s < n; ++s) {
    float sum = 0;
    for (std::size_t k = 0; k < T; ++k) sum += x[s * T + k] = float(random.uniform(-1, 1));
    t[s * 2 + (sum > 0 ? 1 : 0)] = 1.0f;
  }
  return {std::move(x), std::move(t)};
}
}  // namespace

struct Resumable : tn::Sequential<tn::Input<12, 1>, tn::Conv1D<4, 3, Padding::causal>, tn::ReLU,
                                  tn::GRU<6, Return::sequences>, tn::LSTM<5>, tn::Dense<2>, tn::Softmax> {};

BOOST_AUTO_TEST_CASE(sequence_checkpoints_resume_and_weight_files_reload_bitwise) {
  typenet::test::TempDirectory dir("sequences-resume");
  const auto data = running_sums<12>(200, 4);
  using M = tn::Model<Resumable, tn::loss::CrossEntropy, tn::optim::Adam>;
  tn::FitOptions<std::remove_cvref_t<decltype(data)>> options{.epochs = 4, .batch_size = 32, .verbose = false};
  M straight({}, 3);
  straight.fit(data, options);

  options.checkpoint = dir.file("run.tnc");
  options.checkpoint_every = 2;
  options.epochs = 2;
  M first({}, 3);
  first.fit(data, options);
  options.epochs = 4;
  options.resume = true;
  M second({}, 99);  // another seed: everything comes from the checkpoint
  BOOST_TEST(second.fit(data, options).resumed_after == 2u);
  BOOST_TEST(std::ranges::equal(second.parameters(), straight.parameters()));

  straight.save(dir.file("weights.tnw"));
  M loaded({}, 7);
  loaded.load(dir.file("weights.tnw"));
  BOOST_TEST(std::ranges::equal(loaded.parameters(), straight.parameters()));
  const auto a = straight.predict(data.input(3)), b = loaded.predict(data.input(3));
  BOOST_TEST(std::ranges::equal(a, b));
}

// Whether the sum of a sequence of noise is positive, asked for at its end: the network must
// carry a running sum over every step (the last step alone tells the answer 60 % of the time).
template <class Net>
double learns_a_running_sum() {
  const auto all = running_sums<12>(800, 3);
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model({.learning_rate = 0.01f}, 1);
  model.fit(all, {.epochs = 12, .batch_size = 32, .verbose = false});
  return model.evaluate(all).accuracy;
}

struct GruMemory : tn::Sequential<tn::Input<12, 1>, tn::GRU<8>, tn::Dense<2>, tn::Softmax> {};
struct LstmMemory : tn::Sequential<tn::Input<12, 1>, tn::LSTM<8>, tn::Dense<2>, tn::Softmax> {};

BOOST_AUTO_TEST_CASE(recurrent_networks_learn_what_needs_memory) {
  const double gru = learns_a_running_sum<GruMemory>(), lstm = learns_a_running_sum<LstmMemory>();
  BOOST_TEST_MESSAGE("accuracy: GRU " << gru << ", LSTM " << lstm);
  BOOST_TEST(gru > 0.93);
  BOOST_TEST(lstm > 0.93);
}
