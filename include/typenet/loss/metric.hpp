// typenet/loss/metric.hpp: Metric, the figure fit logs beside the loss (accuracy or mean absolute error), and each loss's own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace typenet {

/// The figure fit reports beside the loss, as Keras's `metrics=` names it:
///  - `accuracy`: the fraction of samples classified right (the largest output's class; for one
///    output, the side of the loss's threshold), what classification losses report;
///  - `mae`: the mean absolute error of the outputs, |y - t| averaged over a sample's outputs
///    and over the samples, what a regression reports (MeanSquaredError's own).
/// A loss names its own (detail::default_metric); FitOptions::metric and StepOptions::metric
/// choose another (an MSE-trained classifier on one-hot targets: accuracy).
enum class Metric : std::uint8_t { accuracy, mae };

/// "accuracy" or "mae": the metric's name in logs, CSV columns and monitors ("val_" before it
/// for the validation figure).
constexpr std::string_view metric_name(Metric metric) { return metric == Metric::mae ? "mae" : "accuracy"; }

namespace detail {
/// A loss's own metric: `static constexpr Metric metric` where it declares one, else accuracy.
template <class L>
inline constexpr Metric default_metric = [] {
  if constexpr (requires { Metric(L::metric); })
    return Metric(L::metric);
  else
    return Metric::accuracy;
}();

/// The per-sample figure whose mean is `metric` over samples: 1 or 0 for classified right or
/// not; the mean absolute error of the sample's N outputs.
template <class S, std::size_t N>
S mean_absolute_error(const S* y, const S* t) {
  S sum{};
  for (std::size_t i = 0; i < N; ++i) sum += y[i] > t[i] ? y[i] - t[i] : t[i] - y[i];
  return sum / S(N);
}
}  // namespace detail

}  // namespace typenet
