// typenet/train/detail/update.hpp: update_parameters, one optimizer step over a network's trainable tensors in parallel pieces.
#pragma once

#include <algorithm>
#include <cstddef>

#include <typenet/exec/chunks.hpp>
#include <typenet/exec/plan.hpp>

namespace typenet::detail {

/// The optimizer's update of `params` from `grads` (its `state` beside them), in parallel
/// pieces of the block, only over the trainable tensors: a moving average is its layer's, not
/// the optimizer's. Each value is updated by the same code whatever piece it falls in.
template <class Net, class Optimizer, class S>
void update_parameters(Optimizer& optimizer, S* params, const S* grads, S* state) {
  using plan = exec::Plan<Net>;
  constexpr std::size_t piece = 4096;  // elements per update task; a multiple of every vector width
  optimizer.begin_step();
  exec::for_each_chunk((Net::parameter_block + piece - 1) / piece, [&](std::size_t c) {
    const std::size_t begin = c * piece, end = std::min(Net::parameter_block, (c + 1) * piece);
    for (std::size_t r = 0; r < plan::trainable.count; ++r) {
      const auto [from, to] = plan::trainable.ranges[r];
      if (to <= begin || from >= end) continue;
      optimizer.update(params, grads, state, Net::parameter_block, std::max(from, begin), std::min(to, end));
    }
  });
}

}  // namespace typenet::detail
