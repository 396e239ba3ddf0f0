// bench/predictor_split.cpp: what splitting one seed-CNN sample over two cores could give, against Predictor on one core.
//
// usage: predictor_split [ROUNDS]   (default 15 rounds)
//
// typenet runs one sample on one core (Predictor: no threads, no locks). This program measures
// what a split would give before any such feature is built: the seed CNN is cut into
// sub-networks that two pinned threads (cores 0 and 1) run side by side, meeting at a spinning
// barrier after each stage, with parameters copied from the whole network's, so the split
// computes the same function (checked: every class equal, every output within 1e-5):
//   rows + filters  the first convolution stage (Conv2D 32, ReLU, MaxPool) by output rows
//                   (input rows 0-15 and 14-27: pooled rows 0-6 and 7-12), the second
//                   (Conv2D 64, ReLU, MaxPool) by filters (32 each), then Dense and Softmax on
//                   the calling thread;
//   filters         both convolution stages by filters (16 + 16, then 32 + 32).
// Also timed: one side's work alone (no barrier, no other thread) and the barriers alone.
// Prints a markdown table of medians over interleaved rounds of 4,000 samples. Not a test.
#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <thread>
#include <typenet/infer.hpp>
#include <typenet/typenet.hpp>
#include <vector>

namespace tn = typenet;

namespace {

struct SeedCnn
    : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Conv2D<64, 3, 3>,
                     tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>, tn::Softmax> {};
// The first stage by rows: input rows 0-15 give pooled rows 0-6, rows 14-27 pooled rows 7-12.
struct TopRows : tn::Sequential<tn::Input<16, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>> {};
struct BottomRows : tn::Sequential<tn::Input<14, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>> {};
// The stages by filters, and the classifier.
struct FirstHalf : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<16, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>> {};
struct SecondHalf : tn::Sequential<tn::Input<13, 13, 32>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>> {};
struct Head : tn::Sequential<tn::Input<1600>, tn::Dense<10>, tn::Softmax> {};

constexpr std::size_t middle_size = 13 * 13 * 32, deep_size = 5 * 5 * 64;

/// A sub-network's parameters (a Model holds them aligned as Predictor needs) and its Predictor.
template <class Net>
struct Part {
  tn::Model<Net, tn::loss::MeanSquaredError, tn::optim::SGD> model{{}, 1};
  tn::Predictor<Net> predictor{model.parameters().data()};
  /// Copies output channels [first, first + count) of the whole network's convolution at
  /// `position` (kernel in Keras's height, width, input, output order) into this one's layer 1.
  template <class Whole>
  void take_filters(Whole& whole, std::size_t position, std::size_t first) {
    const auto kernel = whole.tensor(position, 0), bias = whole.tensor(position, 1);
    const auto to_kernel = model.tensor(1, 0), to_bias = model.tensor(1, 1);
    const std::size_t count = to_bias.size(), all = bias.size();
    for (std::size_t i = 0; i < to_kernel.size() / count; ++i)
      std::copy_n(kernel.begin() + i * all + first, count, to_kernel.begin() + i * count);
    std::copy_n(bias.begin() + first, count, to_bias.begin());
    predictor.parameters_changed();
  }
  /// Copies the whole network's layer at `position` (kernel and bias) into this one's layer 1.
  template <class Whole>
  void take_layer(Whole& whole, std::size_t position) {
    for (std::size_t t = 0; t < 2; ++t) {
      const auto from = whole.tensor(position, t);
      std::copy(from.begin(), from.end(), model.tensor(1, t).begin());
    }
    predictor.parameters_changed();
  }
};

/// Copies `pixels` pixels of `count` channels each from `from` into channels [first, first +
/// count) of `to`, whose pixels hold `all` channels (channels last).
void put_channels(const float* from, std::size_t pixels, std::size_t count, float* to, std::size_t all,
                  std::size_t first) {
  for (std::size_t q = 0; q < pixels; ++q) std::copy_n(from + q * count, count, to + q * all + first);
}

/// A spinning thread's pause.
inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// Two threads meeting: the last to arrive moves the phase on; the other spins on it.
class Barrier {
 public:
  void wait() {
    const int phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == 1) {
      arrived_.store(0, std::memory_order_relaxed);
      phase_.store(phase + 1, std::memory_order_release);
    } else {
      while (phase_.load(std::memory_order_acquire) == phase) relax();
    }
  }

 private:
  alignas(64) std::atomic<int> arrived_{0};
  alignas(64) std::atomic<int> phase_{0};
};

bool pin(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

enum class Split { rows_then_filters, filters, barriers_only, stop };

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 15;
  tn::Model<SeedCnn, tn::loss::CrossEntropy, tn::optim::Adam> whole({}, 1);
  auto one_core = std::make_unique<tn::Predictor<SeedCnn>>(whole.parameters().data());
  const auto top = std::make_unique<Part<TopRows>>();
  const auto bottom_rows = std::make_unique<Part<BottomRows>>();
  // [side]: side 0 runs on the calling thread (core 1), side 1 on the helper (core 0).
  const std::array first_half{std::make_unique<Part<FirstHalf>>(), std::make_unique<Part<FirstHalf>>()};
  const std::array second_half{std::make_unique<Part<SecondHalf>>(), std::make_unique<Part<SecondHalf>>()};
  const auto head = std::make_unique<Part<Head>>();
  top->take_layer(whole, 1);
  bottom_rows->take_layer(whole, 1);
  for (std::size_t side = 0; side < 2; ++side) {
    first_half[side]->take_filters(whole, 1, side * 16);
    second_half[side]->take_filters(whole, 4, side * 32);
  }
  head->take_layer(whole, 8);

  std::vector<std::array<float, 784>> samples(64);
  for (std::size_t i = 0; i < samples.size(); ++i)
    for (std::size_t j = 0; j < 784; ++j) samples[i][j] = float((i * 7 + j * 13) % 256) / 255.0f;
  alignas(64) static float middle[middle_size], deep[deep_size];

  // One side's share of each stage, written into its part of `middle` and `deep`: the first
  // stage's top or bottom rows, or its half of the filters; the second stage's half of the filters.
  const auto first_stage = [&](std::size_t side, Split split, const float* x) {
    if (split == Split::rows_then_filters) {
      if (side == 0) {
        const auto a = top->predictor.predict(std::span<const float, 16 * 28>(x, 16 * 28));
        std::copy(a.begin(), a.end(), middle);
      } else {
        const auto a = bottom_rows->predictor.predict(std::span<const float, 14 * 28>(x + 14 * 28, 14 * 28));
        std::copy(a.begin(), a.end(), middle + 7 * 13 * 32);
      }
    } else if (split == Split::filters) {
      const auto a = first_half[side]->predictor.predict(std::span<const float, 784>(x, 784));
      put_channels(a.data(), 13 * 13, 16, middle, 32, side * 16);
    }
  };
  const auto second_stage = [&](std::size_t side) {
    const auto b = second_half[side]->predictor.predict(std::span<const float, middle_size>(middle, middle_size));
    put_channels(b.data(), 5 * 5, 32, deep, 64, side * 32);
  };

  Barrier barrier;
  std::atomic<Split> mode{Split::rows_then_filters};
  const float* current = nullptr;
  std::thread helper([&] {
    pin(0);
    for (;;) {
      barrier.wait();
      const Split split = mode.load(std::memory_order_relaxed);
      if (split == Split::stop) return;
      first_stage(1, split, current);
      barrier.wait();
      if (split != Split::barriers_only) second_stage(1);
      barrier.wait();
    }
  });
  const bool pinned = pin(1);

  const auto split_predict = [&](Split split, const float* x) -> std::array<float, 10> {
    current = x;
    mode.store(split, std::memory_order_relaxed);
    barrier.wait();
    first_stage(0, split, x);
    barrier.wait();
    if (split != Split::barriers_only) second_stage(0);
    barrier.wait();
    if (split == Split::barriers_only) return {};
    return head->predictor.predict(std::span<const float, deep_size>(deep, deep_size));
  };
  const auto one_side = [&](const float* x) {  // core 1's share alone: no barrier, no helper
    first_stage(0, Split::rows_then_filters, x);
    second_stage(0);
    return head->predictor.predict(std::span<const float, deep_size>(deep, deep_size))[0];
  };

  // The split computes the network: every class equal, every output within 1e-5.
  double worst = 0;
  std::size_t classes_differ = 0;
  for (Split split : {Split::rows_then_filters, Split::filters})
    for (const auto& x : samples) {
      const auto y = one_core->predict(std::span<const float, 784>(x));
      const auto z = split_predict(split, x.data());
      for (std::size_t k = 0; k < 10; ++k) worst = std::max(worst, double(std::fabs(y[k] - z[k])));
      classes_differ +=
          std::max_element(y.begin(), y.end()) - y.begin() != std::max_element(z.begin(), z.end()) - z.begin();
    }

  using Clock = std::chrono::steady_clock;
  float sink = 0;
  const auto time_us = [&](auto&& f) {
    const auto start = Clock::now();
    for (int i = 0; i < 4000; ++i) sink += f(samples[std::size_t(i) % samples.size()].data());
    return std::chrono::duration<double>(Clock::now() - start).count() / 4000 * 1e6;
  };
  std::vector<double> whole_us, rows_us, filters_us, side_us, barrier_us;
  for (int r = 0; r < rounds; ++r) {
    whole_us.push_back(
        time_us([&](const float* x) { return one_core->predict(std::span<const float, 784>(x, 784))[0]; }));
    rows_us.push_back(time_us([&](const float* x) { return split_predict(Split::rows_then_filters, x)[0]; }));
    filters_us.push_back(time_us([&](const float* x) { return split_predict(Split::filters, x)[0]; }));
    side_us.push_back(time_us(one_side));
    barrier_us.push_back(time_us([&](const float* x) { return split_predict(Split::barriers_only, x)[0]; }));
  }
  mode.store(Split::stop);
  barrier.wait();
  helper.join();

  const double base = median(whole_us);
  std::printf(
      "seed CNN, one sample, %d rounds of 4,000%s; split outputs within %.1e of one core's, %zu classes differ\n\n",
      rounds, pinned ? " (threads pinned to cores 1 and 0)" : " (pinning failed)", worst, classes_differ);
  std::printf("| run | median us per sample | one core / this |\n|---|---|---|\n");
  std::printf("| Predictor, one core | %.2f | 1.00 |\n", base);
  std::printf("| two cores: first stage by rows, second by filters | %.2f | %.2f |\n", median(rows_us),
              base / median(rows_us));
  std::printf("| two cores: both stages by filters | %.2f | %.2f |\n", median(filters_us), base / median(filters_us));
  std::printf("| core 1's share of the rows split alone (no helper, no barrier) | %.2f | %.2f |\n", median(side_us),
              base / median(side_us));
  std::printf("| the split's three barriers alone | %.2f | |\n", median(barrier_us));
  if (sink == 1234.5f) std::puts("");
  return worst < 1e-5 && classes_differ == 0 ? 0 : 1;
}
