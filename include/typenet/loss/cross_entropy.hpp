// typenet/loss/cross_entropy.hpp: CrossEntropy (Keras `categorical_crossentropy`) over class probabilities, and CrossEntropyFromLogits over raw scores (`from_logits=True`).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::loss {

/// -sum_i t_i log p_i for probabilities p (a Softmax output) and a target distribution t
/// (usually one-hot). As Keras does, p is clipped to [1e-7, 1 - 1e-7] inside the log.
/// After a Softmax the pair is fused: the gradient with respect to the Softmax input is
/// p sum(t) - t, exact and free of the division by p. The network must end in Softmax: raw
/// scores are not probabilities (train them with CrossEntropyFromLogits).
struct CrossEntropy {
  static constexpr std::string_view name = "CrossEntropy";
  static constexpr bool fuses_with_softmax = true;

  template <AnyShape Out>
  static constexpr bool accepts = Out::rank == 1 && Out::size >= 2;

  template <class Where>
  static consteval void explain() {
    static_assert(typenet::detail::produced_t<Where>::size != 1 || typenet::detail::rejected<Where>,
                  "CrossEntropy needs at least 2 class probabilities; for one output (the probability of a yes) "
                  "use loss::BinaryCrossEntropy after Dense<1>, Sigmoid");
    static_assert(typenet::detail::produced_t<Where>::size == 1 || typenet::detail::rejected<Where>,
                  "CrossEntropy needs a rank-1 output of at least 2 class probabilities: "
                  "end the network with Flatten, Dense<classes>, Softmax");
  }

  template <class Where, class Last>
  static consteval bool check_end() {
    static_assert(typenet::detail::is_softmax_activation<Last> || typenet::detail::rejected<Where>,
                  "CrossEntropy takes class probabilities, and the network does not end in Softmax: "
                  "add Softmax after its last layer, or train the raw scores with loss::CrossEntropyFromLogits");
    return typenet::detail::is_softmax_activation<Last>;
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

/// Keras's `CategoricalCrossentropy(from_logits=True)` (what PyTorch's `nn.CrossEntropyLoss`
/// computes): the cross-entropy of softmax(z) for raw scores z, the output of a last Dense
/// with no Softmax. The loss is sum_i t_i (logsumexp(z) - z_i), computed from z - max(z), so
/// it neither overflows nor loses small probabilities to a clip; its gradient is
/// softmax(z) sum(t) - t. The network outputs scores: predict returns them, and the class is
/// still the largest.
struct CrossEntropyFromLogits {
  static constexpr std::string_view name = "CrossEntropyFromLogits";

  template <AnyShape Out>
  static constexpr bool accepts = Out::rank == 1 && Out::size >= 2;

  template <class Where>
  static consteval void explain() {
    static_assert(typenet::detail::produced_t<Where>::size != 1 || typenet::detail::rejected<Where>,
                  "CrossEntropyFromLogits needs at least 2 class scores; for one output (the score of a yes) "
                  "use loss::BinaryCrossEntropyFromLogits after Dense<1>");
    static_assert(typenet::detail::produced_t<Where>::size == 1 || typenet::detail::rejected<Where>,
                  "CrossEntropyFromLogits needs a rank-1 output of at least 2 class scores: "
                  "end the network with Flatten, Dense<classes>");
  }

  template <class Where, class Last>
  static consteval bool check_end() {
    static_assert(!typenet::detail::is_softmax_activation<Last> || typenet::detail::rejected<Where>,
                  "CrossEntropyFromLogits takes raw scores, and the network ends in Softmax (a second softmax "
                  "would be applied): drop the Softmax, or use loss::CrossEntropy");
    return !typenet::detail::is_softmax_activation<Last>;
  }

  /// The largest score, and log of the sum of exp(z - largest).
  template <class S, std::size_t N>
  static void log_sum_exp(const S* z, S& largest, S& log_sum) {
    largest = *std::max_element(z, z + N);
    S sum{};
    for (std::size_t i = 0; i < N; ++i) sum += std::exp(z[i] - largest);
    log_sum = std::log(sum);
  }

  template <class S, std::size_t N>
  static S value(const S* z, const S* t) {
    S largest, log_sum;
    log_sum_exp<S, N>(z, largest, log_sum);
    S loss{};
    for (std::size_t i = 0; i < N; ++i)
      if (t[i] != S{}) loss += t[i] * (log_sum - (z[i] - largest));
    return loss;
  }

  template <class S, std::size_t N>
  static void gradient(const S* z, const S* t, S* dz, S scale) {
    S largest, log_sum;
    log_sum_exp<S, N>(z, largest, log_sum);
    S total{};
    for (std::size_t i = 0; i < N; ++i) total += t[i];
    for (std::size_t i = 0; i < N; ++i) dz[i] = scale * (std::exp(z[i] - largest - log_sum) * total - t[i]);
  }
};

}  // namespace typenet::loss
