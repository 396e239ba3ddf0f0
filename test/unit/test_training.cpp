// Training end to end: XOR learned exactly, the MLP on Fashion-MNIST past its accuracy floor
// after one epoch, and bitwise-identical results whatever the number of threads.
#define BOOST_TEST_MODULE training
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <typenet/typenet.hpp>

namespace tn = typenet;
using tn::Shape;

struct Xor : tn::Sequential<tn::Input<2>, tn::Dense<8>, tn::Tanh, tn::Dense<1>, tn::Sigmoid> {};

BOOST_AUTO_TEST_CASE(xor_is_learned_to_100_percent) {
  const tn::data::Dataset<Shape<2>, Shape<1>> data({0, 0, 0, 1, 1, 0, 1, 1}, {0, 1, 1, 0});
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    tn::Model<Xor, tn::loss::MeanSquaredError, tn::optim::Adam> model({.learning_rate = 0.05f}, seed);
    model.fit(data, {.epochs = 500, .batch_size = 4, .verbose = false});
    const tn::Score score = model.evaluate(data);
    BOOST_TEST(score.accuracy == 1.0, "seed " << seed << ": accuracy " << score.accuracy);
    BOOST_TEST(score.loss < 0.05, "seed " << seed << ": loss " << score.loss);
  }
}

struct Mlp : tn::Sequential<tn::Input<28, 28, 1>, tn::Flatten, tn::Dense<128>, tn::ReLU, tn::Dense<10>, tn::Softmax> {};

BOOST_AUTO_TEST_CASE(mlp_on_fashion_mnist_passes_84_percent_after_one_epoch) {
  const auto data = tn::data::fashion_mnist();  // fails, saying why, when the data set is missing
  tn::Model<Mlp, tn::loss::CrossEntropy, tn::optim::Adam> model({}, 1);
  const auto history = model.fit(data.train, {.epochs = 1, .batch_size = 32, .seed = 1});
  const tn::Score score = model.evaluate(data.test);
  BOOST_TEST_MESSAGE("MLP, one epoch: test loss " << score.loss << ", test accuracy " << score.accuracy);
  BOOST_TEST(score.accuracy >= 0.84);
  BOOST_TEST(history.epochs.at(0).accuracy.value() >= 0.78);
}

template <class Image>
struct SeedCnn : tn::Sequential<Image, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Conv2D<64, 3, 3>, tn::ReLU,
                                tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>, tn::Softmax> {};

BOOST_AUTO_TEST_CASE(seed_cnn_learns_fashion_mnist_in_one_epoch_on_a_fifth_of_it) {
  const auto data = tn::data::fashion_mnist();
  tn::Model<SeedCnn<tn::Input<28, 28, 1>>, tn::loss::CrossEntropy, tn::optim::Adam> model({}, 1);
  // The main job's settings: Adam from 3e-3, shrinking by 0.6 per epoch (375 steps here).
  model.fit(data.train.slice(0, 12'000),
            {.epochs = 1, .batch_size = 32, .seed = 1,
             .learning_rate = tn::schedule::ExponentialDecay{.initial = 3e-3, .steps = 375, .rate = 0.6},
             .verbose = false});
  const tn::Score score = model.evaluate(data.test);
  BOOST_TEST_MESSAGE("seed CNN, one epoch on 12,000 samples: test accuracy " << score.accuracy);
  BOOST_TEST(score.accuracy >= 0.80);
}

BOOST_AUTO_TEST_CASE(seed_cnn_learns_from_cifar10_files) {
  // CIFAR-10 cannot be downloaded here: write its binary format with a pattern a CNN can
  // learn (class k: a bright 8x8 square at one of ten places, in channel k % 3, over noise),
  // read it back through the reader, and train the exact CIFAR-10 network on it.
  const auto dir = std::filesystem::temp_directory_path() / ("typenet-cifar-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  tn::Random random(5);
  const auto write = [&](const std::string& name, std::size_t records) {
    std::ofstream file(dir / name, std::ios::binary);
    std::vector<unsigned char> record(3073);
    for (std::size_t r = 0; r < records; ++r) {
      const std::size_t label = random.below(10);
      record[0] = static_cast<unsigned char>(label);
      for (std::size_t i = 1; i < record.size(); ++i) record[i] = static_cast<unsigned char>(random.below(100));
      const std::size_t y0 = (label % 5) * 6, x0 = (label / 5) * 16 + 4, channel = label % 3;
      for (std::size_t y = y0; y < y0 + 8; ++y)
        for (std::size_t x = x0; x < x0 + 8; ++x) record[1 + channel * 1024 + y * 32 + x] = 250;
      file.write(reinterpret_cast<const char*>(record.data()), std::streamsize(record.size()));
    }
  };
  for (int i = 1; i <= 5; ++i) write("data_batch_" + std::to_string(i) + ".bin", 200);
  write("test_batch.bin", 300);
  const auto data = tn::data::cifar10(dir.string());
  std::filesystem::remove_all(dir);
  BOOST_TEST(data.train.size() == 1000u);
  tn::Model<SeedCnn<tn::Input<32, 32, 3>>, tn::loss::CrossEntropy, tn::optim::Adam> model({}, 2);
  model.fit(data.train, {.epochs = 3, .batch_size = 32, .seed = 2, .verbose = false});
  const tn::Score score = model.evaluate(data.test);
  BOOST_TEST_MESSAGE("CIFAR-10 network on generated CIFAR-10 files: test accuracy " << score.accuracy);
  BOOST_TEST(score.accuracy >= 0.9);
}

namespace {
/// How many distinct threads an arena of `n` slots runs a parallel loop on.
std::size_t threads_seen(int n) {
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism, std::size_t(n));
  oneapi::tbb::task_arena arena(n);
  std::mutex mutex;
  std::set<std::thread::id> ids;
  arena.execute([&] {
    oneapi::tbb::parallel_for(0, 64, [&](int) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::lock_guard lock(mutex);
      ids.insert(std::this_thread::get_id());
    });
  });
  return ids.size();
}

struct Small : tn::Sequential<tn::Input<6, 6, 2>, tn::Flatten, tn::Dense<24>, tn::ReLU, tn::Dense<16>, tn::Tanh,
                              tn::Dense<5>, tn::Softmax> {};

/// n random samples for Small, each with a random class.
tn::data::Dataset<Shape<6, 6, 2>, Shape<5>> small_data(std::size_t n, std::uint64_t seed) {
  tn::Random random(seed);
  std::vector<float> x(n * 72), t(n * 5);
  for (auto& v : x) v = float(random.uniform(-1, 1));
  for (std::size_t i = 0; i < n; ++i) t[i * 5 + random.below(5)] = 1.0f;
  return {std::move(x), std::move(t)};
}

std::vector<float> train_with_threads(std::size_t threads) {
  const auto data = small_data(700, 99);
  tn::Model<Small, tn::loss::CrossEntropy, tn::optim::Adam> model({}, 7);
  // 700 = 21 batches of 32 and one of 28: a ragged last batch too.
  model.fit(data, {.epochs = 2, .batch_size = 32, .seed = 3, .threads = threads, .verbose = false});
  return {model.parameters().begin(), model.parameters().end()};
}

/// The caller's own loop of train_step calls, run through with_threads.
std::vector<float> steps_with_threads(std::size_t threads, std::size_t& arena_threads) {
  const std::size_t n = 96;
  const auto data = small_data(n, 5);
  tn::Model<Small, tn::loss::CrossEntropy, tn::optim::Adam> model({}, 8);
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t i = 0; i < n; ++i) order[i] = (i * 37) % n;
  const double loss = tn::with_threads(threads, [&] {
    arena_threads = tn::exec::max_threads();
    double sum = 0;
    for (std::size_t i = 0; i < n; i += 32)
      sum += model.train_step(data, std::span<const std::uint32_t>(order.data() + i, 32)).loss_sum;
    return sum;
  });
  BOOST_TEST(std::isfinite(loss));
  BOOST_TEST(loss > 0);
  return {model.parameters().begin(), model.parameters().end()};
}
}  // namespace

BOOST_AUTO_TEST_CASE(with_threads_runs_a_callers_loop_on_that_many_threads_with_the_same_bits) {
  std::size_t arena = 0;
  const std::vector<float> one = steps_with_threads(1, arena);
  BOOST_TEST(arena == 1u);
  for (std::size_t threads : {2u, 7u}) {
    const std::vector<float> many = steps_with_threads(threads, arena);
    BOOST_TEST(arena == threads, "with_threads(" << threads << ") ran in an arena of " << arena);
    BOOST_TEST(one == many, "train_step under with_threads(" << threads << ") differs from 1 thread");
  }
  // 0: the caller's own arena, whatever it is.
  BOOST_TEST(tn::with_threads(0, [] { return tn::exec::max_threads(); }) == tn::exec::max_threads());
  // Nothing returned, and an exception thrown inside reaches the caller.
  bool ran = false;
  tn::with_threads(3, [&] { ran = true; });
  BOOST_TEST(ran);
  BOOST_CHECK_THROW(tn::with_threads(2, [] { throw std::runtime_error("inside"); }), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(results_are_bitwise_identical_on_1_2_and_7_threads) {
  BOOST_TEST(threads_seen(7) > 2u, "an arena of 7 slots must really run more threads than this machine's cores");
  const std::vector<float> one = train_with_threads(1);
  for (std::size_t threads : {2u, 7u}) {
    const std::vector<float> many = train_with_threads(threads);
    BOOST_TEST(one == many, "parameters after training on " << threads << " threads differ from 1 thread");
  }
  BOOST_TEST(one != std::vector<float>(one.size(), 0.0f));
}
