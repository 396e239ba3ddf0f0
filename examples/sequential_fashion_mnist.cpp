// examples/sequential_fashion_mnist.cpp: Fashion-MNIST read as sequences: each image 28 steps of 28 pixels, an LSTM (or GRU) of 128 units, then Dense(10).
#include <exception>
#include <stdexcept>
#include <iostream>
#include <string>

#include <typenet/typenet.hpp>

#include "options.hpp"

namespace tn = typenet;

// Each image is a sequence of 28 rows of 28 pixels (Input<steps, features>): the recurrent layer
// reads a row per step and hands its last state to the classifier. The same network in Keras:
//   Sequential([Input((28, 28)), LSTM(128), Dense(10, activation="softmax")])
struct Lstm : tn::Sequential<tn::Input<28, 28>, tn::LSTM<128>, tn::Dense<10>, tn::Softmax> {};
struct Gru : tn::Sequential<tn::Input<28, 28>, tn::GRU<128>, tn::Dense<10>, tn::Softmax> {};

// Keras's model.summary() prints the same parameter counts.
static_assert(Lstm::parameter_count == 4 * (28 * 128 + 128 * 128 + 128) + 128 * 10 + 10);  // 81,674
static_assert(Gru::parameter_count == 3 * (28 * 128 + 128 * 128 + 2 * 128) + 128 * 10 + 10);  // 61,706

template <class Net>
void train(const Options& options) {
  Net::summary();
  // The images as (28, 28) sequences: the same bytes as the (28, 28, 1) images.
  const auto images = tn::data::fashion_mnist(options.text("data"));
  const auto train_set = images.train.reshape<tn::Shape<28, 28>>();
  const auto test_set = images.test.reshape<tn::Shape<28, 28>>();
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model({.learning_rate = 1e-3f}, options.number("seed"));
  const tn::History history = model.fit(train_set, {.epochs = options.number("epochs"),
                                                    .batch_size = options.number("batch-size"),
                                                    .seed = options.number("seed"),
                                                    .validation = options.number("validate") ? &test_set : nullptr,
                                                    .threads = options.number("threads")});
  double seconds = 0;
  for (const tn::EpochLog& epoch : history.epochs) seconds += epoch.seconds;
  const tn::Score score = model.evaluate(test_set);
  std::cout << "Test loss: " << score.loss << "\nTest accuracy: " << score.accuracy << "\nTraining: "
            << double(history.epochs.size() * train_set.size()) / seconds << " images/s"
            << (options.number("validate") ? " (validation included)" : "") << '\n';
}

int main(int argc, char** argv) try {
  const Options options(argc, argv,
                        {{"cell", "lstm"}, {"epochs", "5"}, {"batch-size", "32"}, {"threads", "0"}, {"seed", "1"},
                         {"validate", "1"}, {"data", ""}},
                        "usage: sequential_fashion_mnist [--cell lstm|gru] [--epochs 5] [--batch-size 32] "
                        "[--threads 0 (all)] [--seed 1] [--validate 1] [--data DIR]");
  const std::string cell = options.text("cell");
  if (cell == "lstm") train<Lstm>(options);
  else if (cell == "gru") train<Gru>(options);
  else throw std::runtime_error("--cell takes lstm or gru, not '" + cell + "'");
} catch (const std::exception& error) {
  std::cerr << "sequential_fashion_mnist: " << error.what() << '\n';
  return 1;
}
