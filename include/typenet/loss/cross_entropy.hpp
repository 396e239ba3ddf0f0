// typenet/loss/cross_entropy.hpp: CrossEntropy, categorical cross-entropy over class probabilities (Keras `categorical_crossentropy`).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>

namespace typenet::loss {

/// -sum_i t_i log p_i for probabilities p (a Softmax output) and a target distribution t
/// (usually one-hot). As Keras does, p is clipped to [1e-7, 1 - 1e-7] inside the log.
/// After a Softmax the pair is fused: the gradient with respect to the Softmax input is
/// p sum(t) - t, exact and free of the division by p.
struct CrossEntropy {
  static constexpr std::string_view name = "CrossEntropy";
  static constexpr bool fuses_with_softmax = true;

  template <AnyShape Out>
  static constexpr bool accepts = Out::rank == 1 && Out::size >= 2;

  template <class Where>
  static consteval void explain() {
    static_assert(detail::rejected<Where>,
                  "CrossEntropy needs a rank-1 output of at least 2 class probabilities: "
                  "end the network with Flatten, Dense<classes>, Softmax");
  }

  template <class S>
  static constexpr S epsilon = S(1e-7);

  template <class S, std::size_t N>
  static S value(const S* p, const S* t) {
    S sum{};
    for (std::size_t i = 0; i < N; ++i) {
      if (t[i] != S{}) sum -= t[i] * std::log(std::clamp(p[i], epsilon<S>, S{1} - epsilon<S>));
    }
    return sum;
  }

  /// d/dp of the clipped loss: -t / p inside the clip range, 0 outside it.
  template <class S, std::size_t N>
  static void gradient(const S* p, const S* t, S* dp, S scale) {
    for (std::size_t i = 0; i < N; ++i) {
      const bool inside = p[i] > epsilon<S> && p[i] < S{1} - epsilon<S>;
      dp[i] = inside ? -scale * t[i] / p[i] : S{};
    }
  }

  template <class S, std::size_t N>
  static void softmax_gradient(const S* p, const S* t, S* dz, S scale) {
    S total{};
    for (std::size_t i = 0; i < N; ++i) total += t[i];
    for (std::size_t i = 0; i < N; ++i) dz[i] = scale * (p[i] * total - t[i]);
  }
};

}  // namespace typenet::loss
