// test/infer/embedded_reference.cpp: what examples/embedded/classify prints, computed by Model::predict on the weight file loaded at run time (a typenet weight file, or PyTorch's state_dict as a .safetensors file): the embedded program must print the same, line for line.
#include <typenet/typenet.hpp>

#include <array>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <span>
#include <string>

#include "../../examples/embedded/fashion_cnn.hpp"

namespace tn = typenet;

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: embedded_reference WEIGHTS.tnw|PYTORCH.safetensors < IMAGES\n");
    return 2;
  }
  tn::Model<FashionCnn, tn::loss::CrossEntropy, tn::optim::Adam> model;
  const std::string path = argv[1];
  if (path.ends_with(".safetensors"))
    model.load_safetensors(path, tn::Layout::pytorch);
  else
    model.load(path);
  std::array<unsigned char, 784> pixels;
  std::array<float, 784> x;
  for (std::size_t count = 0; std::fread(pixels.data(), 1, pixels.size(), stdin) == pixels.size(); ++count) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(pixels[i]) / 255.0f;
    const std::array<float, 10> p = model.predict(std::span<const float, 784>(x));
    std::size_t best = 0;
    for (std::size_t c = 1; c < p.size(); ++c)
      if (p[c] > p[best]) best = c;
    std::printf("%zu %zu %s %.9g\n", count, best, fashion_classes[best], static_cast<double>(p[best]));
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "embedded_reference: %s\n", e.what());
  return 1;
}
