// examples/resnet.cpp: ResNet-8, a residual network with projection shortcuts, trained on Fashion-MNIST, or on CIFAR-10 with --cifar DIR.
#include <algorithm>
#include <exception>
#include <iostream>
#include <span>
#include <string>
#include <string_view>

#include <typenet/typenet.hpp>

#include "options.hpp"
#include "resnet8.hpp"

namespace tn = typenet;

using FashionResNet = ResNet8<tn::Input<28, 28, 1>>;
using CifarResNet = ResNet8<tn::Input<32, 32, 3>>;

// What Keras's model.summary() prints for the same network (BatchNormalization's four tensors
// of C each, two of them not trained), and PyTorch's count of its parameters and buffers.
static_assert(FashionResNet::parameter_count == 78'762);
static_assert(CifarResNet::parameter_count == 79'050);

template <class Net, class Data>
int train(const Data& train, const Data& test, const Options& options, std::span<const std::string_view> classes) {
  Net::summary();
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model({}, options.number("seed"));
  const std::size_t batch = options.number("batch-size");
  const double steps_per_epoch = double((train.size() + batch - 1) / std::max<std::size_t>(batch, 1));
  model.fit(train, {.epochs = options.number("epochs"),
                    .batch_size = batch,
                    .seed = options.number("seed"),
                    .validation = &test,
                    .learning_rate = tn::schedule::ExponentialDecay{.initial = std::stod(options.text("learning-rate")),
                                                                    .steps = steps_per_epoch,
                                                                    .rate = std::stod(options.text("decay"))},
                    .threads = options.number("threads")});
  const tn::Score score = model.evaluate(test);
  std::cout << "Test loss: " << score.loss << "\nTest accuracy: " << score.accuracy << '\n';
  for (std::size_t c = 0; c < classes.size(); ++c)
    std::cout << "  " << classes[c] << ": precision " << score.confusion.precision(c) << ", recall "
              << score.confusion.recall(c) << '\n';
  if (const std::string path = options.text("save"); !path.empty()) {
    model.save(path);
    std::cout << "Saved " << path << '\n';
  }
  return 0;
}

int main(int argc, char** argv) try {
  const Options options(argc, argv,
                        {{"epochs", "10"}, {"batch-size", "32"}, {"threads", "0"}, {"seed", "1"},
                         {"learning-rate", "0.001"}, {"decay", "0.8"}, {"data", ""}, {"cifar", ""}, {"save", ""}},
                        "usage: resnet [--epochs 10] [--batch-size 32] [--threads 0 (all)] [--seed 1]\n"
                        "              [--learning-rate 0.001] [--decay 0.8 (per epoch; 1: constant)]\n"
                        "              [--data FASHION_MNIST_DIR] [--cifar CIFAR10_BIN_DIR] [--save WEIGHTS.tnw]");
  if (!options.text("cifar").empty()) {
    const auto data = tn::data::cifar10(options.text("cifar"));
    return train<CifarResNet>(data.train, data.test, options, tn::data::cifar10_classes);
  }
  const auto data = tn::data::fashion_mnist(options.text("data"));
  return train<FashionResNet>(data.train, data.test, options, tn::data::fashion_mnist_classes);
} catch (const std::exception& error) {
  std::cerr << "resnet: " << error.what() << '\n';
  return 1;
}
