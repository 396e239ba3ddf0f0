// typenet/layers/sigmoid.hpp: Sigmoid, the logistic activation 1 / (1 + e^-x).
#pragma once

#include <cmath>
#include <string_view>
#include <type_traits>

#include <typenet/core/vector_math.hpp>
#include <typenet/layers/detail/activation.hpp>

namespace typenet {

struct Sigmoid : detail::Activation<Sigmoid> {
  static constexpr std::string_view name = "Sigmoid";
  static constexpr bool sigmoid_activation = true;  ///< outputs probabilities (BinaryCrossEntropy's input)
  /// On float and double, 1 / (1 + e^-x) within a few ulp of every value (relative), a vector at
  /// a time (detail::logistic_by_exp; `value` is the same on one lane): the C library's exp a
  /// value at a time had cost about 7x as much (bench/activation_speed).
  template <class S>
  static S value(S x) {
    if constexpr (std::is_same_v<S, float> || std::is_same_v<S, double>)
      return detail::logistic_by_exp<S>(detail::splat<S>(x))[0];
    else
      return S{1} / (S{1} + std::exp(-x));
  }
  template <class S>
  static detail::vec<S> values(detail::vec<S> x) {
    return detail::logistic_by_exp<S>(x);
  }
  template <class S>
  static S slope(S y) { return y * (S{1} - y); }
};

}  // namespace typenet
