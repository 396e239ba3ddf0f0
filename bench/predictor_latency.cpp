// bench/predictor_latency.cpp: one sample's latency through Predictor (typenet/infer.hpp) beside Model::predict.
//
// usage: predictor_latency [ROUNDS] [--torch]   (default 31 rounds)
//
// For the seed CNN and a 784-128-10 MLP, each with random parameters, times interleaved rounds
// of 2,000 single-sample predictions (a different sample each time) through
//   Model::predict(x)       the training model's single-sample path;
//   Predictor::predict(x)   the deployment profile: buffers inside the object, no TBB, noexcept;
//   RTNeural's ModelT       for the MLP, in a build configured with -Drtneural=PATH (a checkout
//                           of RTNeural outside the tree; its Eigen backend, Debian's
//                           libeigen3-dev), the same parameters, its outputs checked against ours;
// the packing of a Predictor's copies of the parameters, and its cold start: a new Predictor in
// fresh memory, constructed, to its first prediction. With --torch it then runs
// bench/torch_reference.py's batch-1 latency on one thread (Debian's python3-torch) for both
// networks. Prints a markdown table: median and fastest time per sample, and the ratio of
// medians to Model::predict's. Not a test: the figures depend on the machine and its load.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <typenet/infer.hpp>
#include <typenet/typenet.hpp>

#if defined(TYPENET_BENCH_RTNEURAL)
#include <RTNeural/RTNeural.h>
#endif

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
double last_model_us = 0;  // the last network's Model::predict median, for PyTorch's ratio

/// PyTorch's batch-1 latency of `workload` on one thread (bench/torch_reference.py), or a
/// negative number when it cannot run.
double torch_latency(const char* workload) {
  const std::string command =
      std::string("/usr/bin/python3 ") + TYPENET_BENCH_DIR + "/torch_reference.py " + workload + " latency 1";
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return -1;
  char line[512] = {};
  const bool read = std::fgets(line, sizeof line, pipe) != nullptr;
  if (pclose(pipe) != 0 || !read) return -1;
  const char* at = std::strstr(line, "\"median_us\":");
  return at ? std::atof(at + 12) : -1;
}

/// RTNeural's ModelT for the MLP, with the parameters of `params` (the model's layout), or
/// nothing in a build without it.
struct Reference {
#if defined(TYPENET_BENCH_RTNEURAL)
  RTNeural::ModelT<float, 784, 10, RTNeural::DenseT<float, 784, 128>, RTNeural::ReLuActivationT<float, 128>,
                   RTNeural::DenseT<float, 128, 10>, RTNeural::SoftmaxActivationT<float, 10>>
      model;
  explicit Reference(const float* params) {
    set(model.get<0>(), params + Mlp::parameter_offsets[0], 784, 128);
    set(model.get<2>(), params + Mlp::parameter_offsets[2], 128, 10);
    model.reset();
  }
  template <class Layer>
  static void set(Layer& layer, const float* block, std::size_t in, std::size_t out) {
    std::vector<std::vector<float>> w(out, std::vector<float>(in));  // RTNeural: [out][in]; typenet: [in][out]
    for (std::size_t i = 0; i < in; ++i)
      for (std::size_t o = 0; o < out; ++o) w[o][i] = block[i * out + o];
    layer.setWeights(w);
    layer.setBias(block + tn::detail::align_elements(in * out));
  }
  const float* predict(const float* x) {
    model.forward(x);
    return model.getOutputs();
  }
#else
  explicit Reference(const float*) {}
  const float* predict(const float*) { return nullptr; }  // (never called: no RTNeural in this build)
#endif
};

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
#if defined(TYPENET_BENCH_RTNEURAL)
  constexpr bool with_reference = std::is_same_v<Net, Mlp>;
#else
  constexpr bool with_reference = false;
#endif
  std::unique_ptr<Reference> reference;
  if constexpr (with_reference) {
    reference = std::make_unique<Reference>(parameters);
    const auto ours = predictor->predict(sample(0));
    const float* theirs = reference->predict(sample(0).data());
    for (std::size_t o = 0; o < ours.size(); ++o)
      if (std::abs(ours[o] - theirs[o]) > 1e-5f) {
        std::printf("RTNeural's output %zu is %g, ours %g: the parameters were not set as ours\n", o,
                    double(theirs[o]), double(ours[o]));
        std::exit(1);
      }
  }
  std::vector<double> model_us, predictor_us, reference_us, construct_us, cold_us;
  float sink = 0;
  const auto us = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::micro>(b - a).count();
  };
  for (int round = 0; round < rounds; ++round) {
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < per_round; ++i) sink += model->predict(sample(i))[0];
    auto t1 = Clock::now();
    for (std::size_t i = 0; i < per_round; ++i) sink += predictor->predict(sample(i))[0];
    auto t2 = Clock::now();
    if constexpr (with_reference)
      for (std::size_t i = 0; i < per_round; ++i) sink += reference->predict(sample(i).data())[0];
    auto t3 = Clock::now();
    predictor->parameters_changed();
    auto t4 = Clock::now();
    {
      // Cold start: fresh memory (its pages not touched yet), construction, the first prediction.
      auto fresh = std::make_unique_for_overwrite<unsigned char[]>(sizeof(tn::Predictor<Net>) + 64);
      void* at = fresh.get() + (64 - reinterpret_cast<std::uintptr_t>(fresh.get()) % 64) % 64;
      auto t5 = Clock::now();
      auto* cold = new (at) tn::Predictor<Net>(parameters);
      sink += cold->predict(sample(round))[0];
      auto t6 = Clock::now();
      cold_us.push_back(us(t5, t6));
    }
    model_us.push_back(us(t0, t1) / per_round);
    predictor_us.push_back(us(t1, t2) / per_round);
    reference_us.push_back(us(t2, t3) / per_round);
    construct_us.push_back(us(t3, t4));
  }
  std::printf("| %s | Model::predict | %.2f us | %.2f us | 1.00 |\n", name, median(model_us), fastest(model_us));
  std::printf("| %s | Predictor::predict | %.2f us | %.2f us | %.2f |\n", name, median(predictor_us),
              fastest(predictor_us), median(predictor_us) / median(model_us));
  if constexpr (with_reference)
    std::printf("| %s | RTNeural ModelT (Eigen) | %.2f us | %.2f us | %.2f |\n", name, median(reference_us),
                fastest(reference_us), median(reference_us) / median(model_us));
  std::printf("| %s | Predictor packing (parameters_changed) | %.1f us | %.1f us | |\n", name, median(construct_us),
              fastest(construct_us));
  std::printf("| %s | Predictor cold start (fresh memory, construction, first prediction) | %.1f us | %.1f us | |\n",
              name, median(cold_us), fastest(cold_us));
  std::printf("| %s | sizeof(Predictor) | %zu bytes | | |\n", name, sizeof(tn::Predictor<Net>));
  if (sink == 12345.0f) std::printf(" ");  // keeps the predictions from being optimised away
  last_model_us = median(model_us);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 31;
  bool torch = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--torch") == 0) torch = true;
    else rounds = std::max(1, std::atoi(argv[i]));
  }
  std::printf("| network | path | median per sample | fastest | ratio of medians |\n|---|---|---|---|---|\n");
  measure<SeedCnn>("seed CNN", rounds);
  const double seed_model_us = last_model_us;
  measure<Mlp>("MLP 784-128-10", rounds);
  if (!torch) return 0;
  for (const auto& [workload, name, model_us] : {std::tuple{"seed", "seed CNN", seed_model_us},
                                                 std::tuple{"mlp", "MLP 784-128-10", last_model_us}}) {
    const double t = torch_latency(workload);
    if (t < 0) {
      std::printf("| %s | PyTorch (torch_reference.py, 1 thread) | could not run (python3-torch missing?) | | |\n", name);
      return 1;
    }
    std::printf("| %s | PyTorch (torch_reference.py, 1 thread) | %.2f us | | %.2f |\n", name, t, t / model_us);
  }
}
