// Predictor (typenet/infer.hpp), the deployment profile: its outputs are bitwise Model::predict's
// for straight and branching networks, float and double; a batch predictor agrees with one
// sample at a time (bitwise for Dense layers, whose one-sample product has its own tiles);
// predictors on several threads sharing one parameter block agree with one (the
// ThreadSanitizer run of .ci/sanitize includes this executable).
#define BOOST_TEST_MODULE predictor
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <thread>
#include <utility>
#include <vector>

#include <typenet/infer.hpp>
#include <typenet/typenet.hpp>

namespace tn = typenet;

namespace {

struct SeedCnn : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                                tn::Conv2D<64, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>,
                                tn::Softmax> {};
struct Mlp : tn::Sequential<tn::Input<784>, tn::Dense<128>, tn::ReLU, tn::Dense<10>> {};
struct Sequence : tn::Sequential<tn::Input<20, 3>, tn::Conv1D<8, 3, tn::Padding::causal, 1, 2>, tn::ReLU,
                                 tn::GRU<16, tn::Return::sequences>, tn::MaxPool1D<2>, tn::LSTM<12>, tn::Dense<4>,
                                 tn::Softmax> {};

template <std::size_t C>
struct Basic : tn::Residual<tn::Conv2D<C, 3, 3, tn::Padding::same>, tn::BatchNormalization, tn::ReLU,
                            tn::Conv2D<C, 3, 3, tn::Padding::same>, tn::BatchNormalization> {};
template <std::size_t C>
struct Down : tn::Residual<tn::Chain<tn::Conv2D<C, 3, 3, tn::Padding::same, 2>, tn::BatchNormalization, tn::ReLU,
                                     tn::Conv2D<C, 3, 3, tn::Padding::same>, tn::BatchNormalization>,
                           tn::Shortcut<tn::Conv2D<C, 1, 1, tn::Padding::valid, 2>, tn::BatchNormalization>> {};
struct Branching
    : tn::Sequential<tn::Input<16, 16, 3>, tn::Conv2D<8, 3, 3, tn::Padding::same>, tn::BatchNormalization, tn::ReLU,
                     Basic<8>, tn::ReLU, Down<16>, tn::ReLU,
                     tn::Concat<tn::Chain<tn::Conv2D<4, 1, 1>, tn::ReLU>,
                                tn::Chain<tn::MaxPool2D<3, 3, tn::Padding::same, 1>, tn::Conv2D<4, 1, 1>, tn::Tanh>>,
                     tn::Dropout<25>, tn::GlobalAveragePooling2D, tn::Dense<6>, tn::Sigmoid> {};

template <class Net, class S = float>
using ModelOf = tn::Model<Net, tn::loss::MeanSquaredError, tn::optim::Adam, S>;

template <class Net>
using InShape = tn::shape_t<Net::input_shape>;
template <class Net>
using OutShape = tn::shape_t<Net::output_shape>;

template <class Net>
tn::data::Dataset<InShape<Net>, OutShape<Net>> make_data(std::size_t n, std::uint64_t seed) {
  tn::Random random(seed);
  std::vector<float> x(n * InShape<Net>::size), t(n * OutShape<Net>::size);
  for (auto& v : x) v = float(random.uniform(-1, 1));
  for (auto& v : t) v = float(random.uniform(0, 1));
  return {std::move(x), std::move(t)};
}

/// A model whose parameters are not at their initial values (and whose BatchNormalization
/// moving averages have moved): a few training steps on random data.
template <class Net, class S>
std::unique_ptr<ModelOf<Net, S>> trained(std::uint64_t seed) {
  auto model = std::make_unique<ModelOf<Net, S>>(typename tn::optim::Adam::Options{}, seed);
  const auto data = make_data<Net>(64, seed);
  std::vector<std::uint32_t> batch(16);
  for (std::uint32_t step = 0; step < 4; ++step) {
    std::iota(batch.begin(), batch.end(), 16 * step);
    model->train_step(data, batch);
  }
  return model;
}

template <class S, std::size_t N>
bool bitwise_equal(const std::array<S, N>& a, const std::array<S, N>& b) {
  return std::memcmp(a.data(), b.data(), sizeof(S) * N) == 0;
}

template <class Net, class S>
void check_same_as_model(std::uint64_t seed) {
  const auto model = trained<Net, S>(seed);
  auto predictor = std::make_unique<tn::Predictor<Net, S>>(model->parameters().data());
  const auto data = make_data<Net>(20, seed + 1);
  for (std::size_t i = 0; i < data.size(); ++i) {
    std::array<S, InShape<Net>::size> x;
    data.input(i).copy_to(x.data());
    const auto expected = model->predict(x);
    const auto got = predictor->predict(x);
    BOOST_TEST(bitwise_equal(expected, got), "sample " << i << ": Predictor's output differs from Model::predict's");
    BOOST_TEST(predictor->classify(x) == model->predict_class(x));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(outputs_are_model_predicts_bitwise) {
  check_same_as_model<SeedCnn, float>(1);
  check_same_as_model<Mlp, float>(2);
  check_same_as_model<Branching, float>(3);
  check_same_as_model<Branching, double>(4);
  check_same_as_model<SeedCnn, double>(5);
  check_same_as_model<Sequence, float>(6);
}

BOOST_AUTO_TEST_CASE(a_changed_parameter_block_is_repacked) {
  auto model = trained<SeedCnn, float>(6);
  auto predictor = std::make_unique<tn::Predictor<SeedCnn>>(model->parameters().data());
  const auto data = make_data<SeedCnn>(1, 7);
  std::array<float, 784> x;
  data.input(0).copy_to(x.data());
  const auto before = predictor->predict(x);
  for (float& w : model->tensor(4, 0)) w *= 0.5f;  // the second convolution's kernel, packed for its kernels
  predictor->parameters_changed();
  const auto after = predictor->predict(x);
  BOOST_TEST(!bitwise_equal(before, after), "the prediction did not change with the parameters");
  BOOST_TEST(bitwise_equal(after, model->predict(x)));
}

BOOST_AUTO_TEST_CASE(a_batch_predictor_agrees_with_one_sample_at_a_time) {
  const auto model = trained<Branching, float>(8);
  auto one = std::make_unique<tn::Predictor<Branching>>(model->parameters().data());
  auto four = std::make_unique<tn::Predictor<Branching, float, 4>>(model->parameters().data());
  const auto data = make_data<Branching>(4, 9);
  constexpr std::size_t in = InShape<Branching>::size, out = OutShape<Branching>::size;
  std::vector<float> xs(4 * in), ys(4 * out, -1.0f);
  for (std::size_t i = 0; i < 4; ++i) data.input(i).copy_to(xs.data() + i * in);
  four->predict_batch(xs.data(), ys.data(), 3);  // fewer than Batch: the fourth is left alone
  for (std::size_t i = 0; i < 3; ++i) {
    const auto y = one->predict(std::span<const float, in>(xs.data() + i * in, in));
    for (std::size_t j = 0; j < out; ++j) BOOST_TEST(ys[i * out + j] == y[j], boost::test_tools::tolerance(1e-5f));
  }
  for (std::size_t j = 0; j < out; ++j) BOOST_TEST(ys[3 * out + j] == -1.0f);
}

// One sample runs a Dense layer's product as one row as wide as the registers allow (more
// chains of multiply-adds in flight); a batch runs it in tiles of several rows and narrower
// panels. Each output gets the same multiply-adds in the same order either way: the same bits.
// The widths cover one pass, several passes and a part-filled last vector, on AVX-512 and AVX2.
struct Wide : tn::Sequential<tn::Input<37>, tn::Dense<400>, tn::ReLU, tn::Dense<130>, tn::Dense<3>> {};

template <class S>
void check_alone_as_in_a_batch(std::uint64_t seed) {
  // Random parameters in a block laid out as a model's (no Model: it would double this file's
  // compile time for a forward pass), aligned and followed by a vector of slack.
  alignas(64) static std::array<S, Wide::parameter_block + 64 / sizeof(S)> params;
  tn::Random random(seed);
  for (S& p : params) p = S(random.uniform(-0.5, 0.5));
  auto one = std::make_unique<tn::Predictor<Wide, S>>(params.data());
  auto five = std::make_unique<tn::Predictor<Wide, S, 5>>(params.data());
  const auto data = make_data<Wide>(5, seed + 1);
  std::vector<S> xs(5 * 37), ys(5 * 3);
  for (std::size_t i = 0; i < 5; ++i) data.input(i).copy_to(xs.data() + i * 37);
  five->predict_batch(xs.data(), ys.data(), 5);
  for (std::size_t i = 0; i < 5; ++i) {
    const auto y = one->predict(std::span<const S, 37>(xs.data() + i * 37, 37));
    BOOST_TEST(std::memcmp(y.data(), ys.data() + i * 3, sizeof(S) * 3) == 0,
               "sample " << i << ": alone " << y[0] << ", in a batch " << ys[i * 3]);
  }
}

BOOST_AUTO_TEST_CASE(a_sample_alone_gets_the_bits_it_gets_in_a_batch) {
  check_alone_as_in_a_batch<float>(11);
  check_alone_as_in_a_batch<double>(12);
}

BOOST_AUTO_TEST_CASE(predictors_on_several_threads_agree_with_one) {
  const auto model = trained<SeedCnn, float>(10);
  const auto data = make_data<SeedCnn>(32, 11);
  // Read through the const view: the writable one marks the model's packed copies stale, a
  // write the threads below must not race on.
  const float* const parameters = std::as_const(*model).parameters().data();
  auto reference = std::make_unique<tn::Predictor<SeedCnn>>(parameters);
  std::vector<std::array<float, 10>> expected(data.size());
  std::vector<std::array<float, 784>> xs(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    data.input(i).copy_to(xs[i].data());
    expected[i] = reference->predict(xs[i]);
  }
  constexpr std::size_t threads = 4;
  std::vector<std::vector<std::array<float, 10>>> got(threads, std::vector<std::array<float, 10>>(data.size()));
  {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        auto mine = std::make_unique<tn::Predictor<SeedCnn>>(parameters);
        for (int round = 0; round < 3; ++round)
          for (std::size_t i = 0; i < xs.size(); ++i) got[t][(i + t) % xs.size()] = mine->predict(xs[(i + t) % xs.size()]);
      });
    for (auto& thread : pool) thread.join();
  }
  for (std::size_t t = 0; t < threads; ++t)
    for (std::size_t i = 0; i < data.size(); ++i)
      BOOST_TEST(bitwise_equal(got[t][i], expected[i]), "thread " << t << ", sample " << i);
}

namespace {

/// The network as Embedded's compile-time check sees it against the run-time loader's view:
/// node for node the same spellings, paths, names in messages, shapes, tensors and sources.
template <class Net>
void check_constant_architecture() {
  constexpr auto& constant = tn::detail::const_architecture<Net>;
  const tn::io::Architecture runtime = tn::detail::architecture(tn::detail::network_facts<Net>);
  BOOST_TEST_REQUIRE(constant.size() == runtime.size());
  for (std::size_t i = 0; i < runtime.size(); ++i) {
    BOOST_TEST(std::string(constant[i].kind.view()) == runtime[i].kind);
    BOOST_TEST(std::string(constant[i].path.view()) == runtime[i].path);
    BOOST_TEST(std::string(constant[i].where.view()) == runtime[i].where);
    BOOST_TEST(std::ranges::equal(constant[i].input, runtime[i].input));
    BOOST_TEST(std::ranges::equal(constant[i].output, runtime[i].output));
    BOOST_TEST(std::ranges::equal(constant[i].sources, runtime[i].sources));
    BOOST_TEST(tn::detail::same_tensors(constant[i].tensors, runtime[i].tensors));
  }
}

struct BranchingOther
    : tn::Sequential<tn::Input<16, 16, 3>, tn::Conv2D<8, 3, 3, tn::Padding::same>, tn::BatchNormalization, tn::ReLU,
                     Basic<8>, tn::ReLU, Down<12>, tn::ReLU,
                     tn::Concat<tn::Chain<tn::Conv2D<4, 1, 1>, tn::ReLU>,
                                tn::Chain<tn::MaxPool2D<3, 3, tn::Padding::same, 1>, tn::Conv2D<4, 1, 1>, tn::Tanh>>,
                     tn::Dropout<25>, tn::GlobalAveragePooling2D, tn::Dense<6>, tn::Sigmoid> {};

}  // namespace

BOOST_AUTO_TEST_CASE(the_compile_time_architecture_is_the_loaders) {
  check_constant_architecture<SeedCnn>();
  check_constant_architecture<Mlp>();
  check_constant_architecture<Branching>();
  check_constant_architecture<Sequence>();
  // A difference inside a block is put in the same words either way.
  constexpr auto& file = tn::detail::const_architecture<Branching>;
  constexpr auto& model = tn::detail::const_architecture<BranchingOther>;
  tn::detail::Message constant;
  BOOST_TEST(tn::detail::describe_difference(constant, file, model,
                                             [&](std::size_t i) { return model[i].where.view(); }));
  const tn::io::Architecture runtime_model = tn::detail::architecture(tn::detail::network_facts<BranchingOther>);
  std::string runtime;
  BOOST_TEST(tn::detail::describe_difference(
      runtime, tn::detail::architecture(tn::detail::network_facts<Branching>), runtime_model,
      [&](std::size_t i) { return std::string_view(runtime_model[i].where); }));
  BOOST_TEST(std::string(constant.view()) == runtime);
  BOOST_TEST(runtime ==
                 "layer 6 (Down<12>) > branch 0 > layer 1: file has Conv2D<16, 3, 3, same, 2, 2>, model expects "
                 "Conv2D<12, 3, 3, same, 2, 2>",
             runtime);
  // And the difference is found at compile time too.
  static_assert([] {
    tn::detail::Message message;
    return tn::detail::describe_difference(message, tn::detail::const_architecture<Branching>,
                                           tn::detail::const_architecture<BranchingOther>,
                                           [](std::size_t) { return std::string_view(); });
  }());
}
