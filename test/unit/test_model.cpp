// Model as a whole: gradients of whole small networks against central differences in double,
// initialisation, prediction, the summary, and clear errors for run-time misuse.
#define BOOST_TEST_MODULE model
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <sstream>
#include <vector>

#include <typenet/typenet.hpp>

#include "gradient_check.hpp"

namespace tn = typenet;
using tn::Shape;

namespace {

template <class In, class Target>
tn::data::Dataset<In, Target> make_data(std::size_t n, bool one_hot, std::uint64_t seed) {
  tn::Random random(seed);
  std::vector<float> x(n * In::size), t(n * Target::size);
  for (auto& v : x) v = float(random.uniform(-1, 1));
  for (std::size_t i = 0; i < n; ++i) {
    if (one_hot) t[i * Target::size + random.below(Target::size)] = 1.0f;
    else
      for (std::size_t j = 0; j < Target::size; ++j) t[i * Target::size + j] = float(random.uniform(0, 1));
  }
  return {std::move(x), std::move(t)};
}

template <class M, class Data>
void check_gradient_of_parameters(M& model, const Data& data, const std::vector<double>& analytic) {
  auto params = model.parameters();
  tn::testing::check_gradient("network parameters", params.data(), analytic.data(), params.size(), [&] {
    model.parameters_changed();
    return model.evaluate(data).loss;
  });
}


/// Checks every parameter's gradient of the mean loss over `data` against central differences.
template <class M, class Data>
void check_network_gradient(M& model, const Data& data) {
  std::vector<std::uint32_t> all(data.size());
  std::iota(all.begin(), all.end(), 0u);
  model.compute_gradients(data, all);
  const std::vector<double> analytic(model.gradients().begin(), model.gradients().end());
  check_gradient_of_parameters(model, data, analytic);
}

}  // namespace

struct SoftmaxNet : tn::Sequential<tn::Input<5>, tn::Dense<4>, tn::Tanh, tn::Dense<3>, tn::Softmax> {};
struct RegressionNet : tn::Sequential<tn::Input<2, 3>, tn::Flatten, tn::Dense<4>, tn::Sigmoid, tn::Dense<2>> {};
struct ProbabilityNet : tn::Sequential<tn::Input<4>, tn::Dense<6>, tn::ReLU, tn::Dense<1>, tn::Sigmoid> {};
struct ScoreNet : tn::Sequential<tn::Input<5>, tn::Dense<4>, tn::Tanh, tn::Dense<3>> {};
struct OneScoreNet : tn::Sequential<tn::Input<4>, tn::Dense<6>, tn::ReLU, tn::Dense<1>> {};

BOOST_AUTO_TEST_CASE(gradient_of_softmax_cross_entropy_network) {
  tn::Model<SoftmaxNet, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 3);
  check_network_gradient(model, make_data<Shape<5>, Shape<3>>(7, true, 1));
}

BOOST_AUTO_TEST_CASE(gradient_of_mean_squared_error_network) {
  tn::Model<RegressionNet, tn::loss::MeanSquaredError, tn::optim::SGD, double> model({}, 4);
  check_network_gradient(model, make_data<Shape<2, 3>, Shape<2>>(6, false, 2));
}

// A loss whose gradient goes back through its last layer's own backward pass (CrossEntropy
// fuses with Softmax, so since a CrossEntropy network must end in Softmax this is the unfused
// path): BinaryCrossEntropy through Sigmoid, with targets between 0 and 1.
BOOST_AUTO_TEST_CASE(gradient_of_unfused_binary_cross_entropy_network) {
  tn::Model<ProbabilityNet, tn::loss::BinaryCrossEntropy, tn::optim::SGD, double> model({}, 5);
  check_network_gradient(model, make_data<Shape<4>, Shape<1>>(5, false, 3));
}

BOOST_AUTO_TEST_CASE(gradient_of_cross_entropy_from_logits_network) {
  tn::Model<ScoreNet, tn::loss::CrossEntropyFromLogits, tn::optim::SGD, double> model({}, 6);
  check_network_gradient(model, make_data<Shape<5>, Shape<3>>(7, true, 4));
}

BOOST_AUTO_TEST_CASE(gradient_of_binary_cross_entropy_from_logits_network) {
  tn::Model<OneScoreNet, tn::loss::BinaryCrossEntropyFromLogits, tn::optim::SGD, double> model({}, 7);
  check_network_gradient(model, make_data<Shape<4>, Shape<1>>(6, false, 5));
}

// The same network and data trained with CrossEntropyFromLogits and with CrossEntropy after a
// Softmax agree: the same loss, the same gradient, the same classes (in double, to rounding).
BOOST_AUTO_TEST_CASE(cross_entropy_from_logits_matches_softmax_then_cross_entropy) {
  tn::Model<ScoreNet, tn::loss::CrossEntropyFromLogits, tn::optim::SGD, double> logits({}, 11);
  tn::Model<SoftmaxNet, tn::loss::CrossEntropy, tn::optim::SGD, double> probabilities({}, 11);
  std::ranges::copy(logits.parameters(), probabilities.parameters().begin());
  const auto data = make_data<Shape<5>, Shape<3>>(9, true, 6);
  std::vector<std::uint32_t> all(data.size());
  std::iota(all.begin(), all.end(), 0u);
  const auto a = logits.compute_gradients(data, all);
  const auto b = probabilities.compute_gradients(data, all);
  BOOST_TEST(a.loss_sum == b.loss_sum, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(a.metric_sum == b.metric_sum);
  for (std::size_t i = 0; i < logits.gradients().size(); ++i)
    BOOST_TEST(logits.gradients()[i] == probabilities.gradients()[i], boost::test_tools::tolerance(1e-10));
  BOOST_TEST(logits.predict_classes(data) == probabilities.predict_classes(data));
}

// A one-output network on logits is a yes where its score is above 0, not 0.5: accuracy,
// predict_classes and predict_class say so.
BOOST_AUTO_TEST_CASE(one_score_classes_split_at_zero) {
  tn::Model<OneScoreNet, tn::loss::BinaryCrossEntropyFromLogits, tn::optim::SGD, double> model({}, 8);
  const auto data = make_data<Shape<4>, Shape<1>>(40, false, 7);
  std::vector<double> scores(data.size());
  model.predict(data, scores);
  const std::vector<std::size_t> classes = model.predict_classes(data);
  std::size_t between = 0;  // scores in (0, 0.5]: a yes here, a no for a probability
  for (std::size_t i = 0; i < data.size(); ++i) {
    BOOST_TEST(classes[i] == (scores[i] > 0 ? 1u : 0u));
    BOOST_TEST(model.predict_class(data.input(i)) == classes[i]);
    between += scores[i] > 0 && scores[i] <= 0.5 ? 1 : 0;
  }
  BOOST_TEST(between > 0u);  // the data reach the case that tells the thresholds apart
}

// The seed CNN's pattern, small: each convolution applies its ReLU itself and each max pooling
// passes back the ReLU's gradient (the fused paths), with same padding and a stride.
struct ConvNet : tn::Sequential<tn::Input<9, 9, 2>, tn::Conv2D<4, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                                tn::Conv2D<5, 2, 2, tn::Padding::same, 2>, tn::ReLU, tn::Flatten, tn::Dense<6>, tn::ReLU,
                                tn::Dense<3>, tn::Softmax> {};
static_assert(tn::exec::Plan<ConvNet>::fused_forward[1] && tn::exec::Plan<ConvNet>::fused_backward[2] && tn::exec::Plan<ConvNet>::fused_forward[4] &&
              tn::exec::Plan<ConvNet>::fused_forward[7] && tn::exec::Plan<ConvNet>::fused_backward[8]);

BOOST_AUTO_TEST_CASE(gradient_of_convolutional_network_with_fused_relus) {
  tn::Model<ConvNet, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 8);
  check_network_gradient(model, make_data<Shape<9, 9, 2>, Shape<3>>(5, true, 9));
}

BOOST_AUTO_TEST_CASE(initialisation_is_glorot_uniform_and_seeded) {
  using M = tn::Model<SoftmaxNet, tn::loss::CrossEntropy, tn::optim::Adam>;
  M a({}, 42), b({}, 42), c({}, 43);
  BOOST_TEST(std::ranges::equal(a.parameters(), b.parameters()));
  BOOST_TEST(!std::ranges::equal(a.parameters(), c.parameters()));
  const float limit = float(std::sqrt(6.0 / (5 + 4)));
  const auto kernel = a.tensor(1, 0);
  BOOST_TEST(kernel.size() == 20u);
  BOOST_TEST(std::ranges::all_of(kernel, [&](float v) { return std::abs(v) <= limit; }));
  BOOST_TEST(std::ranges::any_of(kernel, [&](float v) { return std::abs(v) > limit / 2; }));
  const auto bias = a.tensor(1, 1);
  BOOST_TEST(std::ranges::all_of(bias, [](float v) { return v == 0.0f; }));
}

// Sequences: a causal, dilated Conv1D (fused ReLU), a GRU returning every step into an LSTM,
// and a Dense on the LSTM's last state; backpropagation through time over the whole network.
struct SequenceNet : tn::Sequential<tn::Input<6, 2>, tn::Conv1D<3, 2, tn::Padding::causal, 1, 2>, tn::ReLU,
                                    tn::GRU<4, tn::Return::sequences>, tn::LSTM<3>, tn::Dense<3>, tn::Softmax> {};
struct PooledSequenceNet : tn::Sequential<tn::Input<7, 3>, tn::SimpleRNN<4, tn::Return::sequences>,
                                          tn::MaxPool1D<2>, tn::Conv1D<4, 2, tn::Padding::same, 1, 1, 2>,
                                          tn::GlobalAveragePooling1D, tn::Dense<2>> {};

BOOST_AUTO_TEST_CASE(gradient_of_sequence_networks) {
  tn::Model<SequenceNet, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 4);
  check_network_gradient(model, make_data<Shape<6, 2>, Shape<3>>(5, true, 10));
  tn::Model<PooledSequenceNet, tn::loss::MeanSquaredError, tn::optim::SGD, double> pooled({}, 5);
  check_network_gradient(pooled, make_data<Shape<7, 3>, Shape<2>>(4, false, 11));
}

BOOST_AUTO_TEST_CASE(recurrent_kernels_start_orthogonal_and_the_forget_gate_open) {
  tn::Model<SequenceNet, tn::loss::CrossEntropy, tn::optim::Adam, double> model({}, 7);
  // The GRU's recurrent kernel (4, 12) has orthonormal rows, as Keras's Orthogonal initializer.
  const auto u = model.tensor(3, 1);
  BOOST_TEST(u.size() == 4u * 12u);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j) {
      double dot = 0;
      for (std::size_t k = 0; k < 12; ++k) dot += u[i * 12 + k] * u[j * 12 + k];
      BOOST_TEST(dot == (i == j ? 1.0 : 0.0), boost::test_tools::tolerance(1e-12));
    }
  // The LSTM's bias (i, f, c, o) starts at 1 for the forget gate, 0 elsewhere; its square
  // recurrent kernel (3, 12) too has orthonormal rows.
  const auto bias = model.tensor(4, 2);
  BOOST_TEST(bias.size() == 12u);
  for (std::size_t j = 0; j < 12; ++j) BOOST_TEST(bias[j] == (j / 3 == 1 ? 1.0 : 0.0));
  const auto gru_bias = model.tensor(3, 2);  // (2, 12): the input bias, then the recurrent bias
  BOOST_TEST(std::ranges::all_of(gru_bias, [](double v) { return v == 0.0; }));
  BOOST_TEST(gru_bias.size() == 24u);
}

BOOST_AUTO_TEST_CASE(sequence_training_does_not_depend_on_threads) {
  const auto data = make_data<Shape<6, 2>, Shape<3>>(200, true, 12);
  using M = tn::Model<SequenceNet, tn::loss::CrossEntropy, tn::optim::Adam>;
  const auto train = [&](std::size_t threads) {
    M model({}, 2);
    model.fit(data, {.epochs = 2, .batch_size = 40, .threads = threads, .verbose = false});
    return std::vector<float>(model.parameters().begin(), model.parameters().end());
  };
  const auto one = train(1);
  BOOST_TEST((train(2) == one));
  BOOST_TEST((train(5) == one));
  M fresh({}, 2);
  BOOST_TEST(!std::ranges::equal(fresh.parameters(), one), "training must move the parameters");
}

BOOST_AUTO_TEST_CASE(predict_matches_the_network) {
  tn::Model<SoftmaxNet, tn::loss::CrossEntropy, tn::optim::Adam, double> model({}, 9);
  const auto data = make_data<Shape<5>, Shape<3>>(1, true, 4);
  const auto y = model.predict(data.input(0));
  BOOST_TEST(y[0] + y[1] + y[2] == 1.0, boost::test_tools::tolerance(1e-12));
  // The same figure by hand: softmax(W2 tanh(W1 x + b1) + b2).
  std::vector<double> h(4), z(3);
  const auto w1 = model.tensor(1, 0), b1 = model.tensor(1, 1), w2 = model.tensor(3, 0), b2 = model.tensor(3, 1);
  for (std::size_t u = 0; u < 4; ++u) {
    double s = b1[u];
    for (std::size_t k = 0; k < 5; ++k) s += double(data.input(0)[k]) * w1[k * 4 + u];
    h[u] = std::tanh(s);
  }
  double total = 0;
  for (std::size_t u = 0; u < 3; ++u) {
    double s = b2[u];
    for (std::size_t k = 0; k < 4; ++k) s += h[k] * w2[k * 3 + u];
    total += z[u] = std::exp(s);
  }
  for (std::size_t u = 0; u < 3; ++u) BOOST_TEST(y[u] == z[u] / total, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(model.predict_class(data.input(0)) == std::size_t(std::max_element(y.begin(), y.end()) - y.begin()));
}

BOOST_AUTO_TEST_CASE(summary_prints_layers_counts_and_memory) {
  struct Mlp : tn::Sequential<tn::Input<784>, tn::Dense<128>, tn::ReLU, tn::Dense<10>, tn::Softmax> {};
  std::ostringstream out;
  Mlp::summary(out);
  const std::string text = out.str();
  BOOST_TEST(text.find("Dense<128>") != std::string::npos);
  BOOST_TEST(text.find("(128,)") != std::string::npos);
  BOOST_TEST(text.find("100,480") != std::string::npos);
  BOOST_TEST(text.find("Total params: 101,770") != std::string::npos);
  BOOST_TEST(text.find("optimizer state") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(run_time_misuse_is_a_clear_error) {
  tn::Model<SoftmaxNet, tn::loss::CrossEntropy, tn::optim::Adam> model;
  const auto data = make_data<Shape<5>, Shape<3>>(10, true, 5);
  const auto says = [](std::string text) {
    return [text](const tn::Error& e) { return std::string(e.what()).find(text) != std::string::npos; };
  };
  BOOST_CHECK_EXCEPTION(model.fit(data, {.batch_size = 0, .verbose = false}), tn::Error, says("batch_size must be at least 1"));
  BOOST_CHECK_EXCEPTION(model.fit(data, {.epochs = 0, .verbose = false}), tn::Error, says("epochs must be at least 1"));
  BOOST_CHECK_EXCEPTION(model.fit(data.slice(0, 0), {.verbose = false}), tn::Error, says("training data set is empty"));
  BOOST_CHECK_EXCEPTION(model.evaluate(data.slice(3, 3)), tn::Error, says("data set is empty"));
  const std::vector<std::uint32_t> outside{0, 10};
  BOOST_CHECK_EXCEPTION(model.train_step(data, outside), tn::Error, says("sample index 10 is outside"));
  BOOST_CHECK_EXCEPTION(model.tensor(2, 0), tn::Error, says("layer 2 has no parameter tensor 0"));
  using Set = tn::data::Dataset<Shape<5>, Shape<3>>;
  BOOST_CHECK_EXCEPTION(Set(std::vector<float>(10), std::vector<float>(9)), tn::Error, says("2 samples but 3 targets"));
  BOOST_CHECK_EXCEPTION(Set(std::vector<float>(11), std::vector<float>(6)), tn::Error, says("not a whole number"));
  BOOST_CHECK_EXCEPTION(data.slice(4, 11), tn::Error, says("slice [4, 11)"));
  const std::vector<unsigned char> labels{0, 3};
  BOOST_CHECK_EXCEPTION(tn::data::one_hot<3>(labels), tn::Error, says("label 3 of sample 1 is out of range"));
  const std::vector<int> negative{1, 2, -1};
  BOOST_CHECK_EXCEPTION(tn::data::one_hot<3>(negative), tn::Error, says("label -1 of sample 2 is out of range"));
}

// one_hot takes labels of any integer type, as they come (bytes from a file, ints, 64-bit ids).
BOOST_AUTO_TEST_CASE(one_hot_takes_any_integer_labels) {
  const std::vector<float> expected{0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0};
  BOOST_TEST(tn::data::one_hot<4>(std::vector<int>{1, 2, 0}) == expected);
  BOOST_TEST(tn::data::one_hot<4>(std::vector<unsigned char>{1, 2, 0}) == expected);
  const std::array<std::int64_t, 3> wide{1, 2, 0};
  BOOST_TEST(tn::data::one_hot<4>(wide) == expected);
  BOOST_TEST(tn::data::one_hot<4>(std::vector<std::size_t>{}).empty());
}

BOOST_AUTO_TEST_CASE(a_failed_fit_leaves_the_model_unchanged) {
  tn::Model<SoftmaxNet, tn::loss::CrossEntropy, tn::optim::Adam> model;
  const auto data = make_data<Shape<5>, Shape<3>>(10, true, 5);
  const std::vector<float> before(model.parameters().begin(), model.parameters().end());
  BOOST_CHECK_THROW(model.fit(data, {.batch_size = 0, .verbose = false}), tn::Error);
  BOOST_TEST(std::ranges::equal(before, model.parameters()));
}

BOOST_AUTO_TEST_CASE(fit_logs_every_epoch) {
  tn::Model<SoftmaxNet, tn::loss::CrossEntropy, tn::optim::Adam> model;
  const auto data = make_data<Shape<5>, Shape<3>>(50, true, 6);
  std::ostringstream log;
  const auto history = model.fit(data, {.epochs = 3, .batch_size = 8, .validation = &data, .out = &log});
  BOOST_TEST(history.epochs.size() == 3u);
  BOOST_TEST(history.epochs[2].val_loss.has_value());
  BOOST_TEST(log.str().find("Epoch 3/3") != std::string::npos);
  BOOST_TEST(log.str().find("7/7 [==============================]") != std::string::npos);
  BOOST_TEST(log.str().find("val_accuracy") != std::string::npos);
  BOOST_TEST(history.epochs[2].loss < history.epochs[0].loss);
  // Compiled with flags that suit the kernels, fit says nothing about them (build_advice_child
  // checks the other side).
  if (!tn::detail::build_advice) BOOST_TEST(log.str().find("typenet: this program was compiled") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(evaluate_equals_predict_sample_by_sample) {
  // Layers of very different widths, and enough samples for many parallel chunks per batch:
  // evaluate must give exactly what predict gives one sample at a time.
  struct Wide : tn::Sequential<tn::Input<8, 8, 3>, tn::Flatten, tn::Dense<300>, tn::ReLU, tn::Dense<4>, tn::Softmax> {};
  tn::Model<Wide, tn::loss::CrossEntropy, tn::optim::Adam, double> model({}, 12);
  const auto data = make_data<Shape<8, 8, 3>, Shape<4>>(1000, true, 7);
  double loss = 0, right = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto y = model.predict(data.input(i));
    std::array<double, 4> t;
    std::ranges::copy(data.target(i), t.begin());
    loss += tn::loss::CrossEntropy::value<double, 4>(y.data(), t.data());
    right += std::max_element(y.begin(), y.end()) - y.begin() == std::max_element(t.begin(), t.end()) - t.begin();
  }
  for (int repeat = 0; repeat < 3; ++repeat) {
    const tn::Score score = model.evaluate(data, 256);
    BOOST_TEST(score.loss == loss / 1000.0);
    BOOST_TEST(score.accuracy == right / 1000.0);
  }
  // Batch prediction gives each sample's outputs bitwise as predict does one by one.
  std::vector<double> outputs(1000 * 4);
  model.predict(data, std::span<double>(outputs), 96);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto y = model.predict(data.input(i));
    differing += !std::equal(y.begin(), y.end(), outputs.begin() + std::ptrdiff_t(i * 4));
  }
  BOOST_TEST(differing == 0u);
  BOOST_CHECK_THROW(model.predict(data, std::span<double>(outputs).first(10)), tn::Error);
}

BOOST_AUTO_TEST_CASE(live_progress_redraws_one_line) {
  tn::Model<SoftmaxNet, tn::loss::CrossEntropy, tn::optim::Adam> model;
  const auto data = make_data<Shape<5>, Shape<3>>(50, true, 6);
  std::ostringstream live, plain;
  model.fit(data, {.epochs = 1, .batch_size = 8, .live_progress = true, .out = &live});
  model.fit(data, {.epochs = 1, .batch_size = 8, .live_progress = false, .out = &plain});
  BOOST_TEST(live.str().find('\r') != std::string::npos);   // redrawn in place
  BOOST_TEST(plain.str().find('\r') == std::string::npos);  // one finished line per epoch
  std::string text = plain.str();
  // Without the flags the kernels want, the first verbose fit of the program starts with a line
  // saying so (core/build_check.hpp): not one of the progress lines counted here.
  if (const auto at = text.find("typenet: this program was compiled"); at != std::string::npos)
    text.erase(at, text.find('\n', at) + 1 - at);
  BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 2);  // "Epoch 1/1" and the finished line
}

BOOST_AUTO_TEST_CASE(byte_storage_reads_as_its_table_and_trains_like_floats) {
  const std::vector<std::uint8_t> bytes{0, 51, 255, 128, 7, 200, 3, 90, 10, 20};
  const std::vector<float> targets{1, 0, 0, 0, 1, 0};
  std::vector<float> floats(bytes.size());
  const auto table = tn::data::unit_interval();
  for (std::size_t i = 0; i < bytes.size(); ++i) floats[i] = float(bytes[i]) / 255.0f;
  const tn::data::Dataset<Shape<5>, Shape<3>> as_bytes(bytes, table, targets), as_floats(floats, targets);
  for (std::size_t i = 0; i < 5; ++i) BOOST_TEST(as_bytes.input(1)[i] == floats[5 + i]);
  using M = tn::Model<SoftmaxNet, tn::loss::CrossEntropy, tn::optim::Adam>;
  M a({}, 3), b({}, 3);
  a.fit(as_bytes, {.epochs = 3, .batch_size = 1, .verbose = false});
  b.fit(as_floats, {.epochs = 3, .batch_size = 1, .verbose = false});
  BOOST_TEST(std::ranges::equal(a.parameters(), b.parameters()));
  using Set = tn::data::Dataset<Shape<5>, Shape<3>>;
  BOOST_CHECK_THROW(Set(std::vector<std::uint8_t>(7), table, targets), tn::Error);
}

struct DropoutNet : tn::Sequential<tn::Input<20>, tn::Dense<32>, tn::ReLU, tn::Dropout<50>, tn::Dense<4>, tn::Softmax> {};

BOOST_AUTO_TEST_CASE(dropout_training_depends_on_the_seed_not_the_threads) {
  const auto data = make_data<Shape<20>, Shape<4>>(300, true, 8);
  using M = tn::Model<DropoutNet, tn::loss::CrossEntropy, tn::optim::Adam>;
  const auto train = [&](std::size_t threads, std::uint64_t seed) {
    M model({}, 1);
    model.fit(data, {.epochs = 2, .batch_size = 50, .shuffle = false, .seed = seed, .threads = threads, .verbose = false});
    return std::vector<float>(model.parameters().begin(), model.parameters().end());
  };
  const auto one = train(1, 3);
  BOOST_TEST((train(2, 3) == one));
  BOOST_TEST((train(7, 3) == one));
  BOOST_TEST((train(1, 4) != one), "another seed must draw other masks (shuffling is off)");

  // Inference does not drop: evaluating twice gives the same figures, and a sample's output
  // does not depend on the batch it is in.
  M model({}, 1);
  const auto first = model.evaluate(data);
  BOOST_TEST(model.evaluate(data, 7).loss == first.loss);
  const auto alone = model.predict(data.input(5));
  std::vector<float> all(data.size() * 4);
  model.predict(data, all);
  BOOST_TEST(std::equal(alone.begin(), alone.end(), all.begin() + 5 * 4));
}

struct PenalisedNet : tn::Sequential<tn::Input<6, 6, 1>,
                                     tn::Regularized<tn::Conv2D<2, 3, 3>, tn::L2<1, 10>>, tn::ReLU,
                                     tn::Flatten,
                                     tn::Regularized<tn::Dense<3>, tn::L1L2<tn::L1<1, 20>, tn::L2<1, 5>>>,
                                     tn::Softmax> {};

BOOST_AUTO_TEST_CASE(kernel_penalties_join_the_loss_and_its_gradient) {
  static_assert(PenalisedNet::parameter_count == (9 * 2 + 2) + (32 * 3 + 3));
  tn::Model<PenalisedNet, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 4);
  // The penalty, from its definition.
  double expected = 0;
  for (const double w : model.tensor(1, 0)) expected += 0.1 * w * w;
  for (const double w : model.tensor(4, 0)) expected += 0.05 * std::abs(w) + 0.2 * w * w;
  BOOST_TEST(model.penalty() == expected, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(expected > 0.01);
  // Biases are not penalised.
  model.tensor(4, 1)[0] = 5.0;
  BOOST_TEST(model.penalty() == expected, boost::test_tools::tolerance(1e-12));
  // evaluate's loss includes it, and the gradient is the gradient of that loss.
  const auto data = make_data<Shape<6, 6, 1>, Shape<3>>(5, true, 2);
  tn::Model<PenalisedNet, tn::loss::CrossEntropy, tn::optim::SGD, double> same({}, 4);
  same.tensor(4, 1)[0] = 5.0;
  same.parameters_changed();
  model.parameters_changed();
  BOOST_TEST(model.evaluate(data).loss > expected);
  check_network_gradient(model, data);
  const std::string kind = tn::Model<PenalisedNet, tn::loss::CrossEntropy, tn::optim::SGD>::architecture()[0].kind;
  BOOST_TEST(kind == "Regularized<Conv2D<2, 3, 3>, L2<1, 10>>");
}

struct NormalisedCnn : tn::Sequential<tn::Input<12, 12, 2>,
                                      tn::Conv2D<4, 3, 3>, tn::BatchNormalization, tn::ReLU,
                                      tn::MaxPool2D<2, 2>,
                                      tn::Flatten,
                                      tn::Dense<5>, tn::BatchNormalization, tn::Tanh,
                                      tn::Dense<3>, tn::Softmax> {};

namespace {
/// y = w x, a weight per value, its gradient in 3 tiles of the block, each with a span of its
/// own (`gradient_span`): the plan gives each tile a task of its own after the batch.
struct Gain : tn::detail::AcceptsAnyShape {  // check_parameters, accepts, explain
  static constexpr std::string_view name = "Gain";
  static std::string spelling() { return "Gain"; }
  template <tn::AnyShape In>
  struct bind : tn::NoWorkAreas {
    using descriptor = Gain;
    static constexpr In input_shape{};
    static constexpr In output_shape{};
    static constexpr std::size_t size = In::size, third = (size + 2) / 3;
    static constexpr std::array<tn::ParameterTensor, 1> parameter_tensors{
        tn::ParameterTensor{"w", size, tn::Init::ones}};
    static constexpr std::size_t parameter_count = size, packed_size = 0, gradient_tiles = 3;
    static constexpr tn::GradientSpan gradient_span(std::size_t tile) {
      return {tile * third, std::min(third, size - tile * third)};
    }
    template <class S>
    static void pack(const S*, S*) {}
    template <class S>
    static void forward(const tn::Pass<S>& pass, const S* x, S* y, std::size_t n) {
      for (std::size_t i = 0; i < n * size; ++i) y[i] = pass.params[i % size] * x[i];
    }
    template <class S>
    static void backward(const tn::Pass<S>& pass, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if (dx)
        for (std::size_t i = 0; i < n * size; ++i) dx[i] = pass.params[i % size] * dy[i];
    }
    template <class S>
    static void gradient(const tn::Pass<S>&, std::size_t tile, S* g, const S* x, const S* dy, std::size_t n) {
      const tn::GradientSpan span = gradient_span(tile);
      std::fill(g, g + span.size, S{});
      for (std::size_t b = 0; b < n; ++b)
        for (std::size_t i = 0; i < span.size; ++i)
          g[i] += x[b * size + span.first + i] * dy[b * size + span.first + i];
    }
  };
};
}  // namespace

BOOST_AUTO_TEST_CASE(gradients_summed_after_the_batch_take_every_chunk_once) {
  // The gradients that are not summed per chunk (Dense, a layer with gradient spans, and a
  // convolution with few output positions, whose tiles run as one task) are summed after the
  // batch over 7 chunks, the last one short: the batch's gradient is the mean of its samples'
  // (each computed alone, in one chunk).
  struct Net : tn::Sequential<tn::Input<4, 4, 3>, tn::Conv2D<8, 3, 3>, tn::ReLU, tn::Flatten, tn::Dense<16>,
                              tn::Tanh, Gain, tn::Dense<3>, tn::Softmax> {};
  using plan = tn::exec::Plan<Net>;
  static_assert(!plan::per_chunk_gradient[1] && plan::gradient_tasks<1>() == 1);
  static_assert(plan::gradient_tasks<6>() == 3 && plan::gradient_tasks<7>() == 2);  // Gain; Dense<3>: dW, db
  constexpr std::size_t batch = [] {
    std::size_t b = 1;
    while (plan::chunk_count(b) != 7 || b % plan::samples_per_chunk(b) == 0) ++b;
    return b;
  }();
  const auto data = make_data<Shape<4, 4, 3>, Shape<3>>(batch, true, 11);
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 2);
  std::vector<std::uint32_t> all(batch);
  std::iota(all.begin(), all.end(), 0u);
  model.compute_gradients(data, all);
  const std::vector<double> together(model.gradients().begin(), model.gradients().end());
  std::vector<double> mean(together.size());
  for (std::uint32_t i = 0; i < batch; ++i) {
    const std::uint32_t one[] = {i};
    model.compute_gradients(data, one);
    for (std::size_t j = 0; j < mean.size(); ++j) mean[j] += model.gradients()[j] / double(batch);
  }
  double largest = 0, worst = 0;
  for (std::size_t j = 0; j < mean.size(); ++j) {
    largest = std::max(largest, std::abs(mean[j]));
    worst = std::max(worst, std::abs(mean[j] - together[j]));
  }
  BOOST_TEST(largest > 0.0);
  BOOST_TEST(worst <= 1e-12 * largest, "batch of " << batch << ": largest difference " << worst);
}

BOOST_AUTO_TEST_CASE(batch_normalization_counts_as_keras) {
  static_assert(NormalisedCnn::parameter_count == (3 * 3 * 2 * 4 + 4) + 4 * 4 + (100 * 5 + 5) + 4 * 5 + (5 * 3 + 3));
  const auto rows = NormalisedCnn::summary_rows();
  BOOST_TEST(rows[1].layer == "BatchNormalization");
  BOOST_TEST(rows[1].parameters == 16u);
  BOOST_TEST(rows[1].trainable == 8u);
}

BOOST_AUTO_TEST_CASE(gradient_through_batch_normalization_in_training_mode) {
  // The objective is the training-mode loss (batch statistics), which compute_gradients returns.
  // 200 samples make two chunks of unequal size: the staged passes meet in the statistics.
  static_assert(tn::exec::Plan<NormalisedCnn>::chunk_count(200) == 2);
  const auto data = make_data<Shape<12, 12, 2>, Shape<3>>(200, true, 5);
  tn::Model<NormalisedCnn, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 2);
  std::vector<std::uint32_t> all(data.size());
  std::iota(all.begin(), all.end(), 0u);
  model.compute_gradients(data, all);
  const std::vector<double> analytic(model.gradients().begin(), model.gradients().end());
  auto params = model.parameters();
  tn::testing::check_gradient("network parameters", params.data(), analytic.data(), params.size(), [&] {
    model.parameters_changed();
    return model.compute_gradients(data, all).loss_sum / double(data.size());
  });
}

BOOST_AUTO_TEST_CASE(batch_normalization_moves_its_averages_and_infers_with_them) {
  struct Net : tn::Sequential<tn::Input<4>, tn::BatchNormalization, tn::Dense<2>, tn::Softmax> {};
  const auto data = make_data<Shape<4>, Shape<2>>(40, true, 6);
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam, double> model({}, 1);
  std::vector<std::uint32_t> all(data.size());
  std::iota(all.begin(), all.end(), 0u);
  model.train_step(data, all);
  // Keras: moving = 0.99 moving + 0.01 batch statistic (mean; biased variance), from 0 and 1.
  for (std::size_t f = 0; f < 4; ++f) {
    double mean = 0, squares = 0;
    for (std::size_t i = 0; i < data.size(); ++i) mean += data.input(i)[f] / double(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) squares += std::pow(data.input(i)[f] - mean, 2) / double(data.size());
    BOOST_TEST(model.tensor(1, 2)[f] == 0.01 * mean, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(model.tensor(1, 3)[f] == 0.99 + 0.01 * squares, boost::test_tools::tolerance(1e-9));
    // The optimizer moved gamma and beta, not the averages' own way.
    BOOST_TEST(model.tensor(1, 0)[f] != 1.0);
  }
  // Inference normalises with the running averages: by hand for one sample.
  const auto y = model.predict(data.input(3));
  double logits[2];
  for (std::size_t u = 0; u < 2; ++u) {
    logits[u] = model.tensor(2, 1)[u];
    for (std::size_t f = 0; f < 4; ++f) {
      const double normal = (data.input(3)[f] - model.tensor(1, 2)[f]) / std::sqrt(model.tensor(1, 3)[f] + 1e-3) *
                                model.tensor(1, 0)[f] + model.tensor(1, 1)[f];
      logits[u] += normal * model.tensor(2, 0)[f * 2 + u];
    }
  }
  BOOST_TEST(y[0] == 1.0 / (1.0 + std::exp(logits[1] - logits[0])), boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(batch_normalization_training_does_not_depend_on_threads) {
  static_assert(tn::exec::Plan<NormalisedCnn>::chunk_count(200) == 2);
  const auto data = make_data<Shape<12, 12, 2>, Shape<3>>(600, true, 9);
  using M = tn::Model<NormalisedCnn, tn::loss::CrossEntropy, tn::optim::Adam>;
  const auto train = [&](std::size_t threads) {
    M model({}, 1);
    model.fit(data, {.epochs = 2, .batch_size = 200, .threads = threads, .verbose = false});
    return std::vector<float>(model.parameters().begin(), model.parameters().end());
  };
  const auto one = train(1);
  BOOST_TEST((train(2) == one));
  BOOST_TEST((train(7) == one));
}

BOOST_AUTO_TEST_CASE(evaluate_reports_top_k_and_the_confusion_matrix) {
  const auto data = make_data<Shape<5>, Shape<3>>(90, true, 12);
  tn::Model<SoftmaxNet, tn::loss::CrossEntropy, tn::optim::Adam> model({}, 1);
  model.fit(data, {.epochs = 3, .batch_size = 10, .verbose = false});
  const tn::Score score = model.evaluate(data, 16, 2);
  BOOST_TEST(score.top_k == 2u);
  BOOST_TEST(score.confusion.classes() == 3u);
  BOOST_TEST(score.confusion.total() == 90u);
  BOOST_TEST(score.confusion.accuracy() == score.accuracy, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(score.top_k_accuracy >= score.accuracy);
  BOOST_TEST(model.evaluate(data, 16, 1).top_k_accuracy == score.accuracy);
  BOOST_TEST(model.evaluate(data, 16, 3).top_k_accuracy == 1.0);
  // Rows are true classes, columns predictions: they agree with predict_classes and the targets.
  const auto predicted = model.predict_classes(data, 7);
  BOOST_REQUIRE(predicted.size() == 90u);
  for (std::size_t c = 0; c < 3; ++c) {
    std::uint64_t as_c = 0, of_c = 0;
    for (std::size_t i = 0; i < 90; ++i) {
      as_c += predicted[i] == c;
      of_c += tn::data::argmax(data.target(i)) == c;
    }
    BOOST_TEST(score.confusion.predicted_count(c) == as_c);
    BOOST_TEST(score.confusion.true_count(c) == of_c);
  }
  BOOST_TEST(predicted[4] == model.predict_class(data.input(4)));
  BOOST_CHECK_THROW(model.evaluate(data, 16, 0), tn::Error);
}

// A yes/no problem (is x0 + x1 above 0?) learnt with either binary loss: fit runs, and evaluate's
// accuracy uses the loss's own threshold (0.5 for the probability, 0 for the score).
template <class Net, class Loss>
double binary_accuracy_after_fit() {
  tn::Random random(21);
  std::vector<float> x(400 * 4), t(400);
  for (std::size_t i = 0; i < 400; ++i) {
    for (std::size_t j = 0; j < 4; ++j) x[i * 4 + j] = float(random.uniform(-1, 1));
    t[i] = x[i * 4] + x[i * 4 + 1] > 0 ? 1.0f : 0.0f;
  }
  const tn::data::Dataset<Shape<4>, Shape<1>> data(std::move(x), std::move(t));
  tn::Model<Net, Loss, tn::optim::Adam> model({.learning_rate = 0.02f}, 3);
  model.fit(data, {.epochs = 30, .batch_size = 20, .seed = 4, .verbose = false});
  const tn::Score score = model.evaluate(data);
  BOOST_TEST(score.loss < 0.3);
  return score.accuracy;
}

BOOST_AUTO_TEST_CASE(binary_losses_learn_a_yes_no_problem) {
  BOOST_TEST((binary_accuracy_after_fit<ProbabilityNet, tn::loss::BinaryCrossEntropy>()) > 0.95);
  BOOST_TEST((binary_accuracy_after_fit<OneScoreNet, tn::loss::BinaryCrossEntropyFromLogits>()) > 0.95);
}
