// typenet/layers/input.hpp: Input<Dims...>, the first entry of every Sequential, stating one sample's shape.
#pragma once

#include <cstddef>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>

namespace typenet {

/// One sample's shape, channels-last: `Input<28, 28, 1>` is a 28x28 grey image, `Input<784>`
/// a vector. The batch axis is never written.
template <std::size_t... Dims>
struct Input {
  using shape = Shape<Dims...>;
  static constexpr bool valid = sizeof...(Dims) > 0 && ((Dims > 0) && ...);

  /// Checked by Sequential, which passes `Where` = at_layer<0, Input<...>, Shape<...>>.
  template <class Where>
  static consteval bool check_parameters() {
    static_assert(sizeof...(Dims) > 0 || detail::rejected<Where>,
                  "Input needs at least one dimension, e.g. Input<784> or Input<28, 28, 1>");
    static_assert(sizeof...(Dims) == 0 || valid || detail::rejected<Where>, "Input needs every dimension to be at least 1");
    return valid;
  }
};

}  // namespace typenet
