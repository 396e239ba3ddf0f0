// examples/regularised_cnn.cpp: the seed CNN with the tutorial FAQ's remedies (batch normalisation, dropout, L2, a learning-rate schedule, early stopping) on Fashion-MNIST.
#include <algorithm>
#include <cmath>
#include <exception>
#include <iostream>
#include <string>

#include <typenet/typenet.hpp>

#include "options.hpp"

namespace tn = typenet;

// The seed network, each convolution L2-regularised and batch-normalised before its ReLU, and
// dropout before the classifier.
struct RegularisedCnn : tn::Sequential<tn::Input<28, 28, 1>,
                                       tn::Regularized<tn::Conv2D<32, 3, 3>, tn::L2<1, 10000>>,
                                       tn::BatchNormalization, tn::ReLU,
                                       tn::MaxPool2D<2, 2>,
                                       tn::Regularized<tn::Conv2D<64, 3, 3>, tn::L2<1, 10000>>,
                                       tn::BatchNormalization, tn::ReLU,
                                       tn::MaxPool2D<2, 2>,
                                       tn::Flatten,
                                       tn::Dropout<30>,
                                       tn::Dense<10>, tn::Softmax> {};

// Keras counts 34,826 for the seed network, plus 4 per channel of each BatchNormalization.
static_assert(RegularisedCnn::parameter_count == 34'826 + 4 * 32 + 4 * 64);

int main(int argc, char** argv) try {
  const Options options(argc, argv,
                        {{"epochs", "10"}, {"batch-size", "32"}, {"threads", "0"}, {"seed", "1"},
                         {"learning-rate", "0.003"}, {"decay", "0.7"}, {"data", ""}, {"out", "regularised_cnn"}},
                        "usage: regularised_cnn [--epochs 10] [--batch-size 32] [--threads 0 (all)] [--seed 1]\n"
                        "                       [--learning-rate 0.003] [--decay 0.7 (per epoch)]\n"
                        "                       [--data FASHION_MNIST_DIR] [--out PREFIX (PREFIX.tnw, .curves.svg,\n"
                        "                       .confusion.svg, .csv)]");
  const auto data = tn::data::fashion_mnist(options.text("data"));
  RegularisedCnn::summary();
  tn::Model<RegularisedCnn, tn::loss::CrossEntropy, tn::optim::Adam> model({}, options.number("seed"));
  const std::size_t batch = options.number("batch-size");
  // The last 3,000 training images validate (Keras's validation_split): early stopping watches
  // them, so the test set stays unseen until the end.
  const double split = 1.0 / 20;
  const double steps_per_epoch = std::ceil(double(data.train.size()) * (1 - split) / double(std::max<std::size_t>(batch, 1)));
  const std::string out = options.text("out");
  const tn::History history = model.fit(
      data.train, {.epochs = options.number("epochs"),
                   .batch_size = batch,
                   .seed = options.number("seed"),
                   .learning_rate = tn::schedule::ExponentialDecay{.initial = std::stod(options.text("learning-rate")),
                                                                   .steps = steps_per_epoch,
                                                                   .rate = std::stod(options.text("decay"))},
                   .threads = options.number("threads"),
                   .validation_split = split,
                   .early_stopping = tn::EarlyStopping{.monitor = {.name = "val_loss"}, .patience = 3,
                                                       .restore_best_weights = true},
                   .csv_log = out + ".csv"});
  const tn::Score score = model.evaluate(data.test);
  std::cout << "Test loss: " << score.loss << "\nTest accuracy: " << score.accuracy
            << "\nTop-2 accuracy: " << model.evaluate(data.test, 256, 2).top_k_accuracy << '\n';
  model.save(out + ".tnw");
  tn::write_training_curves_svg(out + ".curves.svg", history);
  tn::write_confusion_matrix_svg(out + ".confusion.svg", score.confusion, tn::data::fashion_mnist_classes);
  std::cout << "Saved " << out << ".tnw, .curves.svg, .confusion.svg and .csv\n";
  return 0;
} catch (const std::exception& error) {
  std::cerr << "regularised_cnn: " << error.what() << '\n';
  return 1;
}
