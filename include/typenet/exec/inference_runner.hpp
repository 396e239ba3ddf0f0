// typenet/exec/inference_runner.hpp: InferenceRunner<Net, S>, the forward pass alone, for one sample or a batch in parallel chunks.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/core/detail/compiler.hpp>
#include <typenet/exec/chunks.hpp>
#include <typenet/exec/forward.hpp>
#include <typenet/exec/plan.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::exec {

/// Runs samples through the network in inference mode (Dropout passes values through,
/// BatchNormalization uses its moving averages). Its workspace holds the input, the buffers
/// the layers write in turn, and the saved and scratch areas of the layer running, for
/// `capacity()` samples. `run` on one sample takes no TBB task, no lock and allocates nothing:
/// the seam for deployment and streaming.
template <class Net, class S>
class InferenceRunner {
  using plan = Plan<Net>;
  static constexpr std::size_t input_size = plan::input_size;
  static constexpr std::size_t output_size = plan::output_size;
  static constexpr std::size_t widest = plan::widest_output;
  static constexpr std::size_t layer_count = plan::layer_count;

 public:
  void reserve(std::size_t batch) {
    if (batch <= capacity_) return;
    buffer_.resize(plan::inference_elements(batch));
    capacity_ = batch;
  }
  std::size_t capacity() const { return capacity_; }
  std::size_t workspace_bytes() const { return buffer_.size() * sizeof(S); }

  /// Where sample i of the next run goes.
  S* input(std::size_t i = 0) { return area().input(i); }

  /// Runs samples [first, first + count) of the input through the network (exec/forward.hpp)
  /// and returns where their outputs are.
  const S* run(Weights<S> weights, std::size_t first, std::size_t count) {
    return forward_pass<Net>(weights, area(), first, count);
  }

  /// Runs the `count` samples from `first` of `data` through the network, `batch` at a time,
  /// each batch in parallel chunks; calls use(first sample, outputs, count) for each chunk, on
  /// its thread.
  template <class Data, class Use>
  void run_all(Weights<S> weights, const Data& data, std::size_t batch, Use&& use) {
    batch = std::min(batch, std::max<std::size_t>(data.size(), 1));
    reserve(batch);
    for (std::size_t first = 0; first < data.size(); first += batch) {
      const std::size_t samples = std::min(batch, data.size() - first);
      const Chunks chunks{samples, plan::samples_per_chunk(samples)};
      for_each_chunk(chunks.count(), [&](std::size_t c) {
        const std::size_t begin = chunks.first(c);
        const std::size_t length = chunks.length(c);
        for (std::size_t i = 0; i < length; ++i) data.input(first + begin + i).copy_to(input(begin + i));
        use(first + begin, run(weights, begin, length), length);
      });
    }
  }

 private:
  InferenceArea<Net, S> area() { return {buffer_.data(), capacity_}; }

  detail::AlignedBuffer<S> buffer_;
  std::size_t capacity_ = 0;
};

}  // namespace typenet::exec
