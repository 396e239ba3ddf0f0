// typenet/layers/dropout.hpp: Dropout<Numerator, Denominator>, inverted dropout at the rate Numerator / Denominator.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

namespace detail {

/// A uniform 24-bit number for element `index` of the stream `key` (splitmix64's finaliser):
/// a pure function of its arguments, so a mask does not depend on which thread draws it.
constexpr std::uint32_t noise24(std::uint64_t key, std::uint64_t index) {
  std::uint64_t z = key + (index + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<std::uint32_t>((z ^ (z >> 31)) >> 40);
}

}  // namespace detail

/// Keras's Dropout(rate) with rate = Numerator / Denominator (`Dropout<25>` is 0.25,
/// `Dropout<1, 3>` a third): while training, each value is zeroed with probability rate and
/// the others are scaled by 1 / (1 - rate); in inference it passes values through. (A rate is
/// a fraction of two integers because clang++ does not yet take floating-point template
/// arguments.) The mask is a pure function of the fit's seed, the optimizer step, the layer's
/// position and the sample's place in the batch: the same on any thread count, and the same
/// again when a run resumes from a checkpoint.
template <std::size_t Numerator, std::size_t Denominator = 100>
struct Dropout {
  static constexpr bool per_step = true;  ///< nothing in inference (infer/stream.hpp)
  static constexpr std::string_view name = "Dropout";
  static constexpr detail::Text spelling() {
    return "Dropout<" + detail::decimal(Numerator) + (Denominator == 100 ? "" : ", " + detail::decimal(Denominator)) +
           ">";
  }
  static constexpr double rate = Denominator > 0 ? double(Numerator) / double(Denominator) : 0.0;

  template <class Where>
  static consteval bool check_parameters() {
    static_assert((Denominator > 0 && Numerator < Denominator) || detail::rejected<Where>,
                  "Dropout's rate Numerator / Denominator must be at least 0 and below 1: e.g. Dropout<25> "
                  "drops a quarter");
    return Denominator > 0 && Numerator < Denominator;
  }

  template <AnyShape In>
  static constexpr bool accepts = true;

  template <class Where>
  static consteval void explain() {}

  template <AnyShape In>
  struct bind : detail::NoParameters {
    using descriptor = Dropout;
    static constexpr In input_shape{};
    static constexpr In output_shape{};
    /// Each sample's mask, as the factor each value was multiplied by (0 or 1 / (1 - rate)).
    static constexpr std::size_t saved_size = In::size;
    static constexpr bool uses_noise = true;

    /// Values below this 24-bit threshold are dropped.
    static constexpr std::uint32_t threshold = std::uint32_t(rate * double(1u << 24));

    template <class S>
    static void forward(const Pass<S>& pass, const S* x, S* y, std::size_t n) {
      if (!pass.training || Numerator == 0) {
        std::copy(x, x + n * In::size, y);
        return;
      }
      const S keep = S(1) / (S(1) - S(rate));
      for (std::size_t s = 0; s < n; ++s) {
        const std::uint64_t first = (pass.sample + s) * In::size;
        S* mask = pass.saved + s * In::size;
        for (std::size_t i = 0; i < In::size; ++i) {
          mask[i] = detail::noise24(pass.noise, first + i) < threshold ? S{} : keep;
          y[s * In::size + i] = x[s * In::size + i] * mask[i];
        }
      }
    }

    template <class S>
    static void backward(const Pass<S>& pass, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if (!dx) return;
      if (Numerator == 0) {
        std::copy(dy, dy + n * In::size, dx);
        return;
      }
      for (std::size_t i = 0; i < n * In::size; ++i) dx[i] = dy[i] * pass.saved[i];
    }
  };
};

}  // namespace typenet
