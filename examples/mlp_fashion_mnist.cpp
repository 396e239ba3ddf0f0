// examples/mlp_fashion_mnist.cpp: a multi-layer perceptron trained on Fashion-MNIST, the README's first example.
#include <exception>
#include <iostream>

#include <typenet/typenet.hpp>

#include "options.hpp"

namespace tn = typenet;

// The network is a type: 28x28 grey images, flattened, a hidden layer of 128 ReLU units and a
// softmax over the 10 classes. Every shape below is checked by the compiler.
struct Mlp : tn::Sequential<tn::Input<28, 28, 1>,
                            tn::Flatten,
                            tn::Dense<128>, tn::ReLU,
                            tn::Dense<10>, tn::Softmax> {};

// Compile-time facts: the same figures Keras's model.summary() prints.
static_assert(Mlp::output_shape == tn::Shape<10>{});
static_assert(Mlp::parameter_count == 101'770);

int main(int argc, char** argv) try {
  const Options options(argc, argv, {{"epochs", "5"}, {"batch-size", "32"}, {"threads", "0"}, {"seed", "1"}, {"data", ""}},
                        "usage: mlp_fashion_mnist [--epochs 5] [--batch-size 32] [--threads 0 (all)] [--seed 1] [--data DIR]");

  Mlp::summary();

  // Finds the data: --data, else $TYPENET_FASHION_MNIST, else Debian's dataset-fashion-mnist.
  const auto data = tn::data::fashion_mnist(options.text("data"));

  // Loss, optimizer and scalar type are chosen here; Adam takes Keras's defaults.
  tn::Model<Mlp, tn::loss::CrossEntropy, tn::optim::Adam> model({.learning_rate = 1e-3f}, options.number("seed"));

  model.fit(data.train, {.epochs = options.number("epochs"),
                         .batch_size = options.number("batch-size"),
                         .seed = options.number("seed"),
                         .validation = &data.test,
                         .threads = options.number("threads")});

  const tn::Score score = model.evaluate(data.test);
  std::cout << "Test loss: " << score.loss << "\nTest accuracy: " << score.accuracy << '\n';
} catch (const std::exception& error) {
  std::cerr << "mlp_fashion_mnist: " << error.what() << '\n';
  return 1;
}
