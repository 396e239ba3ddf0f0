// typenet/loss/mean_squared_error.hpp: MeanSquaredError, the mean of (y - t)^2 over a sample's outputs (Keras `mse`).
#pragma once

#include <cstddef>
#include <string_view>

#include <typenet/core/shape.hpp>
#include <typenet/loss/metric.hpp>

namespace typenet::loss {

struct MeanSquaredError {
  static constexpr std::string_view name = "MeanSquaredError";
  static constexpr bool fuses_with_softmax = false;
  /// A regression's figure: fit logs the mean absolute error (FitOptions::metric = accuracy for
  /// a classifier trained with MSE on one-hot targets).
  static constexpr Metric metric = Metric::mae;

  template <AnyShape Out>
  static constexpr bool accepts = true;
  template <class Where>
  static consteval void explain() {}

  template <class S, std::size_t N>
  static S value(const S* y, const S* t) {
    S sum{};
    for (std::size_t i = 0; i < N; ++i) sum += (y[i] - t[i]) * (y[i] - t[i]);
    return sum / S(N);
  }

  template <class S, std::size_t N>
  static void gradient(const S* y, const S* t, S* dy, S scale) {
    const S factor = S{2} * scale / S(N);
    for (std::size_t i = 0; i < N; ++i) dy[i] = factor * (y[i] - t[i]);
  }
};

}  // namespace typenet::loss
