// typenet/optim/schedules.hpp: learning-rate schedules (Keras's LearningRateSchedule): ExponentialDecay, PiecewiseConstantDecay, CosineDecay.
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

namespace typenet::schedule {

/// initial * rate^(step / steps), or rate^floor(step / steps) with `staircase` (Keras's
/// ExponentialDecay). `step` counts optimizer steps from 0.
struct ExponentialDecay {
  double initial = 1e-3;
  double steps = 1000;
  double rate = 0.96;
  bool staircase = false;
  double operator()(std::size_t step) const {
    const double p = double(step) / steps;
    return initial * std::pow(rate, staircase ? std::floor(p) : p);
  }
};

/// values[i] while step < boundaries[i], the last value after every boundary (Keras's
/// PiecewiseConstantDecay): a step decay.
struct PiecewiseConstantDecay {
  std::vector<std::size_t> boundaries;
  std::vector<double> values;  ///< one more than boundaries
  double operator()(std::size_t step) const {
    std::size_t i = 0;
    while (i < boundaries.size() && step >= boundaries[i]) ++i;
    return values.at(i);
  }
};

/// From initial down to initial * alpha over `steps` along half a cosine, then flat (Keras's
/// CosineDecay).
struct CosineDecay {
  double initial = 1e-3;
  double steps = 1000;
  double alpha = 0.0;
  double operator()(std::size_t step) const {
    const double p = std::min(double(step), steps) / steps;
    return initial * ((1 - alpha) * 0.5 * (1 + std::cos(std::numbers::pi * p)) + alpha);
  }
};

}  // namespace typenet::schedule
