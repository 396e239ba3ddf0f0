// typenet/layers/simple_rnn.hpp: SimpleRNN<Units, Return>, the fully connected recurrent layer h_t = tanh(x_t W + h_{t-1} U + b) (Keras `SimpleRNN`).
#pragma once

#include <cstddef>
#include <string_view>

#include <typenet/core/vector_math.hpp>
#include <typenet/layers/detail/recurrent.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

namespace detail {
struct SimpleRnnCell {
  static constexpr std::string_view name = "SimpleRNN";
  static constexpr std::size_t gates = 1;
  static constexpr bool reset_after = false, carry = false;
  static constexpr Init bias_init = Init::zeros;

  /// One block of units: g x W + h U + b in, h_t out (and returned).
  template <class S>
  TYPENET_INLINE static vec<S> block(vec<S> (&g)[gates], const vec<S> (&)[gates], vec<S>, vec<S>&) {
    g[0] = tanh<S>(g[0]);
    return g[0];
  }
  template <std::size_t U, class S>
  static void step_back(S* act, S*, const S*, const S*, const S*, S* dh, S*) {
    for (std::size_t j = 0; j < U; ++j) act[j] = dh[j] * (S{1} - act[j] * act[j]);
  }
};
}  // namespace detail

/// Keras's SimpleRNN(units) with its defaults: tanh, a bias, the state starting at zero. W is
/// (features, Units), U (Units, Units), b (Units); Glorot-uniform W, orthogonal U, zero b.
/// Return::sequences outputs (steps, Units), every step's state; by default only the last (Units).
template <std::size_t Units, Return Returns = Return::last_step>
struct SimpleRNN : detail::Recurrent<SimpleRNN<Units, Returns>, detail::SimpleRnnCell, Units, Returns> {};

}  // namespace typenet
