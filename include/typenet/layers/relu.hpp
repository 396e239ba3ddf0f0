// typenet/layers/relu.hpp: ReLU, the rectified linear activation max(x, 0).
#pragma once

#include <string_view>

#include <typenet/layers/detail/activation.hpp>

namespace typenet {

struct ReLU : detail::Activation<ReLU> {
  static constexpr std::string_view name = "ReLU";
  static constexpr bool relu_activation = true;
  template <class S>
  static S value(S x) { return x > S{} ? x : S{}; }
  template <class S>
  static S slope(S y) { return y > S{} ? S{1} : S{}; }
};

}  // namespace typenet
