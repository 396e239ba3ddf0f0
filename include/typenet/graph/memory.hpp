// typenet/graph/memory.hpp: Memory, the bytes a model needs, every figure known at compile time.
#pragma once

#include <cstddef>

namespace typenet {

/// What a model allocates, in bytes: these are the sizes Model really allocates (its buffers
/// are sized from the same plan, exec::Plan), not estimates.
struct Memory {
  std::size_t parameters = 0;            ///< weights and biases (each tensor padded to a cache line)
  std::size_t gradients = 0;             ///< one gradient per parameter
  std::size_t optimizer_state = 0;       ///< e.g. Adam's two moments
  std::size_t packed = 0;                ///< re-laid-out weights the kernels read (e.g. W transposed)
  /// Training, per sample of the batch: what is kept for the whole batch (the outputs and
  /// gradients a layer's parameter gradient reads after it, the network's output, the target).
  std::size_t training_per_sample = 0;
  /// Training, per sample of a chunk running: the other outputs and gradients, what layers
  /// keep from forward to backward, the scratch area. Only the chunks running at a time (one
  /// per thread) have such an area.
  std::size_t training_in_flight = 0;
  std::size_t inference_per_sample = 0;  ///< input and two ping-pong buffers of the largest layer
  std::size_t gradient_slot = 0;  ///< one parallel chunk's own gradient of its convolutions
  std::size_t batch_statistics = 0;      ///< BatchNormalization's batch statistics (doubles)
  std::size_t statistics_per_chunk = 0;  ///< and each parallel chunk's partial sums of them
  /// How many chunks (gradient slots) a training run with batches of up to `batch` samples
  /// holds, and how many samples a chunk of such a batch has.
  std::size_t (*chunk_count)(std::size_t batch) = nullptr;
  std::size_t (*chunk_samples)(std::size_t batch) = nullptr;
  /// The bytes of the partial sums one task of the parameter gradients summed after the batch
  /// (Dense's) holds, for batches of up to `batch` samples: in a chunk work area, which is as
  /// large as the larger of this and a chunk's needs.
  std::size_t (*gradient_tree)(std::size_t batch) = nullptr;
  /// The bytes of the training workspace (batch and chunk regions, each padded to a cache
  /// line, gradient slots, statistics) for batches of up to `batch` samples on `threads`
  /// threads, and of the inference workspace for `batch` samples at a time: computed from the
  /// same plan (exec::Plan) the model allocates by, so the two agree by construction.
  std::size_t (*training_workspace)(std::size_t batch, std::size_t threads) = nullptr;
  std::size_t (*inference_workspace)(std::size_t batch) = nullptr;

  /// The chunk work areas a training run with batches of up to `batch` samples on `threads`
  /// threads holds: one per chunk that can run at a time.
  constexpr std::size_t work_areas(std::size_t batch, std::size_t threads) const {
    const std::size_t chunks = chunk_count ? chunk_count(batch) : 1;
    return chunks < threads ? chunks : threads;
  }

  /// The bytes of one chunk work area for batches of up to `batch` samples.
  constexpr std::size_t area(std::size_t batch) const {
    const std::size_t chunk = (chunk_samples ? chunk_samples(batch) : batch) * training_in_flight;
    const std::size_t tree = gradient_tree ? gradient_tree(batch) : 0;
    return chunk > tree ? chunk : tree;
  }
  /// Everything a training run with mini-batches of `batch` samples on `threads` threads holds
  /// (by default as many threads as the batch has chunks: the most it can hold).
  constexpr std::size_t training(std::size_t batch, std::size_t threads = std::size_t(-1)) const {
    if (training_workspace) return parameters + gradients + optimizer_state + packed + training_workspace(batch, threads);
    return parameters + gradients + optimizer_state + packed + batch * training_per_sample +
           work_areas(batch, threads) * area(batch) +
           (chunk_count ? chunk_count(batch) : 0) * (gradient_slot + statistics_per_chunk) +
           (batch_statistics > 0 ? batch_statistics : 0);
  }
  /// Everything inference on `batch` samples at a time holds.
  constexpr std::size_t inference(std::size_t batch) const {
    if (inference_workspace) return parameters + packed + inference_workspace(batch);
    return parameters + packed + batch * inference_per_sample;
  }
};

}  // namespace typenet
