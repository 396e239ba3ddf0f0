// typenet/exec/gradient_reduction.hpp: sum_slots, the sum of the chunks' gradient slots in a fixed order.
#pragma once

#include <cstddef>

namespace typenet::exec {

/// out[i] = the sum over chunks c < `chunks` of slots[c * stride + i], for i in [from, to), in
/// chunk order: the order depends only on the chunk count, never on the threads.
template <class S>
void sum_slots(const S* slots, std::size_t stride, std::size_t chunks, std::size_t from, std::size_t to, S* out) {
  for (std::size_t i = from; i < to; ++i) out[i] = slots[i];
  for (std::size_t c = 1; c < chunks; ++c) {
    const S* slot = slots + c * stride;
    for (std::size_t i = from; i < to; ++i) out[i] += slot[i];
  }
}

}  // namespace typenet::exec
