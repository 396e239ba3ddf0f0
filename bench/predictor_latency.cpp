// bench/predictor_latency.cpp: one sample's latency through Predictor (typenet/infer.hpp) beside Model::predict.
//
// usage: predictor_latency [ROUNDS]   (default 31)
//
// For the seed CNN and a 784-128-10 MLP, each with random parameters, times interleaved rounds
// of 2,000 single-sample predictions (a different sample each time) through
//   Model::predict(x)       the training model's single-sample path;
//   Predictor::predict(x)   the deployment profile: buffers inside the object, no TBB, noexcept;
// and the construction of a Predictor (packing the kernels' copies of the parameters). Prints
// a markdown table: median and fastest time per sample, and the ratio of medians. Both run the
// same forward pass (exec/forward.hpp), so the ratio measures what the deployment profile adds
// or saves around it. Not a test: the figures depend on the machine and its load.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include <typenet/infer.hpp>
#include <typenet/typenet.hpp>

namespace tn = typenet;

namespace {

struct SeedCnn : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                                tn::Conv2D<64, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>,
                                tn::Softmax> {};
struct Mlp : tn::Sequential<tn::Input<784>, tn::Dense<128>, tn::ReLU, tn::Dense<10>, tn::Softmax> {};

using Clock = std::chrono::steady_clock;
constexpr std::size_t per_round = 2000;
constexpr std::size_t samples = 64;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double fastest(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

template <class Net>
void measure(const char* name, int rounds) {
  using Model = tn::Model<Net, tn::loss::MeanSquaredError, tn::optim::Adam>;
  auto model = std::make_unique<Model>(tn::optim::AdamOptions{}, 7);
  const float* parameters = std::as_const(*model).parameters().data();
  constexpr std::size_t in = Model::input_size;
  std::vector<float> xs(samples * in);
  std::mt19937 random(3);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (auto& x : xs) x = uniform(random);
  auto sample = [&](std::size_t i) { return std::span<const float, in>(xs.data() + (i % samples) * in, in); };

  auto predictor = std::make_unique<tn::Predictor<Net>>(parameters);
  std::vector<double> model_us, predictor_us, construct_us;
  float sink = 0;
  for (int round = 0; round < rounds; ++round) {
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < per_round; ++i) sink += model->predict(sample(i))[0];
    auto t1 = Clock::now();
    for (std::size_t i = 0; i < per_round; ++i) sink += predictor->predict(sample(i))[0];
    auto t2 = Clock::now();
    predictor->parameters_changed();
    auto t3 = Clock::now();
    model_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / per_round);
    predictor_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count() / per_round);
    construct_us.push_back(std::chrono::duration<double, std::micro>(t3 - t2).count());
  }
  std::printf("| %s | Model::predict | %.2f us | %.2f us | 1.00 |\n", name, median(model_us), fastest(model_us));
  std::printf("| %s | Predictor::predict | %.2f us | %.2f us | %.2f |\n", name, median(predictor_us),
              fastest(predictor_us), median(predictor_us) / median(model_us));
  std::printf("| %s | Predictor packing (parameters_changed) | %.1f us | %.1f us | |\n", name, median(construct_us),
              fastest(construct_us));
  std::printf("| %s | sizeof(Predictor) | %zu bytes | | |\n", name, sizeof(tn::Predictor<Net>));
  if (sink == 12345.0f) std::printf(" ");  // keeps the predictions from being optimised away
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 31;
  std::printf("| network | path | median per sample | fastest | ratio of medians |\n|---|---|---|---|---|\n");
  measure<SeedCnn>("seed CNN", rounds);
  measure<Mlp>("MLP 784-128-10", rounds);
}
