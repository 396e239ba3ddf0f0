// examples/embedded/classify.cpp: the seed CNN with its trained weights compiled into the program (typenet-embed, Embedded), classifying 28x28 grey images with no file to read at run time.
//
// Each image is 784 bytes, row by row, 0 black and 255 white (Fashion-MNIST's pixels, without the
// IDX header): read from each file named on the command line, or one after the other from stdin.
// Prints one line for each: its number, its class, the class's name and its probability.
// Built with -fno-exceptions -fno-rtti against the deployment profile alone: no typenet library,
// no TBB (docs/deploying.md).
#include <typenet/infer.hpp>

#include <array>
#include <cstddef>
#include <cstdio>
#include <span>

#include "fashion_cnn.hpp"
#include "seed_cnn_weights.hpp"  // written at build time by typenet-embed from seed_cnn.tnw

namespace tn = typenet;

// Static: the predictor holds its packed kernels and its workspace (about 1 MB), too much for a
// stack. Its weights are seed_cnn_weights' read-only data, used in place.
static tn::Embedded<FashionCnn, seed_cnn_weights> net;

/// Classifies the images in `in` until it ends; false when it ends inside one.
static bool classify(std::FILE* in, const char* name, std::size_t& count) {
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

int main(int argc, char** argv) {
  std::size_t count = 0;
  if (argc < 2) return classify(stdin, "stdin", count) ? 0 : 1;
  for (int i = 1; i < argc; ++i) {
    std::FILE* file = std::fopen(argv[i], "rb");
    if (!file) {
      std::perror(argv[i]);
      return 1;
    }
    const bool whole = classify(file, argv[i], count);
    std::fclose(file);
    if (!whole) return 1;
  }
  return 0;
}
