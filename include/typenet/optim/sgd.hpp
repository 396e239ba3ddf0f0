// typenet/optim/sgd.hpp: SGD, stochastic gradient descent with optional (Nesterov) momentum, as Keras defines it.
#pragma once

#include <cstddef>
#include <string_view>

namespace typenet::optim {

/// The settings of SGD, with Keras's defaults.
struct SGDOptions {
  float learning_rate = 0.01f;
  float momentum = 0.0f;
  bool nesterov = false;
};

/// Keras's SGD: with momentum m, v = m v - lr g and w += v (Nesterov: w += m v - lr g);
/// without momentum, w -= lr g.
struct SGD {
  using Options = SGDOptions;
  static constexpr std::string_view name = "SGD";
  /// Values kept per parameter: the velocity (allocated even when momentum is 0, so that a
  /// model's memory does not depend on a run-time option).
  static constexpr std::size_t slots = 1;

  Options options;
  std::size_t iterations = 0;

  explicit SGD(Options o = {}) : options(o) {}

  /// Called once per step, before any `update`.
  void begin_step() { ++iterations; }

  /// Updates parameters [begin, end); `state` holds `slots` arrays of `stride` values.
  template <class S>
  void update(S* w, const S* g, S* state, std::size_t stride, std::size_t begin, std::size_t end) const {
    (void)stride;
    const S lr = S(options.learning_rate);
    const S m = S(options.momentum);
    S* v = state;
    if (options.momentum == 0.0f) {
      for (std::size_t i = begin; i < end; ++i) w[i] -= lr * g[i];
    } else if (options.nesterov) {
      for (std::size_t i = begin; i < end; ++i) {
        v[i] = m * v[i] - lr * g[i];
        w[i] += m * v[i] - lr * g[i];
      }
    } else {
      for (std::size_t i = begin; i < end; ++i) {
        v[i] = m * v[i] - lr * g[i];
        w[i] += v[i];
      }
    }
  }
};

}  // namespace typenet::optim
