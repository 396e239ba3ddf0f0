// typenet/layers/detail/activation.hpp: Activation<F>, the shared body of element-wise activation layers.
#pragma once

#include <cstddef>
#include <string>

#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/core/vector_math.hpp>
#include <typenet/layers/detail/accepts_any_shape.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::detail {

/// An element-wise layer y = F::value(x) (or, where F has it, F::values on whole vectors, the
/// same function; a pass's last values go through a padded vector) whose derivative F::slope(y)
/// is a function of its output, so its backward pass needs only y. Accepts any shape and keeps
/// it. F::slope(y) must be the derivative at the x that gave y: F's output must tell apart the
/// pieces of its formula (Sigmoid and Tanh are one piece; ReLU and LeakyReLU keep the sign of x
/// in y).
template <class F>
struct Activation : AcceptsAnyShape {
  static constexpr bool activation = true;  ///< Dense<Units, F> takes it
  static constexpr bool per_step = true;    ///< a sequence's steps each on their own (infer/stream.hpp)
  static constexpr Text spelling() { return Text(F::name); }

  template <AnyShape In>
  struct bind : NoParameters {
    using descriptor = F;
    static constexpr In input_shape{};
    static constexpr In output_shape{};
    /// Whether F is max(x, 0), which the layers around it can fuse (see is_relu_activation).
    static constexpr bool relu_activation = requires { requires F::relu_activation; };
    /// Whether F is the logistic function, whose outputs are probabilities (see is_sigmoid_activation).
    static constexpr bool sigmoid_activation = requires { requires F::sigmoid_activation; };

    template <class S>
    static void forward(const Pass<S>&, const S* x, S* y, std::size_t n) {
      if constexpr (requires(vec<S> v) { F::template values<S>(v); })
        map_in_vectors(x, y, n * In::size, [](vec<S> v) { return F::template values<S>(v); });
      else
        for (std::size_t i = 0; i < n * In::size; ++i) y[i] = F::value(x[i]);
    }

    template <class S>
    static void backward(const Pass<S>&, const S*, const S* y, const S* dy, S* dx, std::size_t n) {
      if (!dx) return;
      for (std::size_t i = 0; i < n * In::size; ++i) dx[i] = dy[i] * F::slope(y[i]);
    }
  };
};

}  // namespace typenet::detail
