// typenet/layers/detail/pooling1d.hpp: Pooling1D<Kind, ...>, the shared body of MaxPool1D and AvgPool1D: a pooling over one (1, steps, channels) image.
#pragma once

#include <cstddef>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/detail/pooling.hpp>
#include <typenet/layers/padding.hpp>

namespace typenet::detail {

/// A window of Pool steps moved by Stride (the pool size where left at 0, as Keras's
/// strides=None) over each channel of a (steps, channels) sequence. The sequence is laid out as
/// a (1, steps, channels) image, so the passes are the image pooling's over a 1 x Pool window.
template <class Descriptor, PoolKind Kind, std::size_t Pool, Padding Pad, std::size_t Given>
struct Pooling1D {
  static constexpr std::size_t Stride = Given ? Given : Pool;
  using plane = Pooling<Descriptor, Kind, 1, Pool, Pad, 1, Stride>;

  static constexpr std::string_view name = Kind == PoolKind::max ? "MaxPool1D" : "AvgPool1D";
  static constexpr Text spelling() {
    Text text = Text(name) + "<" + decimal(Pool);
    if (Pad != Padding::valid || Stride != Pool) text += Text(", ") + padding_text(Pad);
    if (Stride != Pool) text += ", " + decimal(Stride);
    return text + ">";
  }

  template <class Where>
  static consteval bool check_parameters() {
    static_assert(Pool > 0 || rejected<Where>, "a pooling layer needs a window of at least 1 step");
    static_assert(Pad != Padding::causal || rejected<Where>,
                  "Padding::causal is for Conv1D: a pooling layer takes Padding::valid or Padding::same");
    return Pool > 0 && Pad != Padding::causal;
  }

  template <AnyShape In>
  static constexpr bool has_sequence_rank = In::rank == 2;

  template <AnyShape In>
  static constexpr bool accepts = [] {
    if constexpr (!has_sequence_rank<In>) return false;
    else return Pad == Padding::same || In::dims[0] >= Pool;
  }();

  template <class Where>
  static consteval void explain() {
    if constexpr (!has_sequence_rank<received_t<Where>>) {
      static_assert(rejected<Where>,
                    "a pooling layer over time (MaxPool1D, AvgPool1D) needs a rank-2 input (steps, channels): "
                    "images take MaxPool2D or AvgPool2D");
    } else {
      static_assert(rejected<Where>,
                    "the pooling window is longer than its input: use a smaller pool size, Padding::same, or fewer "
                    "pooling layers");
    }
  }

  template <AnyShape In>
    requires accepts<In>
  struct bind : plane::template bind<Shape<1, In::dims[0], In::dims[1]>> {
    using descriptor = Descriptor;
    static constexpr In input_shape{};
    static constexpr Shape<bind::OW, In::dims[1]> output_shape{};  // the image's 1 x OW positions
  };
};

}  // namespace typenet::detail
