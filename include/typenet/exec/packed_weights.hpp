// typenet/exec/packed_weights.hpp: PackedWeights<Net, S>, the kernels' re-laid-out copies of the parameters, refreshed in parallel.
#pragma once

#include <cstddef>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/exec/chunks.hpp>
#include <typenet/exec/forward.hpp>
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
    for_each_chunk(plan::pack_offsets[plan::layer_count],
                   [&](std::size_t task) { pack_part<Net>(params, packed_.data(), task); });
  }

 private:
  detail::AlignedBuffer<S> packed_;
  bool stale_ = false;
};

}  // namespace typenet::exec
