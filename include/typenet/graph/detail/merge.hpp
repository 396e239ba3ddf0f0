// typenet/graph/detail/merge.hpp: AddNode and ConcatNode, the nodes where a block's branches meet.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::detail {

// A merge is a node with several inputs (layers/layer_concepts.hpp: the trait `merge_inputs`).
// It has no parameters and no work areas; instead of forward and backward it provides
//   merge_forward(pass, xs, y, n)        y from the K inputs xs[0..K) (pass.relu: max(y, 0) too)
//   merge_backward(k, dy, dx, n, add)    the gradient at input k from dy, written to dx, or
//                                        added to it when `add` (the input feeds other nodes too)
// The engine runs merge_backward once the gradient at the merge's output is complete.

/// The descriptors merges are spelled by (summaries, weight files).
struct AddMerge {
  static constexpr std::string_view name = "Add";
  static constexpr Text spelling() { return "Add"; }
};
struct ConcatMerge {
  static constexpr std::string_view name = "Concat";
  static constexpr Text spelling() { return "Concat"; }
};

/// The sum of K inputs of shape Out, added in the order of the branches (a Residual: the
/// body's output, then the shortcut's or the block's input).
template <class Out, std::size_t K>
struct AddNode : NoParameters {
  using descriptor = AddMerge;
  static constexpr Out input_shape{};
  static constexpr Out output_shape{};
  static constexpr std::size_t merge_inputs = K;
  static constexpr bool adds = true;  ///< each input's gradient is the sum's (Plan::gradient_alias)
  static constexpr bool fuses_relu = true;

  template <class S>
  static void merge_forward(const Pass<S>& pass, const S* const* xs, S* y, std::size_t n) {
    const std::size_t total = n * Out::size;
    const S* a = xs[0];
    const S* b = xs[1];
    if (pass.relu && K == 2) {
      for (std::size_t i = 0; i < total; ++i) y[i] = std::max(a[i] + b[i], S{});
      return;
    }
    for (std::size_t i = 0; i < total; ++i) y[i] = a[i] + b[i];
    for (std::size_t k = 2; k < K; ++k)
      for (std::size_t i = 0; i < total; ++i) y[i] += xs[k][i];
    if (pass.relu)
      for (std::size_t i = 0; i < total; ++i) y[i] = std::max(y[i], S{});
  }

  template <class S>
  static void merge_backward(std::size_t, const S* dy, S* dx, std::size_t n, bool add) {
    const std::size_t total = n * Out::size;
    if (add)
      for (std::size_t i = 0; i < total; ++i) dx[i] += dy[i];
    else
      std::copy(dy, dy + total, dx);
  }
};

/// The inputs (Branches, shapes that agree on every axis but the last) joined along the last
/// axis (channels, as Keras's Concatenate(axis=-1)), in the order of the branches.
template <class Out, class... Branches>
struct ConcatNode : NoParameters {
  using descriptor = ConcatMerge;
  static constexpr Out input_shape{};
  static constexpr Out output_shape{};
  static constexpr std::size_t merge_inputs = sizeof...(Branches);
  static constexpr bool fuses_relu = true;
  static constexpr std::size_t channels = Out::dims[Out::rank - 1];
  static constexpr std::size_t places = Out::size / channels;  ///< positions per sample
  static constexpr std::array<std::size_t, sizeof...(Branches)> widths{Branches::dims[Branches::rank - 1]...};
  static constexpr std::array<std::size_t, sizeof...(Branches)> offsets = [] {
    std::array<std::size_t, sizeof...(Branches)> at{};
    for (std::size_t k = 1; k < at.size(); ++k) at[k] = at[k - 1] + widths[k - 1];
    return at;
  }();

  template <class S>
  static void merge_forward(const Pass<S>& pass, const S* const* xs, S* y, std::size_t n) {
    for (std::size_t k = 0; k < merge_inputs; ++k) {
      const std::size_t width = widths[k];
      const S* x = xs[k];
      for (std::size_t q = 0; q < n * places; ++q) {
        S* to = y + q * channels + offsets[k];
        const S* from = x + q * width;
        if (pass.relu)
          for (std::size_t c = 0; c < width; ++c) to[c] = std::max(from[c], S{});
        else
          std::copy(from, from + width, to);
      }
    }
  }

  template <class S>
  static void merge_backward(std::size_t k, const S* dy, S* dx, std::size_t n, bool add) {
    const std::size_t width = widths[k];
    for (std::size_t q = 0; q < n * places; ++q) {
      const S* from = dy + q * channels + offsets[k];
      S* to = dx + q * width;
      if (add)
        for (std::size_t c = 0; c < width; ++c) to[c] += from[c];
      else
        std::copy(from, from + width, to);
    }
  }
};

}  // namespace typenet::detail
