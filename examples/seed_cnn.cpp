// examples/seed_cnn.cpp: the seed CNN (a Keras tutorial's CIFAR-10 network) trained on Fashion-MNIST, or on CIFAR-10 with --cifar DIR: typenet's main job.
#include <algorithm>
#include <exception>
#include <iostream>
#include <span>
#include <string>
#include <string_view>

#include <typenet/typenet.hpp>

#include "options.hpp"

namespace tn = typenet;

// The network of the tutorial, as a type: two convolution + pooling stages, then a softmax
// classifier. The image shape is the only thing that differs between the two data sets.
template <class Image>
struct SeedCnn : tn::Sequential<Image,
                                tn::Conv2D<32, 3, 3>, tn::ReLU,
                                tn::MaxPool2D<2, 2>,
                                tn::Conv2D<64, 3, 3>, tn::ReLU,
                                tn::MaxPool2D<2, 2>,
                                tn::Flatten,
                                tn::Dense<10>, tn::Softmax> {};

using FashionCnn = SeedCnn<tn::Input<28, 28, 1>>;  // grey 28x28
using CifarCnn = SeedCnn<tn::Input<32, 32, 3>>;    // colour 32x32, channels last

// The figures Keras's model.summary() prints for the same networks.
static_assert(FashionCnn::parameter_count == 34'826);
static_assert(CifarCnn::parameter_count == 42'442);
static_assert(FashionCnn::output_shape == tn::Shape<10>{});

template <class Net, class Data>
int train(const Data& train, const Data& test, const Options& options, std::span<const std::string_view> classes) {
  Net::summary();
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model({}, options.number("seed"));
  // Adam with a learning rate that starts at 3e-3 and shrinks smoothly by a factor 0.6 per
  // epoch (Keras's ExponentialDecay): fast early progress, then fine steps.
  const std::size_t batch = options.number("batch-size");
  const double steps_per_epoch = double((train.size() + batch - 1) / std::max<std::size_t>(batch, 1));
  const tn::History history = model.fit(train, {.epochs = options.number("epochs"),
                    .batch_size = batch,
                    .seed = options.number("seed"),
                    .validation = &test,
                    .learning_rate = tn::schedule::ExponentialDecay{.initial = std::stod(options.text("learning-rate")),
                                                                    .steps = steps_per_epoch,
                                                                    .rate = std::stod(options.text("decay"))},
                    .threads = options.number("threads"),
                    // With --checkpoint, a checkpoint after every epoch; run the same command
                    // again after an interruption and training goes on where it stopped.
                    .checkpoint = options.text("checkpoint"),
                    .resume = true});
  const tn::Score score = model.evaluate(test);
  std::cout << "Test loss: " << score.loss << "\nTest accuracy: " << score.accuracy << '\n';
  for (std::size_t c = 0; c < classes.size(); ++c)
    std::cout << "  " << classes[c] << ": precision " << score.confusion.precision(c) << ", recall "
              << score.confusion.recall(c) << '\n';
  if (const std::string path = options.text("save"); !path.empty()) {
    // The weights, and beside them the training curves and the test set's confusion matrix.
    const std::string stem = path.ends_with(".tnw") ? path.substr(0, path.size() - 4) : path;
    model.save(path);
    tn::write_training_curves_svg(stem + ".curves.svg", history);
    tn::write_confusion_matrix_svg(stem + ".confusion.svg", score.confusion, classes);
    std::cout << "Saved " << path << ", " << stem << ".curves.svg and " << stem << ".confusion.svg\n";
  }
  return 0;
}

int main(int argc, char** argv) try {
  const Options options(argc, argv,
                        {{"epochs", "10"}, {"batch-size", "32"}, {"threads", "0"}, {"seed", "1"},
                         {"learning-rate", "0.003"}, {"decay", "0.6"}, {"data", ""}, {"cifar", ""},
                         {"save", ""}, {"checkpoint", ""}},
                        "usage: seed_cnn [--epochs 10] [--batch-size 32] [--threads 0 (all)] [--seed 1]\n"
                        "                [--learning-rate 0.003] [--decay 0.6 (per epoch; 1: constant)]\n"
                        "                [--data FASHION_MNIST_DIR] [--cifar CIFAR10_BIN_DIR]\n"
                        "                [--save WEIGHTS.tnw (and WEIGHTS.curves.svg, WEIGHTS.confusion.svg)]\n"
                        "                [--checkpoint RUN.tnc (resumed when it exists)]");
  if (!options.text("cifar").empty()) {
    const auto data = tn::data::cifar10(options.text("cifar"));
    return train<CifarCnn>(data.train, data.test, options, tn::data::cifar10_classes);
  }
  const auto data = tn::data::fashion_mnist(options.text("data"));
  return train<FashionCnn>(data.train, data.test, options, tn::data::fashion_mnist_classes);
} catch (const std::exception& error) {
  std::cerr << "seed_cnn: " << error.what() << '\n';
  return 1;
}
