// What test_weights and its child process (weights_child.cpp) share: the networks, the data,
// and the training run whose checkpoints are killed and resumed.
#pragma once

#include <cstdint>
#include <vector>

#include <typenet/typenet.hpp>

namespace typenet::testing {

/// Large enough (8.4 MB of parameters) that a save spends real time writing and flushing.
struct BigNet : Sequential<Input<1024>, Dense<2048>, ReLU, Dense<4>, Softmax> {};
using BigModel = Model<BigNet, loss::CrossEntropy, optim::Adam>;

struct SmallNet : Sequential<Input<32>, Dense<48>, ReLU, Dense<24>, Tanh, Dense<4>, Softmax> {};
using SmallModel = Model<SmallNet, loss::CrossEntropy, optim::Adam>;

/// A learnable four-class problem: the class is which quarter of the features sums largest.
inline data::Dataset<Shape<32>, Shape<4>> quarters(std::size_t n, std::uint64_t seed) {
  Random random(seed);
  std::vector<float> x(n * 32), t(n * 4, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    float sums[4] = {};
    for (std::size_t j = 0; j < 32; ++j) sums[j / 8] += x[i * 32 + j] = float(random.uniform(-1, 1));
    std::size_t best = 0;
    for (std::size_t c = 1; c < 4; ++c)
      if (sums[c] > sums[best]) best = c;
    t[i * 4 + best] = 1.0f;
  }
  return {std::move(x), std::move(t)};
}

inline constexpr std::size_t checkpoint_epochs = 30;

inline FitOptions<data::Dataset<Shape<32>, Shape<4>>> checkpoint_options(const std::string& checkpoint) {
  return {.epochs = checkpoint_epochs, .batch_size = 16, .seed = 5, .threads = 2, .verbose = false,
          .checkpoint = checkpoint, .checkpoint_every = 1, .resume = true};
}

}  // namespace typenet::testing
