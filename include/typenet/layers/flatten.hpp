// typenet/layers/flatten.hpp: Flatten, which turns any shape into a rank-1 vector of the same size.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/detail/accepts_any_shape.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

/// Row-major (channels fastest) flattening, the order Keras uses for channels-last tensors.
struct Flatten : detail::AcceptsAnyShape {
  static constexpr std::string_view name = "Flatten";
  static constexpr detail::Text spelling() { return "Flatten"; }

  template <AnyShape In>
  struct bind : detail::NoParameters {
    using descriptor = Flatten;
    static constexpr In input_shape{};
    static constexpr Shape<In::size> output_shape{};

    template <class S>
    static void forward(const Pass<S>&, const S* x, S* y, std::size_t n) {
      std::copy(x, x + n * In::size, y);
    }

    template <class S>
    static void backward(const Pass<S>&, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if (dx) std::copy(dy, dy + n * In::size, dx);
    }
  };
};

}  // namespace typenet
