// Training steps after the first and every prediction allocate nothing: this executable
// replaces the global operator new and counts its calls.
#define BOOST_TEST_MODULE allocation
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include <oneapi/tbb/task_arena.h>

#include <typenet/typenet.hpp>

#include "allocation_counter.hpp"

using typenet::test::allocation_count;

namespace tn = typenet;
using tn::Shape;

struct SeedCnn : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                                tn::Conv2D<64, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>,
                                tn::Softmax> {};
struct Padded : tn::Sequential<tn::Input<12, 12, 3>, tn::Conv2D<8, 3, 3, tn::Padding::same, 2>, tn::Tanh,
                               tn::AvgPool2D<2, 2, tn::Padding::same>, tn::GlobalAveragePooling2D, tn::Dense<4>,
                               tn::Sigmoid> {};

namespace {
template <class In, class Out>
tn::data::Dataset<In, Out> data(std::size_t n) {
  tn::Random random(1);
  std::vector<float> x(n * In::size), t(n * Out::size);
  for (auto& v : x) v = float(random.uniform());
  for (std::size_t i = 0; i < n; ++i) t[i * Out::size + i % Out::size] = 1.0f;
  return {std::move(x), std::move(t)};
}

template <class M>
void check_memory_figures(const M& model, std::size_t batch);

template <class M, class Data>
void check_no_allocation(M& model, const Data& set) {
  std::vector<std::uint32_t> batch(32), last(7);
  std::iota(batch.begin(), batch.end(), 0u);
  std::iota(last.begin(), last.end(), 40u);
  model.train_step(set, batch);  // the first step sizes the workspace
  std::array<typename M::scalar, M::output_size> y{};
  model.predict(set.input(0), std::span(y));  // so does the first prediction's input size (never: made at construction)
  const std::size_t before = allocation_count.load();
  for (int step = 0; step < 5; ++step) {
    model.train_step(set, batch);
    model.train_step(set, last);  // a smaller, ragged batch reuses the workspace
    model.predict(set.input(std::size_t(step)), std::span(y));
  }
  BOOST_TEST(allocation_count.load() - before == 0u, "operator new called " << allocation_count.load() - before << " times");
  check_memory_figures(model, 32);
}

/// The workspaces hold exactly what the memory figures report (both come from exec::Plan).
template <class M>
void check_memory_figures(const M& model, std::size_t batch) {
  const tn::Memory m = M::memory;
  const auto threads = std::size_t(oneapi::tbb::this_task_arena::max_concurrency());
  BOOST_TEST(model.training_workspace_bytes() ==
             m.training(batch, threads) - m.parameters - m.gradients - m.optimizer_state - m.packed);
  BOOST_TEST(model.inference_workspace_bytes() == m.inference(1) - m.parameters - m.packed);
}
}  // namespace

BOOST_AUTO_TEST_CASE(the_workspace_is_what_the_memory_figures_say_on_3_threads) {
  tn::Model<SeedCnn, tn::loss::CrossEntropy, tn::optim::Adam> model;
  const auto set = data<Shape<28, 28, 1>, Shape<10>>(64);
  std::vector<std::uint32_t> batch(24);
  std::iota(batch.begin(), batch.end(), 0u);
  oneapi::tbb::task_arena arena(3);
  arena.execute([&] {
    model.train_step(set, batch);
    check_memory_figures(model, 24);
  });
  static_assert(tn::exec::Plan<SeedCnn>::work_areas(24, 3) == 3);
}

BOOST_AUTO_TEST_CASE(seed_cnn_training_steps_and_predictions_allocate_nothing) {
  tn::Model<SeedCnn, tn::loss::CrossEntropy, tn::optim::Adam> model;
  check_no_allocation(model, data<Shape<28, 28, 1>, Shape<10>>(64));
}

BOOST_AUTO_TEST_CASE(padded_strided_network_allocates_nothing_either) {
  tn::Model<Padded, tn::loss::MeanSquaredError, tn::optim::SGD, double> model({.learning_rate = 0.1f, .momentum = 0.9f});
  check_no_allocation(model, data<Shape<12, 12, 3>, Shape<4>>(64));
}

struct Regularised : tn::Sequential<tn::Input<16, 16, 2>, tn::Regularized<tn::Conv2D<8, 3, 3>, tn::L2<1, 1000>>,
                                    tn::BatchNormalization, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Dropout<25>, tn::Flatten,
                                    tn::Dense<16>, tn::BatchNormalization, tn::ReLU, tn::Dense<3>, tn::Softmax> {};

BOOST_AUTO_TEST_CASE(normalised_regularised_dropout_network_allocates_nothing) {
  tn::Model<Regularised, tn::loss::CrossEntropy, tn::optim::Adam> model;
  check_no_allocation(model, data<Shape<16, 16, 2>, Shape<3>>(64));
  // The memory figure covers the batch statistics too.
  static_assert(decltype(model)::memory.batch_statistics == (5 * 8 + 5 * 16) * sizeof(double));
  static_assert(decltype(model)::memory.statistics_per_chunk == (2 * 8 + 2 * 16) * sizeof(double));
}

// Networks that branch: a residual with BatchNormalization in its body and shortcut (stages), and
// a Concat whose input's gradients are added through the accumulation area.
struct Branching
    : tn::Sequential<tn::Input<8, 8, 2>, tn::Conv2D<4, 3, 3, tn::Padding::same>, tn::ReLU,
                     tn::Residual<tn::Chain<tn::Conv2D<6, 3, 3, tn::Padding::same, 2>, tn::BatchNormalization, tn::ReLU,
                                            tn::Conv2D<6, 3, 3, tn::Padding::same>>,
                                  tn::Shortcut<tn::Conv2D<6, 1, 1, tn::Padding::valid, 2>, tn::BatchNormalization>>,
                     tn::ReLU, tn::Flatten, tn::Dense<3>, tn::Softmax> {};
struct Joined : tn::Sequential<tn::Input<8, 8, 2>, tn::Conv2D<4, 3, 3>,
                               tn::Concat<tn::Conv2D<3, 1, 1>, tn::Chain<tn::Conv2D<2, 3, 3, tn::Padding::same>, tn::ReLU>,
                                          tn::MaxPool2D<3, 3, tn::Padding::same, 1>>,
                               tn::Flatten, tn::Dense<3>, tn::Softmax> {};
static_assert(tn::exec::Plan<Joined>::accumulated_size == 6 * 6 * 4);

BOOST_AUTO_TEST_CASE(branching_networks_allocate_nothing) {
  tn::Model<Branching, tn::loss::CrossEntropy, tn::optim::Adam> residual;
  check_no_allocation(residual, data<Shape<8, 8, 2>, Shape<3>>(64));
  tn::Model<Joined, tn::loss::CrossEntropy, tn::optim::Adam> joined;
  check_no_allocation(joined, data<Shape<8, 8, 2>, Shape<3>>(64));
}

// Sequences: a causal Conv1D (its padded input saved), GRU and LSTM trained through time.
struct Sequences : tn::Sequential<tn::Input<16, 3>, tn::Conv1D<8, 3, tn::Padding::causal, 1, 2>, tn::ReLU,
                                  tn::GRU<8, tn::Return::sequences>, tn::MaxPool1D<2>, tn::LSTM<6>, tn::Dense<3>,
                                  tn::Softmax> {};

BOOST_AUTO_TEST_CASE(sequence_networks_allocate_nothing) {
  tn::Model<Sequences, tn::loss::CrossEntropy, tn::optim::Adam> model;
  check_no_allocation(model, data<Shape<16, 3>, Shape<3>>(64));
}

// Streams (infer/stream.hpp), a million samples one at a time: a GRU amp model, and a
// WaveNet-style stack of dilated causal convolutions in residual blocks.
struct Amp : tn::Sequential<tn::Input<64, 1>, tn::GRU<16, tn::Return::sequences>, tn::Conv1D<1, 1>> {};
template <std::size_t Dilation>
struct Gated : tn::Residual<tn::Conv1D<8, 2, tn::Padding::causal, 1, Dilation>, tn::Tanh, tn::Conv1D<8, 1>> {};
struct WaveNet : tn::Sequential<tn::Input<64, 1>, tn::Conv1D<8, 1>, Gated<1>, Gated<2>, Gated<4>, Gated<8>,
                                tn::Conv1D<1, 1>> {};

template <class Net>
void stream_allocates_nothing() {
  tn::Model<Net, tn::loss::MeanSquaredError, tn::optim::Adam> model;
  const auto stream = std::make_unique<tn::Stream<Net>>(model.parameters().data());
  const std::size_t before = allocation_count.load();
  double sum = 0;
  for (std::size_t i = 0; i < 1'000'000; ++i) {
    const float x = float(i % 97) / 97.0f - 0.5f;
    float y = 0;
    stream->process(&x, &y, 1);
    sum += y;
  }
  BOOST_TEST(allocation_count.load() - before == 0u, "operator new called " << allocation_count.load() - before << " times");
  BOOST_TEST(std::isfinite(sum));
}

BOOST_AUTO_TEST_CASE(a_stream_allocates_nothing_over_a_million_samples) {
  stream_allocates_nothing<Amp>();
  stream_allocates_nothing<WaveNet>();
}

BOOST_AUTO_TEST_CASE(the_counter_counts) {
  const std::size_t before = allocation_count.load();
  // Through a volatile pointer: clang++ -O3 removes a new/delete pair nothing observes.
  static std::vector<int>* volatile kept;
  kept = new std::vector<int>(3);
  delete kept;
  BOOST_TEST(allocation_count.load() - before >= 1u);
}
