// typenet/train/regularization.hpp: the kernel penalties of Regularized layers: their sum and their gradient.
#pragma once

#include <cmath>
#include <cstddef>

#include <boost/hana/for_each.hpp>

#include <typenet/layers/regularized.hpp>

namespace typenet::detail {

/// Calls f.template operator()<Penalty>(offset, size) for each Regularized layer's kernel.
template <class Net, class F>
void for_each_penalised(F&& f) {
  std::size_t position = 0;
  boost::hana::for_each(Net::layers, [&](auto layer) {
    using L = decltype(layer);
    if constexpr (has_penalty<L>)
      f.template operator()<typename L::penalty>(Net::parameter_offsets[position], L::parameter_tensors[0].size);
    ++position;
  });
}

/// The sum of the kernel penalties (Keras's regularization losses), which fit and evaluate
/// add to the mean loss they report; 0 without any.
template <class Net, class S>
double penalty(const S* params) {
  double total = 0;
  for_each_penalised<Net>([&]<class P>(std::size_t offset, std::size_t size) {
    const S* w = params + offset;
    double l1 = 0, l2 = 0;
    for (std::size_t i = 0; i < size; ++i) {
      l1 += std::abs(double(w[i]));
      l2 += double(w[i]) * double(w[i]);
    }
    total += P::l1 * l1 + P::l2 * l2;
  });
  return total;
}

/// Adds the penalties' gradients to the kernels' (2 l2 w + l1 sign(w), sign(0) = 0, as
/// TensorFlow's).
template <class Net, class S>
void add_penalty_gradients(const S* params, S* grads) {
  for_each_penalised<Net>([&]<class P>(std::size_t offset, std::size_t size) {
    const S* w = params + offset;
    S* g = grads + offset;
    const S l1 = S(P::l1), twice_l2 = S(2 * P::l2);
    for (std::size_t i = 0; i < size; ++i) g[i] += twice_l2 * w[i] + l1 * S((w[i] > S{}) - (w[i] < S{}));
  });
}

}  // namespace typenet::detail
