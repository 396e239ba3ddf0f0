// typenet/loss/binary_cross_entropy.hpp: BinaryCrossEntropy (Keras `binary_crossentropy`) for one probability, and BinaryCrossEntropyFromLogits for one raw score.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::loss {

/// -(t log p + (1 - t) log(1 - p)) for the probability p of a yes (a Sigmoid output, one unit)
/// and a target t in [0, 1]. As Keras does, p is clipped to [1e-7, 1 - 1e-7]. The network must
/// end in Dense<1>, Sigmoid; for a raw score use BinaryCrossEntropyFromLogits, for several
/// classes CrossEntropy.
struct BinaryCrossEntropy {
  static constexpr std::string_view name = "BinaryCrossEntropy";

  template <AnyShape Out>
  static constexpr bool accepts = Out::rank == 1 && Out::size == 1;

  template <class Where>
  static consteval void explain() {
    static_assert(typenet::detail::rejected<Where>,
                  "BinaryCrossEntropy needs one output, the probability of a yes: end the network with "
                  "Dense<1>, Sigmoid (for one of several classes use loss::CrossEntropy after Dense<classes>, "
                  "Softmax)");
  }

  template <class Where, class Last>
  static consteval bool check_end() {
    static_assert(typenet::detail::is_sigmoid_activation<Last> || typenet::detail::rejected<Where>,
                  "BinaryCrossEntropy takes a probability, and the network does not end in Sigmoid: add Sigmoid "
                  "after Dense<1>, or train the raw score with loss::BinaryCrossEntropyFromLogits");
    return typenet::detail::is_sigmoid_activation<Last>;
  }

  template <class S>
  static constexpr S epsilon = S(1e-7);

  template <class S, std::size_t N>
  static S value(const S* p, const S* t) {
    const S q = std::clamp(p[0], epsilon<S>, S{1} - epsilon<S>);
    return -(t[0] * std::log(q) + (S{1} - t[0]) * std::log(S{1} - q));
  }

  /// d/dp of the clipped loss: (1 - t) / (1 - p) - t / p inside the clip range, 0 outside it.
  template <class S, std::size_t N>
  static void gradient(const S* p, const S* t, S* dp, S scale) {
    const bool inside = p[0] > epsilon<S> && p[0] < S{1} - epsilon<S>;
    dp[0] = inside ? scale * ((S{1} - t[0]) / (S{1} - p[0]) - t[0] / p[0]) : S{};
  }
};

/// Keras's `BinaryCrossentropy(from_logits=True)` (PyTorch's `nn.BCEWithLogitsLoss`): the binary
/// cross-entropy of sigmoid(z) for a raw score z (a last Dense<1> with no Sigmoid), computed as
/// max(z, 0) - z t + log(1 + e^-|z|), which neither overflows nor clips; its gradient is
/// sigmoid(z) - t. The class is a yes where z > 0 (predict returns z).
struct BinaryCrossEntropyFromLogits {
  static constexpr std::string_view name = "BinaryCrossEntropyFromLogits";
  static constexpr double threshold = 0;  ///< a score above 0 is a probability above 0.5

  template <AnyShape Out>
  static constexpr bool accepts = Out::rank == 1 && Out::size == 1;

  template <class Where>
  static consteval void explain() {
    static_assert(typenet::detail::rejected<Where>,
                  "BinaryCrossEntropyFromLogits needs one output, the score of a yes: end the network with "
                  "Dense<1> (for one of several classes use loss::CrossEntropyFromLogits after Dense<classes>)");
  }

  template <class Where, class Last>
  static consteval bool check_end() {
    static_assert(!typenet::detail::is_sigmoid_activation<Last> || typenet::detail::rejected<Where>,
                  "BinaryCrossEntropyFromLogits takes a raw score, and the network ends in Sigmoid (a second "
                  "sigmoid would be applied): drop the Sigmoid, or use loss::BinaryCrossEntropy");
    return !typenet::detail::is_sigmoid_activation<Last>;
  }

  template <class S, std::size_t N>
  static S value(const S* z, const S* t) {
    return std::max(z[0], S{}) - z[0] * t[0] + std::log1p(std::exp(-std::abs(z[0])));
  }

  template <class S, std::size_t N>
  static void gradient(const S* z, const S* t, S* dz, S scale) {
    const S e = std::exp(-std::abs(z[0]));  // sigmoid(z) without overflow on either side
    const S p = z[0] >= S{} ? S{1} / (S{1} + e) : e / (S{1} + e);
    dz[0] = scale * (p - t[0]);
  }
};

}  // namespace typenet::loss
