// typenet/layers/sigmoid.hpp: Sigmoid, the logistic activation 1 / (1 + e^-x).
#pragma once

#include <cmath>
#include <string_view>

#include <typenet/layers/detail/activation.hpp>

namespace typenet {

struct Sigmoid : detail::Activation<Sigmoid> {
  static constexpr std::string_view name = "Sigmoid";
  static constexpr bool sigmoid_activation = true;  ///< outputs probabilities (BinaryCrossEntropy's input)
  template <class S>
  static S value(S x) { return S{1} / (S{1} + std::exp(-x)); }
  template <class S>
  static S slope(S y) { return y * (S{1} - y); }
};

}  // namespace typenet
