// typenet/exec/gradient_reduction.hpp: sum_slots, the chunks' gradient slots summed in a fixed binary tree over chunk indices.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>

namespace typenet::exec {

/// out[i] = the sum over chunks c < `chunks` of slots[c * stride + i], for i in [from, to),
/// summed as a fixed binary tree over the chunk indices: level by level, chunk c takes in
/// chunk c + 2^k for every c that is a multiple of 2^(k+1) (with 8 chunks: (0+1)+(2+3) and
/// (4+5)+(6+7), then the two). The tree's shape depends only on the chunk count, never on the
/// threads; each aligned block of 2^k chunks is a subtree whose sum does not depend on the
/// rest, so blocks can be summed elsewhere (other processes) and give the same bits.
template <class S>
void sum_slots(const S* slots, std::size_t stride, std::size_t chunks, std::size_t from, std::size_t to, S* out) {
  // The tree evaluated as a binary counter over the chunks, a block of values at a time: the
  // partial sums of the aligned blocks completed so far sit on a small stack in L1, so every
  // slot is read once and `out` written once, as a sum in chunk order would.
  constexpr std::size_t block = 128, depth = 32;  // 16 KiB of floats; chunks < 2^31
  if (chunks == 0) {
    std::fill(out + from, out + to, S{});
    return;
  }
  alignas(64) S stack[depth][block];
  for (std::size_t first = from; first < to; first += block) {
    const std::size_t width = std::min(block, to - first);
    std::size_t top = 0;
    for (std::size_t c = 0; c < chunks; ++c) {
      const S* slot = slots + c * stride + first;
      // Chunk c completes as many aligned blocks as c + 1 has trailing zero bits: its value
      // joins the block on the top of the stack, which joins the one below, and so on.
      const std::size_t merges = std::size_t(std::countr_zero(c + 1));
      if (merges == 0) {
        std::copy(slot, slot + width, stack[top++]);
        continue;
      }
      for (std::size_t i = 0; i < width; ++i) stack[top - 1][i] += slot[i];
      for (std::size_t m = 2; m <= merges; ++m)
        for (std::size_t i = 0; i < width; ++i) stack[top - m][i] += stack[top - m + 1][i];
      top -= merges - 1;
    }
    // The incomplete blocks left, largest first: each takes in the sum of those after it.
    for (std::size_t k = top - 1; k > 0; --k)
      for (std::size_t i = 0; i < width; ++i) stack[k - 1][i] += stack[k][i];
    std::copy(stack[0], stack[0] + width, out + first);
  }
}

}  // namespace typenet::exec
