// typenet/layers/lstm.hpp: LSTM<Units, Return>, the long short-term memory layer (Keras `LSTM`, PyTorch `nn.LSTM`).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

#include <typenet/core/vector_math.hpp>
#include <typenet/layers/detail/recurrent.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

namespace detail {
/// Gates in Keras's order i, f, c, o, their inputs x W + h U + b in act:
///   i = sigmoid, f = sigmoid, g = tanh, o = sigmoid; c_t = f c_{t-1} + i g; h_t = o tanh(c_t).
struct LstmCell {
  static constexpr std::string_view name = "LSTM";
  static constexpr std::size_t gates = 4;
  static constexpr bool reset_after = false, carry = true;
  static constexpr Init bias_init = Init::unit_forget_bias;

  /// One block of units: g the gates' inputs in, their activations i, f, g, o out; c c_{t-1} in,
  /// c_t out. Returns h_t.
  template <class S>
  TYPENET_INLINE static vec<S> block(vec<S> (&g)[gates], const vec<S> (&)[gates], vec<S>, vec<S>& c) {
    g[0] = logistic<S>(g[0]);
    g[1] = logistic<S>(g[1]);
    g[2] = tanh<S>(g[2]);
    g[3] = logistic<S>(g[3]);
    c = g[1] * c + g[0] * g[2];
    return tanh<S>(c) * g[3];
  }
  /// act: the gates in, the gradients at their inputs out. dh: the gradient at h_t in. dc: the
  /// gradient reaching c_t from step t + 1 in, the one reaching c_{t-1} out.
  template <std::size_t U, class S>
  static void step_back(S* act, S*, const S*, const S* cp, const S* c, S* dh, S* dc) {
    alignas(64) S tanh_c[U];
    std::copy(c, c + U, tanh_c);
    tanh_in_place(tanh_c, U);  // as the forward pass computed it
    for (std::size_t j = 0; j < U; ++j) {
      const S i = act[j], f = act[U + j], g = act[2 * U + j], o = act[3 * U + j];
      const S tc = tanh_c[j];
      const S dct = dc[j] + dh[j] * o * (S{1} - tc * tc);
      act[j] = dct * g * i * (S{1} - i);
      act[U + j] = dct * cp[j] * f * (S{1} - f);
      act[2 * U + j] = dct * i * (S{1} - g * g);
      act[3 * U + j] = dh[j] * tc * o * (S{1} - o);
      dc[j] = dct * f;
    }
  }
};
}  // namespace detail

/// Keras's LSTM(units) with its defaults (tanh, sigmoid gates, unit_forget_bias=True, state
/// and carry starting at zero): W is (features, 4 Units), U (Units, 4 Units), b (4 Units), gates
/// in the order i, f, c, o (PyTorch's nn.LSTM has the same order and two biases, whose sum is
/// b). Glorot-uniform W, orthogonal U, b zero but ones for the forget gate. Return::sequences
/// outputs (steps, Units).
template <std::size_t Units, Return Returns = Return::last_step>
struct LSTM : detail::Recurrent<LSTM<Units, Returns>, detail::LstmCell, Units, Returns> {};

}  // namespace typenet
