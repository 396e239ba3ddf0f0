// typenet/layers/detail/accepts_any_shape.hpp: AcceptsAnyShape, the rules of a descriptor that takes every shape.
#pragma once

#include <typenet/core/shape.hpp>

namespace typenet::detail {

/// The parameter rule, shape rule and message of a layer that has nothing to check (an
/// activation, Flatten): a descriptor derives from it and adds its name and `bind`.
struct AcceptsAnyShape {
  template <class Where>
  static consteval bool check_parameters() { return true; }

  template <AnyShape In>
  static constexpr bool accepts = true;

  template <class Where>
  static consteval void explain() {}
};

}  // namespace typenet::detail
