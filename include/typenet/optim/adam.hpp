// typenet/optim/adam.hpp: Adam, adaptive moment estimation with Keras's defaults and update rule.
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

namespace typenet::optim {

/// The settings of Adam, with Keras's defaults.
struct AdamOptions {
  float learning_rate = 1e-3f;
  float beta_1 = 0.9f;
  float beta_2 = 0.999f;
  float epsilon = 1e-7f;
};

/// Keras's Adam: at step t, alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t);
/// m += (g - m)(1 - beta_1); v += (g^2 - v)(1 - beta_2); w -= alpha m / (sqrt(v) + epsilon).
struct Adam {
  using Options = AdamOptions;
  static constexpr std::string_view name = "Adam";
  static constexpr std::size_t slots = 2;  ///< the first and second moments

  Options options;
  std::size_t iterations = 0;

  explicit Adam(Options o = {}) : options(o) {}

  void begin_step() {
    ++iterations;
    const double t = static_cast<double>(iterations);
    alpha_ = options.learning_rate * std::sqrt(1.0 - std::pow(double(options.beta_2), t)) /
             (1.0 - std::pow(double(options.beta_1), t));
  }

  template <class S>
  void update(S* w, const S* g, S* state, std::size_t stride, std::size_t begin, std::size_t end) const {
    S* m = state;
    S* v = state + stride;
    const S alpha = S(alpha_);
    const S b1 = S(1) - S(options.beta_1);
    const S b2 = S(1) - S(options.beta_2);
    const S eps = S(options.epsilon);
    for (std::size_t i = begin; i < end; ++i) {
      m[i] += (g[i] - m[i]) * b1;
      v[i] += (g[i] * g[i] - v[i]) * b2;
      w[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
    }
  }

 private:
  double alpha_ = 0.0;
};

}  // namespace typenet::optim
