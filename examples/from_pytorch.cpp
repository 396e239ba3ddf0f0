// examples/from_pytorch.cpp: the seed CNN trained in PyTorch (examples/from_pytorch.py), loaded into typenet, checked, fine-tuned and exported back (docs/interop.md).
#include <cmath>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include <typenet/io/safetensors.hpp>
#include <typenet/typenet.hpp>

#include "options.hpp"

namespace tn = typenet;

// The same network as PyTorch's nn.Sequential(Conv2d(1, 32, 3), ReLU(), MaxPool2d(2),
// Conv2d(32, 64, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(1600, 10)): typenet's Softmax is
// in PyTorch's loss, and changes no prediction. The Flatten's order (PyTorch: channels first)
// is taken care of by the import.
struct SeedCnn : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                                tn::Conv2D<64, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>,
                                tn::Softmax> {};

int main(int argc, char** argv) try {
  const Options options(argc, argv,
                        {{"weights", ""}, {"epochs", "1"}, {"threads", "0"}, {"data", ""}, {"export", ""},
                         {"predictions", ""}},
                        "usage: from_pytorch --weights PYTORCH.safetensors [--epochs 1 (of fine-tuning)]\n"
                        "                    [--threads 0 (all)] [--data FASHION_MNIST_DIR]\n"
                        "                    [--export OUT.safetensors (PyTorch's layout)]\n"
                        "                    [--predictions OUT.txt (the test set's classes, one a line)]");
  const std::string weights = options.text("weights");
  if (weights.empty()) throw tn::Error("--weights names the file examples/from_pytorch.py train wrote");
  const auto data = tn::data::fashion_mnist(options.text("data"));

  // 1. PyTorch's weights, in PyTorch's names and layouts; the report says what filled what.
  tn::Model<SeedCnn, tn::loss::CrossEntropy, tn::optim::Adam> model({.learning_rate = 1e-4f}, 1);
  std::cout << model.load_safetensors(weights, tn::Layout::pytorch).text();

  // 2. The same function: the test accuracy PyTorch measured (in the file's metadata) to 0.01 points.
  const double imported = model.evaluate(data.test).accuracy;
  std::cout << "typenet, PyTorch's weights: test accuracy " << imported << '\n';
  const tn::io::Safetensors file = tn::io::Safetensors::open(weights);
  for (const auto& [key, value] : file.metadata())
    if (key == "test_accuracy") {
      std::cout << "PyTorch measured " << value << '\n';
      if (std::abs(std::stod(value) - imported) > 1e-4) {
        std::cerr << "from_pytorch: typenet's accuracy differs from PyTorch's by more than 0.01 points\n";
        return 1;
      }
    }

  // 3. Fine-tuning in typenet, at a small learning rate.
  model.fit(data.train, {.epochs = options.number("epochs"), .batch_size = 32, .threads = options.number("threads")});
  std::cout << "typenet, after " << options.number("epochs") << " more epoch(s): test accuracy "
            << model.evaluate(data.test).accuracy << '\n';

  // 4. Back to PyTorch: the weights in its layout, and typenet's predictions to compare with
  // (examples/from_pytorch.py check).
  if (const std::string out = options.text("export"); !out.empty()) {
    model.save_safetensors(out, tn::Layout::pytorch);
    std::cout << "exported " << out << '\n';
  }
  if (const std::string out = options.text("predictions"); !out.empty()) {
    std::ofstream predictions(out);
    for (const std::size_t c : model.predict_classes(data.test)) predictions << c << '\n';
    if (!predictions.flush()) throw tn::Error(out + ": cannot write the predictions");
  }
  return 0;
} catch (const std::exception& error) {
  std::cerr << "from_pytorch: " << error.what() << '\n';
  return 1;
}
