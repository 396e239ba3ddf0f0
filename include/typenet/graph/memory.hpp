// typenet/graph/memory.hpp: Memory, the bytes a model needs, every figure known at compile time.
#pragma once

#include <cstddef>

namespace typenet {

/// What a model allocates, in bytes: these are the sizes Model really allocates (its buffers
/// are sized from these same figures), not estimates.
struct Memory {
  std::size_t parameters = 0;            ///< weights and biases (each tensor padded to a cache line)
  std::size_t gradients = 0;             ///< one gradient per parameter
  std::size_t optimizer_state = 0;       ///< e.g. Adam's two moments
  std::size_t packed = 0;                ///< re-laid-out weights the kernels read (e.g. W transposed)
  std::size_t training_per_sample = 0;   ///< input, every layer's output and its gradient, target
  std::size_t inference_per_sample = 0;  ///< input and two ping-pong buffers of the largest layer
  std::size_t gradient_slot = 0;  ///< one parallel chunk's own gradient of its convolutions
  std::size_t batch_statistics = 0;      ///< BatchNormalization's batch statistics (doubles)
  std::size_t statistics_per_chunk = 0;  ///< and each parallel chunk's partial sums of them
  /// How many gradient slots a training run with batches of up to `batch` samples holds (one
  /// per parallel chunk).
  std::size_t (*chunk_count)(std::size_t batch) = nullptr;

  /// Everything a training run with mini-batches of `batch` samples holds.
  constexpr std::size_t training(std::size_t batch) const {
    return parameters + gradients + optimizer_state + packed + batch * training_per_sample +
           (chunk_count ? chunk_count(batch) : 0) * (gradient_slot + statistics_per_chunk) +
           (batch_statistics > 0 ? batch_statistics : 0);
  }
  /// Everything inference on `batch` samples at a time holds.
  constexpr std::size_t inference(std::size_t batch) const {
    return parameters + packed + batch * inference_per_sample;
  }
};

}  // namespace typenet
