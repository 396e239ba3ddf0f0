// typenet/layers/leaky_relu.hpp: LeakyReLU<Numerator, Denominator>, max(x, 0) with a slope for negative x (Keras `LeakyReLU`).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/detail/activation.hpp>

namespace typenet {

/// Keras's LeakyReLU(negative_slope) (tf.keras's `alpha`) with negative_slope = Numerator /
/// Denominator, 0.3 by default as in Keras: y = x for x > 0, else negative_slope * x, and its
/// derivative 1 for x > 0, else negative_slope (at 0 too, as TensorFlow's gradient has it). (A
/// fraction of two integers because clang++ does not yet take floating-point template
/// arguments; see Dropout.) Its spelling names the slope unless it is the default, so that a
/// weight file saved with another slope is refused.
///
/// The shared activation body takes the derivative from the output y. That is exact here: the
/// slope is not negative, so y > 0 exactly when x > 0 (and with a slope of 0, y = 0 for x <= 0,
/// whose derivative 0 is the slope's). It does not declare `relu_activation`: it is not
/// max(x, 0), so no neighbour fuses it.
template <std::size_t Numerator = 3, std::size_t Denominator = 10>
struct LeakyReLU : detail::Activation<LeakyReLU<Numerator, Denominator>> {
  static constexpr std::string_view name = "LeakyReLU";
  static constexpr detail::Text spelling() {
    if (Numerator == 3 && Denominator == 10) return "LeakyReLU<>";
    return "LeakyReLU<" + detail::decimal(Numerator) +
           (Denominator == 10 ? detail::Text() : ", " + detail::decimal(Denominator)) + ">";
  }
  static constexpr double negative_slope = Denominator > 0 ? double(Numerator) / double(Denominator) : 0.0;

  template <class Where>
  static consteval bool check_parameters() {
    static_assert(Denominator > 0 || detail::rejected<Where>,
                  "LeakyReLU's slope Numerator / Denominator needs a Denominator of at least 1: e.g. LeakyReLU<1, "
                  "10> for 0.1");
    return Denominator > 0;
  }

  template <class S>
  static S value(S x) { return x > S{} ? x : S(negative_slope) * x; }
  template <class S>
  static S slope(S y) { return y > S{} ? S{1} : S(negative_slope); }
};

}  // namespace typenet
