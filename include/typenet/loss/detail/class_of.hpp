// typenet/loss/detail/class_of.hpp: class_of and classified_right, the class an output or a target stands for.
#pragma once

#include <algorithm>
#include <cstddef>

namespace typenet::detail {

/// The class an output (or a target) of N values stands for: the first largest value, or for a
/// single output whether it is above `threshold` (0.5 for a probability and for targets; the
/// loss says, see loss_threshold: 0 for a raw score).
template <std::size_t N, class S>
std::size_t class_of(const S* y, S threshold = S(0.5)) {
  if constexpr (N == 1)
    return y[0] > threshold ? 1 : 0;
  else
    return std::size_t(std::max_element(y, y + N) - y);
}

/// Whether output y names the class of target t.
template <std::size_t N, class S>
bool classified_right(const S* y, const S* t, S threshold = S(0.5)) {
  return class_of<N>(y, threshold) == class_of<N>(t);
}

}  // namespace typenet::detail
