// typenet/layers/padding.hpp: Padding, how convolution and pooling windows treat the border (Keras's padding argument).
#pragma once

#include <cstddef>

namespace typenet {

/// `valid`: windows stay inside the input, so the output shrinks (Keras's default).
/// `same`: the input is padded (zeros for Conv2D, ignored for pooling) so that the output has
/// ceil(input / stride) positions; the extra row or column goes after, as in Keras.
/// `causal` (Conv1D only): zeros before the sequence, dilation x (kernel - 1) of them, so that
/// output step t reads input steps up to t and none after (Keras's padding="causal").
enum class Padding { valid, same, causal };

namespace detail {
/// Output positions, and padding before and in total, along one axis.
template <std::size_t In, std::size_t Window, std::size_t Stride, Padding Pad>
struct Axis {
  static constexpr std::size_t out =
      Pad == Padding::same ? (In + Stride - 1) / Stride : (In >= Window ? (In - Window) / Stride + 1 : 0);
  static constexpr std::size_t pad_total =
      Pad == Padding::same && out > 0 && (out - 1) * Stride + Window > In ? (out - 1) * Stride + Window - In : 0;
  static constexpr std::size_t pad_before = pad_total / 2;
  static constexpr std::size_t padded = In + pad_total;
};

/// Whether a shape is an image, (height, width, channels): what Conv2D, its depthwise and separable
/// forms and 2-D pooling take.
template <class In>
inline constexpr bool is_image = In::rank == 3;

/// Whether a KH x KW window with padding Pad fits the shape In: an image, and with
/// Padding::valid no smaller than the window (Padding::same pads any image to fit).
template <class In, std::size_t KH, std::size_t KW, Padding Pad>
inline constexpr bool window_fits_image = [] {
  if constexpr (!is_image<In>) return false;
  else return Pad == Padding::same || (In::dims[0] >= KH && In::dims[1] >= KW);
}();

inline constexpr const char* padding_text(Padding p) {
  return p == Padding::same ? "same" : p == Padding::causal ? "causal" : "valid";
}
}  // namespace detail

}  // namespace typenet
