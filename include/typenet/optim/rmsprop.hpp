// typenet/optim/rmsprop.hpp: RMSprop, root-mean-square propagation with Keras's defaults and update rule.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/core/error.hpp>

namespace typenet::optim {

/// The settings of RMSprop, with Keras's defaults.
struct RMSpropOptions {
  float learning_rate = 1e-3f;
  float rho = 0.9f;       ///< discount of the running averages
  float momentum = 0.0f;  ///< 0: no momentum (Keras tracks momentum only when momentum > 0)
  float epsilon = 1e-7f;
  bool centered = false;  ///< divide by the estimated variance of the gradient, not its second moment
};

/// Keras's RMSprop (plain momentum, not Nesterov): per parameter,
///     v = rho v + (1 - rho) g^2
///     centered: a = rho a + (1 - rho) g,  d = v - a^2 + epsilon;  otherwise d = v + epsilon
///     increment = lr g / sqrt(d)
///     momentum > 0: m = momentum m + increment, w -= m;  otherwise w -= increment.
/// Epsilon sits inside the square root, as in Keras (Adam puts it outside).
struct RMSprop {
  using Options = RMSpropOptions;
  static constexpr std::string_view name = "RMSprop";
  /// Values kept per parameter: the velocity v, the momentum m and the average gradient a. All
  /// three are allocated whatever the options, so that a model's memory and its checkpoints do
  /// not depend on run-time settings; unused slots stay 0.
  static constexpr std::size_t slots = 3;

  Options options;
  std::size_t iterations = 0;

  /// Refuses what Keras refuses: rho or momentum outside [0, 1], epsilon not positive.
  explicit RMSprop(Options o = {}) : options(o) {
    const auto refuse = [](const char* what, float value) {
      throw Error(std::string("RMSprop: ") + what + ", got " + std::to_string(value));
    };
    if (!(o.rho >= 0.0f && o.rho <= 1.0f)) refuse("rho must be in [0, 1]", o.rho);
    if (!(o.momentum >= 0.0f && o.momentum <= 1.0f)) refuse("momentum must be in [0, 1]", o.momentum);
    if (!(o.epsilon > 0.0f)) refuse("epsilon must be positive", o.epsilon);
  }

  /// Called once per step, before any `update`.
  void begin_step() { ++iterations; }

  /// Updates parameters [begin, end); `state` holds `slots` arrays of `stride` values.
  template <class S>
  void update(S* w, const S* g, S* state, std::size_t stride, std::size_t begin, std::size_t end) const {
    // One loop per combination, so that each stays branch-free and vectorises.
    const bool momentum = options.momentum > 0.0f;
    if (options.centered) {
      if (momentum) run<true, true>(w, g, state, stride, begin, end);
      else run<true, false>(w, g, state, stride, begin, end);
    } else {
      if (momentum) run<false, true>(w, g, state, stride, begin, end);
      else run<false, false>(w, g, state, stride, begin, end);
    }
  }

 private:
  template <bool Centered, bool Momentum, class S>
  void run(S* w, const S* g, S* state, std::size_t stride, std::size_t begin, std::size_t end) const {
    S* v = state;
    S* m = state + stride;
    S* a = state + 2 * stride;
    const S lr = S(options.learning_rate);
    const S rho = S(options.rho);
    const S one_minus_rho = S(1) - rho;
    const S mu = S(options.momentum);
    const S eps = S(options.epsilon);
    for (std::size_t i = begin; i < end; ++i) {
      v[i] = rho * v[i] + one_minus_rho * (g[i] * g[i]);
      S denominator;
      if constexpr (Centered) {
        a[i] = rho * a[i] + one_minus_rho * g[i];
        denominator = v[i] - a[i] * a[i] + eps;
      } else {
        denominator = v[i] + eps;
      }
      const S increment = lr * g[i] / std::sqrt(denominator);
      if constexpr (Momentum) {
        m[i] = mu * m[i] + increment;
        w[i] -= m[i];
      } else {
        w[i] -= increment;
      }
    }
  }
};

}  // namespace typenet::optim
