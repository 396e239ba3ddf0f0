// typenet/layers/softmax.hpp: Softmax, normalised exponentials over the last axis (Keras `Softmax`).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/detail/accepts_any_shape.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

/// y_i = e^(x_i - max x) / sum_j e^(x_j - max x) over the last axis. Before CrossEntropy the
/// two are fused: the gradient reaching Softmax's input is y - target, with no division.
struct Softmax : detail::AcceptsAnyShape {
  static constexpr bool per_step = true;  ///< over the last axis: each step of a sequence on its own
  static constexpr std::string_view name = "Softmax";
  static constexpr bool activation = true;  ///< Dense<Units, Softmax> takes it
  static constexpr detail::Text spelling() { return "Softmax"; }

  template <AnyShape In>
  struct bind : detail::NoParameters {
    using descriptor = Softmax;
    static constexpr In input_shape{};
    static constexpr In output_shape{};
    static constexpr std::size_t axis = In::dims[In::rank - 1];
    static constexpr bool softmax_activation = true;

    template <class S>
    static void forward(const Pass<S>&, const S* x, S* y, std::size_t n) {
      for (std::size_t row = 0; row < n * In::size / axis; ++row) {
        const S* in = x + row * axis;
        S* out = y + row * axis;
        const S top = *std::max_element(in, in + axis);
        S sum{};
        for (std::size_t i = 0; i < axis; ++i) sum += out[i] = std::exp(in[i] - top);
        const S scale = S{1} / sum;
        for (std::size_t i = 0; i < axis; ++i) out[i] *= scale;
      }
    }

    /// dx_i = y_i (dy_i - sum_j dy_j y_j).
    template <class S>
    static void backward(const Pass<S>&, const S*, const S* y, const S* dy, S* dx, std::size_t n) {
      if (!dx) return;
      for (std::size_t row = 0; row < n * In::size / axis; ++row) {
        const S* p = y + row * axis;
        const S* g = dy + row * axis;
        S dot{};
        for (std::size_t i = 0; i < axis; ++i) dot += g[i] * p[i];
        for (std::size_t i = 0; i < axis; ++i) dx[row * axis + i] = p[i] * (g[i] - dot);
      }
    }
  };
};

}  // namespace typenet
