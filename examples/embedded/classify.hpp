// examples/embedded/classify.hpp: the classifier's loop, for a network whose weights are compiled in: 28x28 grey images read as raw bytes, one line printed for each.
//
// Each image is 784 bytes, row by row, 0 black and 255 white (Fashion-MNIST's pixels, without the
// IDX header): read from each file named on the command line, or one after the other from stdin.
// Prints one line for each: its number, its class, the class's name and its probability.
#pragma once

#include <array>
#include <cstddef>
#include <cstdio>
#include <span>

#include "fashion_cnn.hpp"

/// Classifies the images in `in` with `net` until it ends; false when it ends inside one.
template <class Predictor>
bool classify_images(Predictor& net, std::FILE* in, const char* name, std::size_t& count) {
  std::array<unsigned char, 784> pixels;
  std::array<float, 784> x;
  for (;;) {
    const std::size_t got = std::fread(pixels.data(), 1, pixels.size(), in);
    if (got == 0) return true;
    if (got != pixels.size()) {
      std::fprintf(stderr, "classify: %s ends inside an image (%zu of 784 bytes)\n", name, got);
      return false;
    }
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(pixels[i]) / 255.0f;
    const std::array<float, 10> p = net.predict(std::span<const float, 784>(x));
    std::size_t best = 0;
    for (std::size_t c = 1; c < p.size(); ++c)
      if (p[c] > p[best]) best = c;
    std::printf("%zu %zu %s %.9g\n", count++, best, fashion_classes[best], static_cast<double>(p[best]));
  }
}

/// The program: the files named in argv, or stdin.
template <class Predictor>
int classify_main(Predictor& net, int argc, char** argv) {
  std::size_t count = 0;
  if (argc < 2) return classify_images(net, stdin, "stdin", count) ? 0 : 1;
  for (int i = 1; i < argc; ++i) {
    std::FILE* file = std::fopen(argv[i], "rb");
    if (!file) {
      std::perror(argv[i]);
      return 1;
    }
    const bool whole = classify_images(net, file, argv[i], count);
    std::fclose(file);
    if (!whole) return 1;
  }
  return 0;
}
