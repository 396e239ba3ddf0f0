// typenet/exec/forward.hpp: forward_pass<Net>, the inference pass over a workspace laid out by the plan: what InferenceRunner and Predictor share.
#pragma once

#include <array>
#include <cstddef>

#include <typenet/core/detail/compiler.hpp>
#include <typenet/exec/plan.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::exec {

/// How a packed block is laid out: as the model keeps it for training and inference alike
/// (Plan::packed_offsets), or for inference alone (Plan::inference_packed_offsets: Predictor).
enum class Packing { training, inference };

template <class Net, Packing Layout>
inline constexpr const auto& packed_offsets =
    Layout == Packing::training ? Plan<Net>::packed_offsets : Plan<Net>::inference_packed_offsets;
template <class Net, Packing Layout>
inline constexpr const auto& pack_offsets =
    Layout == Packing::training ? Plan<Net>::pack_offsets : Plan<Net>::inference_pack_offsets;

/// Where an inference workspace of `capacity` samples (Plan::inference_elements(capacity)
/// elements, from `base`) keeps the input, the buffers the layers write in turn, and the saved
/// and scratch areas of the layer running. Each sample owns `widest` values of every buffer,
/// whatever the layer, so samples run on other threads never share memory.
template <class Net, class S>
struct InferenceArea {
  using plan = Plan<Net>;
  S* base;
  std::size_t capacity;

  S* input(std::size_t first) const { return base + first * plan::input_size; }
  /// Where the output of position p (0: the input) is, from sample `first` on.
  S* output(std::size_t p, std::size_t first) const {
    return p == 0 ? input(first) : buffer(plan::inference_slots.slot[p]) + first * plan::widest_output;
  }
  S* buffer(std::size_t which) const {
    return base + detail::align_elements(capacity * plan::input_size) +
           which * detail::align_elements(capacity * plan::widest_output);
  }
  S* saved() const { return buffer(plan::inference_slots.count); }
  S* scratch() const { return saved() + detail::align_elements(capacity * plan::largest_inference_saved); }
};

/// Runs samples [first, first + count) of `area`'s input through the network in inference mode
/// (Dropout passes values through, BatchNormalization uses its moving averages) and returns
/// where their outputs are. No TBB task, no lock, no allocation, no exception: the one forward
/// pass that Model::predict, its batches and the deployment profile's Predictor all run, so
/// their results are bitwise the same. Never inlined: one copy serves every caller of a layout.
template <class Net, Packing Layout = Packing::training, class S>
TYPENET_NOINLINE const S* forward_pass(Weights<S> weights, InferenceArea<Net, S> area, std::size_t first,
                                       std::size_t count) noexcept {
  using plan = Plan<Net>;
  plan::for_each_position([&](auto position) {
    constexpr std::size_t P = decltype(position)::value;
    if constexpr (!plan::fused_forward[P - 1]) {
      using L = typename plan::template layer<P>;
      Pass<S> pass{weights.params + Net::parameter_offsets[P - 1],
                   weights.packed + packed_offsets<Net, Layout>[P - 1], false,
                   area.saved() + first * plan::largest_inference_saved,
                   area.scratch() + first * plan::largest_inference_scratch};
      pass.relu = plan::fused_forward[P];
      S* out = area.output(plan::fused_forward[P] ? P + 1 : P, first);
      if constexpr (detail::is_merge<L>) {
        constexpr auto& sources = Net::template node<P - 1>::sources;
        std::array<const S*, sources.size()> xs{};
        for (std::size_t k = 0; k < sources.size(); ++k) xs[k] = area.output(sources[k], first);
        L::merge_forward(pass, xs.data(), out, count);
      } else {
        L::forward(pass, area.output(plan::source[P], first), out, count);
      }
    }
  });
  return area.output(plan::layer_count, first);
}

/// Writes packing part `task` (of pack_offsets<Net, Layout>[layer_count]) of the kernels'
/// re-laid-out copy of `params` (transformed convolution kernels, a transposed Dense kernel)
/// into `packed` (laid out as packed_offsets<Net, Layout>). PackedWeights runs the parts as
/// parallel tasks; Predictor runs them in turn on its own thread.
template <class Net, Packing Layout = Packing::training, class S>
void pack_part(const S* params, S* packed, std::size_t task) noexcept {
  using plan = Plan<Net>;
  constexpr auto& parts = pack_offsets<Net, Layout>;
  plan::for_each_position([&](auto position) {
    constexpr std::size_t P = decltype(position)::value;
    if constexpr (Layout == Packing::training ? plan::template pack_parts<P>() > 0
                                              : plan::template packed_for_forward<P>) {
      using L = typename plan::template layer<P>;
      if (task < parts[P - 1] || task >= parts[P]) return;
      const S* block = params + Net::parameter_offsets[P - 1];
      S* to = packed + packed_offsets<Net, Layout>[P - 1];
      if constexpr (detail::packs_in_tasks<L>) L::pack(block, to, task - parts[P - 1]);
      else L::pack(block, to);
    }
  });
}

}  // namespace typenet::exec
