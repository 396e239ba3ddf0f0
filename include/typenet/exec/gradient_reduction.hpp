// typenet/exec/gradient_reduction.hpp: sum_slots and sum_chunk_tree, the chunks' gradients summed in a fixed binary tree over chunk indices.
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

/// The buffers besides its result that sum_chunk_tree holds at once for `chunks` chunks: the
/// most partial sums of aligned blocks pending before a chunk (the most one bits of a chunk
/// index), the chunk's own values taking the next one.
constexpr std::size_t tree_levels(std::size_t chunks) {
  std::size_t most = 0;
  for (std::size_t c = 0; c < chunks; ++c) most = std::max<std::size_t>(most, std::size_t(std::popcount(c)));
  return most;
}

/// out[0, size) = the sum over chunks c < `chunks` of the values part(c, to) writes to `to`,
/// added in the tree of sum_slots (the same additions in the same order, so the same bits for
/// the same values), for values that are computed, not stored per chunk: each chunk's are made
/// when the tree needs them, into the next free buffer, `out` itself being the first. `levels`
/// holds tree_levels(chunks) buffers of `size` values, `stride` values apart.
template <class S, class Part>
void sum_chunk_tree(std::size_t chunks, std::size_t size, S* out, S* levels, std::size_t stride, Part&& part) {
  const auto buffer = [&](std::size_t k) { return k == 0 ? out : levels + (k - 1) * stride; };
  const auto add = [&](std::size_t into, std::size_t from) {
    S* a = buffer(into);
    const S* b = buffer(from);
    for (std::size_t i = 0; i < size; ++i) a[i] += b[i];
  };
  if (chunks == 0) {
    std::fill(out, out + size, S{});
    return;
  }
  std::size_t top = 0;  // the pending blocks' sums, on buffers 0 .. top - 1
  for (std::size_t c = 0; c < chunks; ++c) {
    part(c, buffer(top));
    // As in sum_slots: chunk c completes as many aligned blocks as c + 1 has trailing zeros.
    const std::size_t merges = std::size_t(std::countr_zero(c + 1));
    if (merges == 0) {
      ++top;
      continue;
    }
    for (std::size_t m = 1; m <= merges; ++m) add(top - m, top - m + 1);
    top -= merges - 1;
  }
  for (std::size_t k = top - 1; k > 0; --k) add(k - 1, k);
}

}  // namespace typenet::exec
