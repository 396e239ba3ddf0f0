// typenet/exec/inference_runner.hpp: InferenceRunner<Net, S>, the forward pass alone, for one sample or a batch in parallel chunks.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/core/detail/compiler.hpp>
#include <typenet/exec/chunks.hpp>
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
  S* input(std::size_t i = 0) { return buffer_.data() + i * input_size; }

  /// Runs samples [first, first + count) of the input through the network and returns where
  /// their outputs are. Each chunk owns a slice of `widest` values per sample in both
  /// buffers, whatever the layer, so chunks on other threads never share memory.
  /// Never inlined: one copy of the forward pass serves predict and every run_all (a call per
  /// sample or chunk costs nothing beside a pass).
  TYPENET_NOINLINE const S* run(Weights<S> weights, std::size_t first, std::size_t count) {
    plan::for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      if constexpr (!plan::fused_forward[P - 1]) {
        using L = typename plan::template layer<P>;
        Pass<S> pass{weights.params + Net::parameter_offsets[P - 1], weights.packed + plan::packed_offsets[P - 1],
                     false, saved() + first * plan::largest_inference_saved,
                     scratch() + first * plan::largest_inference_scratch};
        pass.relu = plan::fused_forward[P];
        S* out = output(plan::fused_forward[P] ? P + 1 : P, first);
        if constexpr (detail::is_merge<L>) {
          constexpr auto& sources = Net::template node<P - 1>::sources;
          std::array<const S*, sources.size()> xs{};
          for (std::size_t k = 0; k < sources.size(); ++k) xs[k] = output(sources[k], first);
          L::merge_forward(pass, xs.data(), out, count);
        } else {
          L::forward(pass, output(plan::source[P], first), out, count);
        }
      }
    });
    return output(layer_count, first);
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
  /// Where the output of position p (0: the input) is, from sample `first` on.
  S* output(std::size_t p, std::size_t first) {
    return p == 0 ? input(first) : buffer(plan::inference_slots.slot[p]) + first * widest;
  }
  S* buffer(std::size_t which) {
    return buffer_.data() + detail::align_elements(capacity_ * input_size) +
           which * detail::align_elements(capacity_ * widest);
  }
  S* saved() { return buffer(plan::inference_slots.count); }
  S* scratch() { return saved() + detail::align_elements(capacity_ * plan::largest_inference_saved); }

  detail::AlignedBuffer<S> buffer_;
  std::size_t capacity_ = 0;
};

}  // namespace typenet::exec
