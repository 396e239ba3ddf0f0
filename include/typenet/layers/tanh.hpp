// typenet/layers/tanh.hpp: Tanh, the hyperbolic tangent activation.
#pragma once

#include <cmath>
#include <string_view>
#include <type_traits>

#include <typenet/core/vector_math.hpp>
#include <typenet/layers/detail/activation.hpp>

namespace typenet {

struct Tanh : detail::Activation<Tanh> {
  static constexpr std::string_view name = "Tanh";
  /// On float and double, tanh within 2 ulp everywhere, a vector at a time (the forward pass
  /// maps `values` over whole vectors; `value` is the same on one lane): several times faster than
  /// the C library's tanh a value at a time, which had made a WaveNet stream's time mostly its
  /// Tanh layers (docs/sequences.md).
  template <class S>
  static S value(S x) {
    if constexpr (std::is_same_v<S, float> || std::is_same_v<S, double>)
      return detail::tanh_accurate<S>(detail::splat<S>(x))[0];
    else
      return std::tanh(x);
  }
  template <class S>
  static detail::vec<S> values(detail::vec<S> x) { return detail::tanh_accurate<S>(x); }
  template <class S>
  static S slope(S y) { return S{1} - y * y; }
};

}  // namespace typenet
