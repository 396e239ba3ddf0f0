// typenet/layers/tanh.hpp: Tanh, the hyperbolic tangent activation.
#pragma once

#include <cmath>
#include <string_view>

#include <typenet/layers/detail/activation.hpp>

namespace typenet {

struct Tanh : detail::Activation<Tanh> {
  static constexpr std::string_view name = "Tanh";
  template <class S>
  static S value(S x) { return std::tanh(x); }
  template <class S>
  static S slope(S y) { return S{1} - y * y; }
};

}  // namespace typenet
