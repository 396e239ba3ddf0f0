// typenet/optim/adamw.hpp: AdamW, Adam with decoupled weight decay, with Keras's defaults and update rule.
#pragma once

#include <cstddef>
#include <string_view>

#include <typenet/optim/adam.hpp>

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
  static constexpr std::size_t slots = Adam::slots;  ///< the first and second moments

  Options options;
  std::size_t iterations = 0;

  explicit AdamW(Options o = {}) : options(o) {}

  /// Called once per step, before any `update`.
  void begin_step() {
    adam_.options = {options.learning_rate, options.beta_1, options.beta_2, options.epsilon};
    adam_.iterations = iterations;
    adam_.begin_step();
    iterations = adam_.iterations;
  }

  /// Updates parameters [begin, end); `state` holds `slots` arrays of `stride` values.
  template <class S>
  void update(S* w, const S* g, S* state, std::size_t stride, std::size_t begin, std::size_t end) const {
    const S lr = S(options.learning_rate);
    const S decay = S(options.weight_decay);
    for (std::size_t i = begin; i < end; ++i) w[i] = w[i] - w[i] * decay * lr;  // Keras's order: (w * decay) * lr
    adam_.update(w, g, state, stride, begin, end);
  }

 private:
  Adam adam_;  ///< Adam's step, with this step's settings
};

}  // namespace typenet::optim
