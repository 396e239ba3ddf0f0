// typenet/optim/schedules.hpp: learning-rate schedules (Keras's LearningRateSchedule): ExponentialDecay, StepDecay, PiecewiseConstantDecay, CosineDecay.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

#include <typenet/core/error.hpp>

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

/// initial * factor^floor(step / step_size): the rate drops by `factor` every `step_size` steps
/// (PyTorch's StepLR, with gamma = factor). Keras has no class of that name; this is Keras's
/// ExponentialDecay{.initial, .steps = step_size, .rate = factor, .staircase = true}, with the
/// floor taken in integers. `step` counts optimizer steps from 0, so for a drop every epoch
/// make `step_size` the number of batches per epoch.
struct StepDecay {
  double initial = 1e-3;
  double factor = 0.5;
  std::size_t step_size = 1000;
  double operator()(std::size_t step) const {
    if (step_size == 0) throw Error("StepDecay: step_size must be at least 1");
    return initial * std::pow(factor, double(step / step_size));
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
