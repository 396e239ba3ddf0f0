// typenet/optim/adamw.hpp: AdamW, Adam with decoupled weight decay, with Keras's defaults and update rule.
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

namespace typenet::optim {

/// The settings of AdamW, with Keras's defaults.
struct AdamWOptions {
  float learning_rate = 1e-3f;
  float weight_decay = 0.004f;
  float beta_1 = 0.9f;
  float beta_2 = 0.999f;
  float epsilon = 1e-7f;
};

/// Keras's AdamW (Loshchilov and Hutter's decoupled weight decay): at step t, first
///     w = w - w * weight_decay * lr
/// then Adam's step with the unchanged gradient (the decay is not added to it, so it does not
/// enter the moments):
///     alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)
///     m += (g - m)(1 - beta_1);  v += (g^2 - v)(1 - beta_2);  w -= alpha m / (sqrt(v) + epsilon).
/// As in Keras, every parameter decays, biases included (Keras excludes a variable only when
/// asked to with exclude_from_weight_decay). The learning rate of both parts is the step's,
/// schedule included, and clip_norm acts on the gradient before either.
struct AdamW {
  using Options = AdamWOptions;
  static constexpr std::string_view name = "AdamW";
  static constexpr std::size_t slots = 2;  ///< the first and second moments

  Options options;
  std::size_t iterations = 0;

  explicit AdamW(Options o = {}) : options(o) {}

  /// Called once per step, before any `update`.
  void begin_step() {
    ++iterations;
    const double t = static_cast<double>(iterations);
    alpha_ = options.learning_rate * std::sqrt(1.0 - std::pow(double(options.beta_2), t)) /
             (1.0 - std::pow(double(options.beta_1), t));
  }

  /// Updates parameters [begin, end); `state` holds `slots` arrays of `stride` values.
  template <class S>
  void update(S* w, const S* g, S* state, std::size_t stride, std::size_t begin, std::size_t end) const {
    S* m = state;
    S* v = state + stride;
    const S lr = S(options.learning_rate);
    const S decay = S(options.weight_decay);
    const S alpha = S(alpha_);
    const S b1 = S(1) - S(options.beta_1);
    const S b2 = S(1) - S(options.beta_2);
    const S eps = S(options.epsilon);
    for (std::size_t i = begin; i < end; ++i) {
      w[i] = w[i] - w[i] * decay * lr;  // Keras's order of operations: (w * decay) * lr
      m[i] += (g[i] - m[i]) * b1;
      v[i] += (g[i] * g[i] - v[i]) * b2;
      w[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
    }
  }

 private:
  double alpha_ = 0.0;
};

}  // namespace typenet::optim
