// bench/three_models.cpp: one translation unit holding three models (an MLP, the seed CNN, the regularised CNN), each trained, evaluated and saved: what bench/compile_time.py times.
#include <cstddef>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <typenet/typenet.hpp>

namespace tn = typenet;

namespace {

struct Mlp : tn::Sequential<tn::Input<28, 28, 1>, tn::Flatten, tn::Dense<128>, tn::ReLU, tn::Dense<10>, tn::Softmax> {};

struct SeedCnn : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                                tn::Conv2D<64, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>,
                                tn::Softmax> {};

struct RegularisedCnn
    : tn::Sequential<tn::Input<28, 28, 1>, tn::Regularized<tn::Conv2D<32, 3, 3>, tn::L2<1, 10000>>,
                     tn::BatchNormalization, tn::ReLU, tn::MaxPool2D<2, 2>,
                     tn::Regularized<tn::Conv2D<64, 3, 3>, tn::L2<1, 10000>>, tn::BatchNormalization, tn::ReLU,
                     tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dropout<30>, tn::Dense<10>, tn::Softmax> {};

using Data = tn::data::Dataset<tn::Shape<28, 28, 1>, tn::Shape<10>>;

/// `count` images of a pattern whose class is the row holding the brightest stripe.
Data stripes(std::size_t count, std::uint64_t seed) {
  tn::Random random(seed);
  std::vector<float> inputs(count * 28 * 28), targets(count * 10);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t label = random.below(10);
    targets[i * 10 + label] = 1;
    for (std::size_t p = 0; p < 28 * 28; ++p)
      inputs[i * 784 + p] = float(random.uniform(0, 0.2)) + (p / 28 / 3 == label ? 0.8f : 0.0f);
  }
  return Data(std::move(inputs), std::move(targets));
}

template <class Net>
void train(const char* name, const Data& train, const Data& test, const std::string& path) {
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model({}, 1);
  model.fit(train, {.epochs = 2, .batch_size = 32, .validation = &test, .verbose = false});
  const tn::Score score = model.evaluate(test);
  model.save(path);
  std::printf("%s: test accuracy %.3f\n", name, score.accuracy);
}

}  // namespace

int main() try {
  const Data train_set = stripes(512, 1), test_set = stripes(256, 2);
  train<Mlp>("MLP", train_set, test_set, "three_models.mlp.tnw");
  train<SeedCnn>("seed CNN", train_set, test_set, "three_models.seed.tnw");
  train<RegularisedCnn>("regularised CNN", train_set, test_set, "three_models.regularised.tnw");
} catch (const std::exception& error) {
  std::fprintf(stderr, "three_models: %s\n", error.what());
  return 1;
}
