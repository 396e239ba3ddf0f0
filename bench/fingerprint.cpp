// bench/fingerprint.cpp: hashes of what training produces, to show that a change leaves results bitwise as they were.
//
// usage: fingerprint [DIR]   (DIR: where to write its weight files and checkpoints; default the temp directory)
//
// Trains an MLP, the seed CNN (Winograd) and a CNN with BatchNormalization, Dropout, a
// regularised kernel, strides and 'same' padding, each on generated data on 1 and on 2
// threads, and prints one FNV-1a hash per figure: the parameters after fit, the gradients of
// one compute_gradients, the epoch logs' losses, predict's outputs, evaluate's loss, the bytes
// of a weight file, and the parameters after a run resumed from a checkpoint. The same
// commit on the same CPU prints the same lines; a refactoring must too (bench/history.md
// records them per machine). It is not a test: the bits differ between instruction sets.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <typenet/typenet.hpp>

namespace tn = typenet;

namespace {

struct Hash {
  std::uint64_t h = 1469598103934665603ULL;
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  }
  template <class T>
  void values(std::span<T> v) { bytes(v.data(), v.size_bytes()); }
  void number(double d) { bytes(&d, sizeof d); }
};

struct Mlp : tn::Sequential<tn::Input<28, 28, 1>, tn::Flatten, tn::Dense<128>, tn::ReLU, tn::Dense<10>, tn::Softmax> {};
struct SeedCnn : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                                tn::Conv2D<64, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>,
                                tn::Softmax> {};
struct Mixed : tn::Sequential<tn::Input<16, 16, 3>, tn::Conv2D<16, 3, 3, tn::Padding::same, 2>, tn::BatchNormalization,
                              tn::ReLU, tn::Conv2D<16, 3, 3, tn::Padding::same>, tn::ReLU, tn::AvgPool2D<2, 2>,
                              tn::Dropout<25>, tn::Flatten, tn::Regularized<tn::Dense<32>, tn::L2<10>>, tn::Tanh,
                              tn::Dense<4>, tn::Softmax> {};

template <class In, class Out>
tn::data::Dataset<In, Out> generated(std::size_t n, std::uint64_t seed) {
  tn::Random random(seed);
  std::vector<float> x(n * In::size), t(n * Out::size);
  for (float& v : x) v = float(random.uniform(0.0, 1.0));
  for (std::size_t i = 0; i < n; ++i) t[i * Out::size + random.below(Out::size)] = 1.0f;
  return {std::move(x), std::move(t)};
}

std::vector<unsigned char> file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

template <class Net, class Optimizer>
void fingerprint(const char* name, const typename Optimizer::Options& options, const std::filesystem::path& dir) {
  using In = tn::shape_t<Net::input_shape>;
  using Out = tn::shape_t<Net::output_shape>;
  const auto train = generated<In, Out>(200, 1);
  const auto test = generated<In, Out>(70, 2);
  for (std::size_t threads : {1u, 2u}) {
    using M = tn::Model<Net, tn::loss::CrossEntropy, Optimizer>;
    M model(options, 7);
    const tn::History history =
        model.fit(train, {.epochs = 2, .batch_size = 32, .seed = 3, .validation = &test, .threads = threads,
                          .verbose = false});
    Hash params, logs, outputs, grads, weights, resumed;
    params.values(std::as_const(model).parameters());
    for (const tn::EpochLog& log : history.epochs) {
      logs.number(log.loss);
      logs.number(log.accuracy.value_or(-1));
      logs.number(*log.val_loss);
    }
    std::vector<float> y(test.size() * Out::size);
    model.predict(test, std::span<float>(y));
    outputs.values(std::span<const float>(y));
    outputs.number(model.evaluate(test).loss);
    const auto one = model.predict(test.input(3));
    outputs.values(std::span<const float>(one));
    std::vector<std::uint32_t> indices{5, 1, 9, 0, 33, 2, 17};
    model.compute_gradients(train, std::span<const std::uint32_t>(indices));
    grads.values(model.gradients());
    const auto weight_file = dir / (std::string(name) + ".tnw");
    model.save(weight_file.string());
    const auto file = file_bytes(weight_file);
    weights.values(std::span<const unsigned char>(file));
    // Two epochs with a checkpoint, then a fresh model resumes it for a third.
    const auto checkpoint = dir / (std::string(name) + ".ckpt");
    std::filesystem::remove(checkpoint);
    M first(options, 7);
    first.fit(train, {.epochs = 2, .batch_size = 32, .seed = 3, .threads = threads, .verbose = false,
                      .checkpoint = checkpoint.string()});
    M second(options, 8);
    second.fit(train, {.epochs = 3, .batch_size = 32, .seed = 3, .threads = threads, .verbose = false,
                       .checkpoint = checkpoint.string(), .resume = true});
    resumed.values(std::as_const(second).parameters());
    std::printf("%-8s %zu thread%s: params %016llx grads %016llx logs %016llx outputs %016llx weights %016llx "
                "resumed %016llx\n",
                name, threads, threads == 1 ? " " : "s", (unsigned long long)params.h, (unsigned long long)grads.h,
                (unsigned long long)logs.h, (unsigned long long)outputs.h, (unsigned long long)weights.h,
                (unsigned long long)resumed.h);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path dir = argc > 1 ? argv[1] : std::filesystem::temp_directory_path();
  fingerprint<Mlp, tn::optim::Adam>("mlp", {}, dir);
  fingerprint<SeedCnn, tn::optim::Adam>("seed", {}, dir);
  fingerprint<Mixed, tn::optim::SGD>("mixed", {.learning_rate = 0.05f, .momentum = 0.9f}, dir);
}
