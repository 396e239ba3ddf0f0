// typenet/layers/global_average_pooling1d.hpp: GlobalAveragePooling1D, the mean of each channel over all steps.
#pragma once

#include <cstddef>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/global_average_pooling2d.hpp>

namespace typenet {

/// (steps, channels) -> (channels): a rank-1 output, ready for Dense without Flatten. The
/// sequence is a (1, steps, channels) image to GlobalAveragePooling2D's passes.
struct GlobalAveragePooling1D {
  static constexpr std::string_view name = "GlobalAveragePooling1D";
  static constexpr detail::Text spelling() { return "GlobalAveragePooling1D"; }

  template <class Where>
  static consteval bool check_parameters() { return true; }

  template <AnyShape In>
  static constexpr bool accepts = In::rank == 2;

  template <class Where>
  static consteval void explain() {
    static_assert(detail::rejected<Where>,
                  "GlobalAveragePooling1D needs a rank-2 input (steps, channels): images take "
                  "GlobalAveragePooling2D");
  }

  template <AnyShape In>
    requires accepts<In>
  struct bind : GlobalAveragePooling2D::bind<Shape<1, In::dims[0], In::dims[1]>> {
    using descriptor = GlobalAveragePooling1D;
    static constexpr In input_shape{};
  };
};

}  // namespace typenet
