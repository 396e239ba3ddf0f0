// typenet/graph/detail/fold.hpp: Fold, the compile-time walk that binds each layer to the shape before it.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::detail {

template <class... Ts>
struct type_list {};

/// The shape a layer receives once an earlier layer was rejected. No real layer produces a
/// rank-0 shape and Input cannot declare one, so it is free to mean "already reported".
using poison_shape = Shape<>;

/// Stands in for a layer that was rejected or that follows a rejected one: it compiles
/// silently, so that one mistake gives one error.
template <class Descriptor>
struct Skipped : NoParameters {
  using descriptor = Descriptor;
  static constexpr poison_shape input_shape{};
  static constexpr poison_shape output_shape{};
  template <class S>
  static void forward(const Pass<S>&, const S*, S*, std::size_t) {}
  template <class S>
  static void backward(const Pass<S>&, const S*, const S*, const S*, S*, std::size_t) {}
};

template <class Where>
consteval void explain_not_a_layer() {
  static_assert(rejected<Where>,
                "Sequential takes Input<...> followed by layers such as Dense<10>, ReLU or Flatten; "
                "this argument is not a layer");
}

/// True when layer `D` at `Position` accepts `In`. A descriptor's parameter rule
/// (`check_parameters`, e.g. Units > 0) comes first, then its shape rule (`accepts`). On the
/// first rejection it instantiates the rule's message, whose static_assert prints
/// `at_layer<Position, D, In>`; after it, later layers receive the poison shape and stay silent.
template <std::size_t Position, class D, class In>
consteval bool check_layer() {
  using Where = at_layer<Position, D, In>;
  if constexpr (std::is_same_v<In, poison_shape>) {
    return false;
  } else if constexpr (!LayerDescriptor<D>) {
    explain_not_a_layer<Where>();
    return false;
  } else if constexpr (!D::template check_parameters<Where>()) {
    return false;
  } else if constexpr (D::template accepts<In>) {
    return true;
  } else {
    D::template explain<Where>();
    return false;
  }
}

template <bool Ok, class D, class In>
struct bind_or_skip {
  using type = Skipped<D>;
};
template <class D, class In>
struct bind_or_skip<true, D, In> {
  using type = typename D::template bind<In>;
};

template <std::size_t Position, class In, class... Ds>
struct Fold {
  using layers = type_list<>;
  using output = In;
  static constexpr bool valid = !std::is_same_v<In, poison_shape>;
};

template <std::size_t Position, class In, class D, class... Rest>
struct Fold<Position, In, D, Rest...> {
  static constexpr bool accepted = check_layer<Position, D, In>();
  using bound = typename bind_or_skip<accepted, D, In>::type;
  using next = Fold<Position + 1, shape_t<bound::output_shape>, Rest...>;
  template <class... Ls>
  static type_list<bound, Ls...> prepend(type_list<Ls...>);
  using layers = decltype(prepend(typename next::layers{}));
  using output = typename next::output;
  static constexpr bool valid = next::valid;
};

}  // namespace typenet::detail
