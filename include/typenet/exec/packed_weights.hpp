// typenet/exec/packed_weights.hpp: PackedWeights<Net, S>, the kernels' re-laid-out copies of the parameters, refreshed in parallel.
#pragma once

#include <cstddef>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/exec/chunks.hpp>
#include <typenet/exec/plan.hpp>

namespace typenet::exec {

/// What the kernels read instead of the parameters themselves (a convolution's transformed
/// kernels, a transposed Dense kernel), laid out as Plan::packed_offsets. Made from the
/// parameters after every optimizer step, and lazily after a write through a view of them.
template <class Net, class S>
class PackedWeights {
  using plan = Plan<Net>;

 public:
  PackedWeights() : packed_(plan::packed_block) {}

  const S* data() const { return packed_.data(); }

  /// The copy no longer follows the parameters: the next `sync` refreshes it.
  void mark_stale() { stale_ = true; }
  void sync(const S* params) {
    if (stale_) pack(params);
  }

  /// Every layer's packing parts (`pack_tasks`) in one parallel loop: it runs after each
  /// optimizer step, and one thread doing it all left the others waiting (the seed CNN's
  /// 2-thread training went from 1.82 to 1.94 times the 1-thread rate).
  void pack(const S* params) {
    stale_ = false;
    for_each_chunk(plan::pack_offsets[plan::layer_count], [&](std::size_t task) {
      plan::for_each_position([&](auto position) {
        constexpr std::size_t P = decltype(position)::value;
        if constexpr (plan::template pack_parts<P>() > 0) {
          using L = typename plan::template layer<P>;
          if (task < plan::pack_offsets[P - 1] || task >= plan::pack_offsets[P]) return;
          const S* block = params + Net::parameter_offsets[P - 1];
          S* packed = packed_.data() + plan::packed_offsets[P - 1];
          if constexpr (detail::packs_in_tasks<L>) L::pack(block, packed, task - plan::pack_offsets[P - 1]);
          else L::pack(block, packed);
        }
      });
    });
  }

 private:
  detail::AlignedBuffer<S> packed_;
  bool stale_ = false;
};

}  // namespace typenet::exec
