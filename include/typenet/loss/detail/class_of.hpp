// typenet/loss/detail/class_of.hpp: class_of, output_class and classified_right: the class a target or an output stands for.
#pragma once

#include <algorithm>
#include <cstddef>

#include <typenet/loss/loss_concepts.hpp>

namespace typenet::detail {

/// The class a target (or an output) of N values stands for: the first largest value, or for a
/// single value whether it is above `threshold`.
template <std::size_t N, class S>
std::size_t class_of(const S* y, S threshold = S(0.5)) {
  if constexpr (N == 1)
    return y[0] > threshold ? 1 : 0;
  else
    return std::size_t(std::max_element(y, y + N) - y);
}

/// The class a network's output stands for under `Loss`: a single output is split at the
/// loss's threshold (0.5 for a probability, 0 for a raw score; see loss_threshold).
template <class Loss, std::size_t N, class S>
std::size_t output_class(const S* y) {
  return class_of<N>(y, S(loss_threshold<Loss>));
}

/// Whether output y names the class of target t.
template <class Loss, std::size_t N, class S>
bool classified_right(const S* y, const S* t) {
  return output_class<Loss, N>(y) == class_of<N>(t);
}

}  // namespace typenet::detail
