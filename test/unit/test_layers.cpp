// The generic layer conformance suite: for every layer kind, its shapes and parameter count,
// determinism (a batch gives bitwise the outputs its samples give one by one), and its input
// and parameter gradients against central differences in double.
#define BOOST_TEST_MODULE layers
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include <typenet/typenet.hpp>

#include "gradient_check.hpp"

namespace tn = typenet;
using tn::Shape;
using tn::testing::check_gradient;
using tn::testing::unwritten;

/// A layer descriptor bound to `In`, the output shape and parameter count it must have, and
/// how far its inputs must stay from a kink (ReLU's 0) for central differences to be valid.
template <class Descriptor, class In, class Out, std::size_t Parameters, int KinkFree = 0>
struct Case {
  using layer = typename Descriptor::template bind<In>;
  using out = Out;
  static constexpr std::size_t parameters = Parameters;
  static constexpr double kink_gap = KinkFree ? 1e-2 : 0.0;
};

// Winograd: F(5x5, 3x3) with partial tiles at the bottom and right; F(6x6, 3x3), Padding::same
// reading zeros around the image (each the tile its layer chooses). And a direct one. (More
// than 48 input channels, two dW tiles, are checked in test_kernels: here, in double and under
// the sanitizers, their gradient check took minutes.)
using WinogradValid = Case<tn::Conv2D<32, 3, 3>, Shape<9, 7, 16>, Shape<7, 5, 32>, 3 * 3 * 16 * 32 + 32>;
// 16 channels to 16: trained directly, Winograd in inference only (kernels::conv2d_training_algorithm).
using SplitValid = Case<tn::Conv2D<16, 3, 3>, Shape<9, 7, 16>, Shape<7, 5, 16>, 3 * 3 * 16 * 16 + 16>;
static_assert(!SplitValid::layer::winograd && SplitValid::layer::winograd_inference);
using WinogradSame =
    Case<tn::Conv2D<32, 3, 3, tn::Padding::same>, Shape<6, 5, 32>, Shape<6, 5, 32>, 3 * 3 * 32 * 32 + 32>;
using DirectSame = Case<tn::Conv2D<3, 3, 3, tn::Padding::same>, Shape<5, 4, 2>, Shape<5, 4, 3>, 3 * 3 * 2 * 3 + 3>;
static_assert(WinogradValid::layer::winograd && WinogradSame::layer::winograd && !DirectSame::layer::winograd);
static_assert(WinogradValid::layer::fast::tile == 5 && WinogradSame::layer::fast::tile == 6);
static_assert(tn::Dense<2>::bind<Shape<1030>>::pack_tasks == 3);

using Cases = std::tuple<
    Case<tn::Dense<7>, Shape<5>, Shape<7>, 5 * 7 + 7>,
    Case<tn::Dense<33>, Shape<19>, Shape<33>, 19 * 33 + 33>,    // a partial vector column
    Case<tn::Dense<70>, Shape<3>, Shape<70>, 3 * 70 + 70>,      // two column panels
    Case<tn::Dense<1>, Shape<130>, Shape<1>, 130 + 1>,          // two gradient row tiles
    Case<tn::Dense<3>, Shape<259>, Shape<3>, 259 * 3 + 3>,      // a long sum: 4 parts (the last longer)
    Case<tn::Dense<2>, Shape<1030>, Shape<2>, 1030 * 2 + 2>,    // packed in 3 parts (W^T for dx)
    Case<tn::ReLU, Shape<3, 4, 2>, Shape<3, 4, 2>, 0, 1>,
    Case<tn::LeakyReLU<>, Shape<3, 4, 2>, Shape<3, 4, 2>, 0, 1>,                         // Keras's 0.3
    Case<tn::LeakyReLU<1, 10>, Shape<7>, Shape<7>, 0, 1>,
    Case<tn::LeakyReLU<0>, Shape<5>, Shape<5>, 0, 1>,                                     // a slope of 0 is ReLU
    Case<tn::LeakyReLU<3, 2>, Shape<2, 3>, Shape<2, 3>, 0, 1>,                            // steeper than 1
    Case<tn::Sigmoid, Shape<6>, Shape<6>, 0>,
    Case<tn::Tanh, Shape<2, 5>, Shape<2, 5>, 0>,
    Case<tn::Softmax, Shape<7>, Shape<7>, 0>,
    Case<tn::Softmax, Shape<3, 4>, Shape<3, 4>, 0>,             // over the last axis of each row
    Case<tn::Flatten, Shape<2, 3, 4>, Shape<24>, 0>,
    Case<tn::Conv2D<4, 3, 3>, Shape<6, 5, 2>, Shape<4, 3, 4>, 3 * 3 * 2 * 4 + 4>,
    Case<tn::Conv2D<17, 2, 3>, Shape<4, 4, 3>, Shape<3, 2, 17>, 2 * 3 * 3 * 17 + 17>,   // partial vector of filters
    DirectSame,
    Case<tn::Conv2D<5, 3, 2, tn::Padding::valid, 2, 3>, Shape<7, 8, 2>, Shape<3, 3, 5>, 3 * 2 * 2 * 5 + 5>,
    Case<tn::Conv2D<2, 4, 4, tn::Padding::same, 2>, Shape<7, 6, 3>, Shape<4, 3, 2>, 4 * 4 * 3 * 2 + 2>,
    Case<tn::Conv2D<1, 1, 1>, Shape<3, 3, 20>, Shape<3, 3, 1>, 20 + 1>,                  // 20 rows of dW: partial tiles
    Case<tn::Conv2D<6, 5, 5>, Shape<9, 9, 3>, Shape<5, 5, 6>, 5 * 5 * 3 * 6 + 6>,        // 75 rows: two dW tiles
    WinogradValid,
    WinogradSame,
    SplitValid,
    Case<tn::MaxPool2D<2, 2>, Shape<5, 4, 3>, Shape<2, 2, 3>, 0>,                         // Keras flooring
    Case<tn::MaxPool2D<3, 3, tn::Padding::same, 2>, Shape<5, 6, 2>, Shape<3, 3, 2>, 0>,
    Case<tn::MaxPool2D<2, 3, tn::Padding::valid, 1, 2>, Shape<4, 7, 2>, Shape<3, 3, 2>, 0>,
    Case<tn::MaxPool2D<2, 3>, Shape<4, 7, 2>, Shape<2, 2, 2>, 0>,                          // strides (2, 3)
    Case<tn::MaxPool2D<2, 2>, Shape<5, 4, 20>, Shape<2, 2, 20>, 0>,                        // a vector of channels and a tail
    Case<tn::MaxPool2D<3, 3, tn::Padding::same, 2>, Shape<5, 5, 17>, Shape<3, 3, 17>, 0>,   // overlapping windows
    Case<tn::AvgPool2D<2, 2>, Shape<4, 5, 3>, Shape<2, 2, 3>, 0>,
    Case<tn::AvgPool2D<2, 2>, Shape<5, 5, 18>, Shape<2, 2, 18>, 0>,
    Case<tn::AvgPool2D<3, 3, tn::Padding::same, 2>, Shape<5, 5, 2>, Shape<3, 3, 2>, 0>,
    Case<tn::GlobalAveragePooling2D, Shape<3, 4, 5>, Shape<5>, 0>,
    Case<tn::Conv1D<4, 3>, Shape<8, 2>, Shape<6, 4>, 3 * 2 * 4 + 4>,                      // one product over the taps
    Case<tn::Conv1D<5, 3, tn::Padding::same, 2>, Shape<9, 3>, Shape<5, 5>, 3 * 3 * 5 + 5>,
    Case<tn::Conv1D<3, 2, tn::Padding::causal, 1, 2>, Shape<7, 2>, Shape<7, 3>, 2 * 2 * 3 + 3>,   // a product per tap
    Case<tn::Conv1D<17, 2, tn::Padding::valid, 3>, Shape<10, 3>, Shape<3, 17>, 2 * 3 * 17 + 17>,  // a partial vector
    Case<tn::Conv1D<4, 3, tn::Padding::causal, 1, 1, 2>, Shape<6, 4>, Shape<6, 4>, 3 * 2 * 4 + 4>,  // two groups
    Case<tn::Conv1D<6, 3, tn::Padding::same, 1, 2, 3>, Shape<5, 3>, Shape<5, 6>, 3 * 1 * 6 + 6>,   // depthwise, x2
    Case<tn::MaxPool1D<>, Shape<5, 3>, Shape<2, 3>, 0>,                                     // Keras flooring
    Case<tn::MaxPool1D<3, tn::Padding::same, 2>, Shape<6, 17>, Shape<3, 17>, 0>,            // overlapping windows
    Case<tn::AvgPool1D<2>, Shape<5, 18>, Shape<2, 18>, 0>,
    Case<tn::AvgPool1D<3, tn::Padding::same, 1>, Shape<4, 2>, Shape<4, 2>, 0>,
    Case<tn::GlobalAveragePooling1D, Shape<4, 5>, Shape<5>, 0>,
    Case<tn::SimpleRNN<4>, Shape<3, 2>, Shape<4>, 2 * 4 + 4 * 4 + 4>,
    Case<tn::SimpleRNN<3, tn::Return::sequences>, Shape<4, 2>, Shape<4, 3>, 2 * 3 + 3 * 3 + 3>,
    Case<tn::GRU<3>, Shape<4, 2>, Shape<3>, 3 * (2 * 3 + 3 * 3 + 2 * 3)>,
    Case<tn::GRU<17, tn::Return::sequences>, Shape<3, 5>, Shape<3, 17>, 3 * (5 * 17 + 17 * 17 + 2 * 17)>,  // partial vectors
    Case<tn::LSTM<3>, Shape<4, 2>, Shape<3>, 4 * (2 * 3 + 3 * 3 + 3)>,
    Case<tn::LSTM<5, tn::Return::sequences>, Shape<3, 4>, Shape<3, 5>, 4 * (4 * 5 + 5 * 5 + 5)>,
    Case<tn::Dropout<25>, Shape<3, 4, 5>, Shape<3, 4, 5>, 0>,                              // training mode: a fixed mask
    Case<tn::Dropout<1, 3>, Shape<7>, Shape<7>, 0>,
    Case<tn::Regularized<tn::Dense<7>, tn::L2<1, 100>>, Shape<5>, Shape<7>, 5 * 7 + 7>,  // the layer's own passes
    Case<tn::BatchNormalization, Shape<6>, Shape<6>, 4 * 6>,                               // the n samples are the batch
    Case<tn::BatchNormalization, Shape<3, 2, 5>, Shape<3, 2, 5>, 4 * 5>,                   // per channel
    Case<tn::PyTorchBatchNorm, Shape<2, 3, 4>, Shape<2, 3, 4>, 4 * 4>>;                    // another epsilon

namespace {

template <class L>
std::size_t block_size() {
  std::size_t total = 0;
  for (const auto& t : L::parameter_tensors) total += tn::detail::align_elements(t.size);
  return total;
}

/// Everything one layer needs, in double, with random contents.
template <class L>
struct Bench {
  static constexpr std::size_t in = tn::shape_t<L::input_shape>::size;
  static constexpr std::size_t out = tn::shape_t<L::output_shape>::size;
  std::size_t n;
  tn::detail::AlignedBuffer<double> params{block_size<L>() + 1};
  tn::detail::AlignedBuffer<double> packed{L::packed_size + 1};
  // Sized exactly, with the vector of slack the model's buffers have: kernels may read it.
  tn::detail::AlignedBuffer<double> x, w;
  // Work areas for training or inference, as the model sizes them.
  tn::detail::AlignedBuffer<double> saved{n * std::max(L::saved_size, tn::detail::inference_saved_size<L>()) + 1};
  tn::detail::AlignedBuffer<double> scratch{n * std::max(L::scratch_size, tn::detail::inference_scratch_size<L>()) + 1};

  Bench(std::size_t samples, double kink_gap, std::uint64_t seed) : n(samples), x(samples * in), w(samples * out) {
    tn::Random random(seed);
    for (std::size_t i = 0; i < block_size<L>(); ++i) params[i] = random.uniform(-0.5, 0.5);
    if constexpr (tn::detail::is_batch_coupled<L>)  // a variance is positive
      for (std::size_t f = 0; f < L::F; ++f) params[L::variance_at + f] = std::abs(params[L::variance_at + f]) + 0.5;
    for (std::size_t i = 0; i < x.size(); ++i) {
      double v = random.uniform(-1.0, 1.0);
      if (std::abs(v) < kink_gap) v = v < 0 ? v - kink_gap : v + kink_gap;
      x[i] = v;
    }
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = random.uniform(-1.0, 1.0);
  }

  bool training = true;

  tn::Pass<double> pass() {
    L::pack(params.data(), packed.data());
    tn::Pass<double> p{params.data(), packed.data(), training, saved.data(), scratch.data()};
    p.noise = 0x5eed;  // a random stream for Dropout's masks
    return p;
  }

  /// y for all samples (output buffer with a vector of slack, as the model allocates).
  tn::detail::AlignedBuffer<double> forward() {
    tn::detail::AlignedBuffer<double> y(n * out);
    L::forward(pass(), x.data(), y.data(), n);
    return y;
  }

  /// The scalar whose gradients are checked: sum of w * y.
  double objective() {
    const auto y = forward();
    double sum = 0;
    for (std::size_t i = 0; i < n * out; ++i) sum += w[i] * y[i];
    return sum;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(shapes_and_parameter_count, C, Cases) {
  using L = typename C::layer;
  BOOST_TEST((L::output_shape == typename C::out{}));
  BOOST_TEST(L::parameter_count == C::parameters);
  BOOST_TEST(tn::detail::logical_size(L::parameter_tensors) == C::parameters);
  BOOST_TEST(tn::BoundLayer<L>);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batch_equals_samples_bitwise, C, Cases) {
  using L = typename C::layer;
  // A batch-coupled layer (BatchNormalization) is batch-independent in inference only.
  constexpr bool coupled = tn::detail::is_batch_coupled<L>;
  for (std::size_t n : {1u, 5u, 13u, 31u}) {
    Bench<L> bench(n, C::kink_gap, 7 + n);
    bench.training = !coupled;
    const auto batch = bench.forward();
    for (std::size_t s = 0; s < n; ++s) {
      tn::detail::AlignedBuffer<double> one(Bench<L>::out);
      tn::Pass<double> pass = bench.pass();
      pass.sample = s;  // sample s of the batch (Dropout draws its mask by place)
      L::forward(pass, bench.x.data() + s * Bench<L>::in, one.data(), 1);
      if (s == 0) BOOST_TEST(std::ranges::all_of(std::span(one.data(), Bench<L>::out), [](double v) { return std::isfinite(v); }));
      BOOST_TEST(std::equal(one.data(), one.data() + Bench<L>::out, batch.data() + s * Bench<L>::out),
                 "sample " << s << " of " << n << " differs from its batch result");
    }
  }
}

/// Convolutions whose inference runs otherwise than training (Winograd keeps nothing for the
/// backward pass in inference, and works in a smaller scratch) or the same (direct).
using ConvCases = std::tuple<WinogradValid, WinogradSame, DirectSame>;

BOOST_AUTO_TEST_CASE_TEMPLATE(convolution_inference_equals_training_bitwise, C, ConvCases) {
  using L = typename C::layer;
  for (std::size_t n : {1u, 4u}) {
    Bench<L> bench(n, 0.0, 3 + n);
    const auto trained = bench.forward();
    bench.training = false;
    const auto inferred = bench.forward();
    BOOST_TEST(std::equal(trained.data(), trained.data() + n * Bench<L>::out, inferred.data()));
  }
}

// A convolution trained directly and run by Winograd in inference computes the same values,
// rounded otherwise.
BOOST_AUTO_TEST_CASE(split_convolution_inference_agrees_with_training) {
  using L = SplitValid::layer;
  for (std::size_t n : {1u, 4u}) {
    Bench<L> bench(n, 0.0, 3 + n);
    const auto trained = bench.forward();
    bench.training = false;
    const auto inferred = bench.forward();
    double worst = 0;
    for (std::size_t i = 0; i < n * Bench<L>::out; ++i) worst = std::max(worst, std::abs(trained[i] - inferred[i]));
    BOOST_TEST(worst < 1e-12);
    BOOST_TEST(!std::equal(trained.data(), trained.data() + n * Bench<L>::out, inferred.data()));  // two algorithms
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(input_gradient, C, Cases) {
  using L = typename C::layer;
  for (std::size_t n : {1u, 3u}) {
    Bench<L> bench(n, C::kink_gap, 11 + n);
    const auto y = bench.forward();
    std::vector<double> dx(n * Bench<L>::in, unwritten);
    L::backward(bench.pass(), bench.x.data(), y.data(), bench.w.data(), dx.data(), n);
    check_gradient("dx", bench.x.data(), dx.data(), dx.size(), [&] { return bench.objective(); });
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(parameter_gradient, C, Cases) {
  using L = typename C::layer;
  const std::size_t n = 4;
  Bench<L> bench(n, C::kink_gap, 5);
  const auto y = bench.forward();
  // The model runs a layer's backward pass (with dx or not) before its parameter gradient.
  if constexpr (L::parameter_count > 0 && !tn::detail::is_batch_coupled<L>)
    L::backward(bench.pass(), bench.x.data(), y.data(), bench.w.data(), static_cast<double*>(nullptr), n);
  tn::detail::AlignedBuffer<double> g(block_size<L>() + 1);
  std::fill(g.data(), g.data() + block_size<L>(), unwritten);
  for (std::size_t tile = 0; tile < L::gradient_tiles; ++tile)
    L::gradient(bench.pass(), tile, g.data() + tn::detail::gradient_span<L>(tile).first, bench.x.data(),
                bench.w.data(), n);
  for (std::size_t t = 0; t < L::parameter_tensors.size(); ++t) {
    const std::size_t offset = tn::detail::tensor_offset(L::parameter_tensors, t);
    check_gradient(std::string(L::parameter_tensors[t].name), bench.params.data() + offset, g.data() + offset,
                   L::parameter_tensors[t].size, [&] { return bench.objective(); });
  }
}

BOOST_AUTO_TEST_CASE(softmax_rows_sum_to_one_and_resist_overflow) {
  using L = tn::Softmax::bind<Shape<4>>;
  const std::vector<float> x{1000.f, 1001.f, 999.f, -1000.f};
  std::vector<float> y(4);
  L::forward(tn::Pass<float>{}, x.data(), y.data(), 1);
  BOOST_TEST(y[0] + y[1] + y[2] + y[3] == 1.0f, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST(y[1] > y[0]);
  BOOST_TEST(y[3] == 0.0f);
}

namespace {
/// The Sigmoid layer (detail::logistic_by_exp, a vector at a time), in ulps of each value, over
/// [-87, 87] by 1/1024 (outputs from 1.6e-38 to 1), against the C library in long double; the
/// whole layer's pass over a padded last vector gives the scalar entry's bits.
template <class S>
void sigmoid_is_accurate(double allowed) {
  constexpr std::size_t N = 2 * 87 * 1024 + 1;
  using L = tn::Sigmoid::bind<Shape<N>>;
  std::vector<S> x(N), y(N + 64);
  for (std::size_t i = 0; i < N; ++i) x[i] = S(-87) + S(i) / S(1024);
  L::forward(tn::Pass<S>{}, x.data(), y.data(), 1);
  double worst = 0;
  S at = 0;
  std::size_t differ = 0;
  for (std::size_t i = 0; i < N; ++i) {
    const long double want = 1 / (1 + std::exp(-(long double)x[i]));
    const S rounded = S(want);
    const S ulp = std::nextafter(rounded, std::numeric_limits<S>::infinity()) - rounded;
    const double error = double(std::abs((long double)y[i] - want) / ulp);
    if (error > worst) worst = error, at = x[i];
    differ += tn::Sigmoid::value(x[i]) != y[i];
  }
  BOOST_TEST_MESSAGE("Sigmoid's worst error: " << worst << " ulp at " << at);
  BOOST_TEST(worst < allowed, "Sigmoid is off by " << worst << " ulp at " << at);
  BOOST_TEST(differ == 0u);
  BOOST_TEST(tn::Sigmoid::value(S(1e6)) == S(1));
  BOOST_TEST((tn::Sigmoid::value(S(-1e6)) >= S(0) && tn::Sigmoid::value(S(-1e6)) < S(1e-30)));
  BOOST_TEST(std::isnan(tn::Sigmoid::value(std::numeric_limits<S>::quiet_NaN())));
}
}  // namespace

BOOST_AUTO_TEST_CASE(sigmoid_is_within_a_few_ulp_of_every_value) {
  sigmoid_is_accurate<float>(4.0);
  sigmoid_is_accurate<double>(4.0);
}

BOOST_AUTO_TEST_CASE(dropout_drops_its_rate_and_keeps_the_mean) {
  using L = tn::Dropout<30>::bind<Shape<1000>>;
  constexpr std::size_t n = 50;
  std::vector<float> x(n * 1000, 1.0f), y(n * 1000), saved(n * 1000);
  tn::Pass<float> pass{nullptr, nullptr, true, saved.data(), nullptr};
  pass.noise = 42;
  L::forward(pass, x.data(), y.data(), n);
  const auto dropped = std::count(y.begin(), y.end(), 0.0f);
  BOOST_TEST(double(dropped) / double(y.size()) == 0.3, boost::test_tools::tolerance(0.02));
  double sum = 0;
  for (const float v : y) {
    BOOST_REQUIRE((v == 0.0f || v == 1.0f / 0.7f));
    sum += v;
  }
  BOOST_TEST(sum / double(y.size()) == 1.0, boost::test_tools::tolerance(0.03));
  // Another stream gives another mask; the same stream the same one.
  std::vector<float> again(n * 1000), other(n * 1000);
  L::forward(pass, x.data(), again.data(), n);
  pass.noise = 43;
  L::forward(pass, x.data(), other.data(), n);
  BOOST_TEST((again == y));
  BOOST_TEST((other != y));
  // Inference passes values through.
  pass.training = false;
  L::forward(pass, x.data(), y.data(), n);
  BOOST_TEST((y == x));
}

BOOST_AUTO_TEST_CASE(batch_normalization_uses_its_epsilon_and_momentum) {
  // Inference: gamma (x - mean) / sqrt(var + epsilon) + beta, with a variance small enough
  // for the two epsilons to differ in the first digits.
  const auto infer = []<class D>(D) {
    using L = typename D::template bind<Shape<1>>;
    std::vector<double> params(L::variance_at + 1);  // each tensor at its aligned offset
    params[0] = 2.0;                                 // gamma
    params[L::beta_at] = 0.5;
    params[L::mean_at] = 0.25;
    params[L::variance_at] = 1e-4;
    const double x = 0.26;
    double y = 0;
    L::forward(tn::Pass<double>{params.data(), nullptr, false}, &x, &y, 1);
    return y;
  };
  BOOST_TEST(infer(tn::BatchNormalization{}) == 2.0 * 0.01 / std::sqrt(1e-4 + 1e-3) + 0.5,
             boost::test_tools::tolerance(1e-12));
  BOOST_TEST(infer(tn::PyTorchBatchNorm{}) == 2.0 * 0.01 / std::sqrt(1e-4 + 1e-5) + 0.5,
             boost::test_tools::tolerance(1e-12));
  // Training moves the averages by (1 - momentum) of the batch's statistics: PyTorch's 0.1.
  using L = tn::PyTorchBatchNorm::bind<Shape<1>>;
  std::vector<double> params(L::variance_at + 1);
  params[L::variance_at] = 1.0;
  const std::vector<double> reduced{2.0, 0.0, 3.0, 0.0, 0.0};  // the batch's mean 2 and variance 3
  L::update_moving(params.data(), reduced.data());
  BOOST_TEST(params[L::mean_at] == 0.2, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(params[L::variance_at] == 0.9 + 0.3, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(tn::BatchNormalization::spelling() == "BatchNormalization");
  BOOST_TEST(tn::PyTorchBatchNorm::spelling() == "BatchNormalizationWith<std::ratio<1, 100000>, std::ratio<9, 10>>");
  BOOST_TEST((std::is_same_v<tn::BatchNormalization, tn::BatchNormalizationWith<std::ratio<1, 1000>, std::ratio<99, 100>>>));
}

BOOST_AUTO_TEST_CASE(leaky_relu_is_keras_formula_and_spells_its_slope) {
  using L = tn::LeakyReLU<1, 10>::bind<Shape<4>>;
  const std::vector<float> x{-2.0f, -0.0f, 0.5f, 3.0f};
  std::vector<float> y(4), dx(4);
  L::forward(tn::Pass<float>{}, x.data(), y.data(), 1);
  BOOST_TEST((y == std::vector<float>{-2.0f * 0.1f, 0.0f, 0.5f, 3.0f}));
  const std::vector<float> dy{1.0f, 1.0f, 1.0f, 1.0f};
  L::backward(tn::Pass<float>{}, x.data(), y.data(), dy.data(), dx.data(), 1);
  BOOST_TEST((dx == std::vector<float>{0.1f, 0.1f, 1.0f, 1.0f}));  // at 0, the slope, as TensorFlow
  using Default = tn::LeakyReLU<>;
  using DefaultWritten = tn::LeakyReLU<3, 10>;
  using Tenth = tn::LeakyReLU<1>;
  using Third = tn::LeakyReLU<1, 3>;
  BOOST_TEST(Default::negative_slope == 0.3);
  BOOST_TEST(Default::spelling() == "LeakyReLU<>");
  BOOST_TEST(DefaultWritten::spelling() == "LeakyReLU<>");
  BOOST_TEST(Tenth::spelling() == "LeakyReLU<1>");
  BOOST_TEST(Third::spelling() == "LeakyReLU<1, 3>");
  static_assert(!tn::detail::is_relu_activation<L> && tn::detail::is_relu_activation<tn::ReLU::bind<Shape<4>>>);
}
