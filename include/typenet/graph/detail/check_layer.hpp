// typenet/graph/detail/check_layer.hpp: check_layer, the protocol's checks of one layer at its place, with one message for the first that fails.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::detail {

/// The shape a layer receives once an earlier layer was rejected. No real layer produces a
/// rank-0 shape and Input cannot declare one, so it is free to mean "already reported".
using poison_shape = Shape<>;

/// The message for a descriptor that lacks one of its parts (layers/layer_concepts.hpp): the
/// first one missing, in the protocol's order.
template <class Where, class D>
consteval void explain_descriptor() {
  if constexpr (!has_layer_name<D>)
    static_assert(rejected<Where>,
                  "Sequential takes Input<...> followed by layers such as Dense<10>, ReLU or Flatten; this argument "
                  "is not a layer: it has no name (a layer starts with static constexpr std::string_view name and "
                  "static std::string spelling())");
  else if constexpr (!has_spelling<D>)
    static_assert(rejected<Where>,
                  "this layer has no spelling: give it static std::string spelling(), naming it with every "
                  "argument that changes what it computes, e.g. \"Dense<10>\"");
  else if constexpr (!has_parameter_rule<D, Where>)
    static_assert(rejected<Where>,
                  "this layer has no parameter rule: give it template <class Where> static consteval bool "
                  "check_parameters(), returning true when it has nothing to check");
  else
    static_assert(rejected<Where>,
                  "this layer has no message for an input it refuses: give it template <class Where> static "
                  "consteval void explain()");
}

/// The message for a bound layer that lacks one of its members or passes, or breaks the law
/// between them (layers/layer_concepts.hpp): the first one, in the protocol's order.
template <class Where, class L>
consteval void explain_bound_layer() {
  if constexpr (!has_descriptor<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type does not name its layer: give bind<In> using descriptor = the layer");
  else if constexpr (!has_input_shape<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no input shape: give bind<In> static constexpr In input_shape{}");
  else if constexpr (!has_output_shape<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no output shape: give bind<In> a static constexpr output_shape, a "
                  "Shape<...> value (In output_shape{} keeps the input's shape)");
  else if constexpr (!has_parameter_tensors<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no parameter tensors: give bind<In> a static constexpr "
                  "std::array<ParameterTensor, N> parameter_tensors, or derive it from NoParameters");
  else if constexpr (!has_parameter_count<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no parameter count: give bind<In> static constexpr std::size_t "
                  "parameter_count, the sum of its tensors' sizes");
  else if constexpr (!has_packed_size<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no packed size: give bind<In> static constexpr std::size_t "
                  "packed_size (0 when it packs nothing)");
  else if constexpr (!has_gradient_tiles<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no gradient tile count: give bind<In> static constexpr "
                  "std::size_t gradient_tiles (0 without parameters)");
  else if constexpr (!has_saved_size<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no saved size: give bind<In> static constexpr std::size_t "
                  "saved_size, the values per sample kept from forward to backward, or derive it from NoWorkAreas");
  else if constexpr (!has_scratch_size<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no scratch size: give bind<In> static constexpr std::size_t "
                  "scratch_size, the values per sample of work space in one call, or derive it from NoWorkAreas");
  else if constexpr (!has_forward<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no forward pass: give bind<In> a static forward(pass, x, y, n), a "
                  "template on the scalar type S returning void");
  else if constexpr (!has_backward<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no backward pass: give bind<In> a static backward(pass, x, y, dy, "
                  "dx, n), a template on the scalar type S returning void");
  else if constexpr (!has_gradient<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no parameter gradient: give bind<In> a static gradient(pass, tile, "
                  "g, x, dy, n), a template on the scalar type S returning void (NoParameters has an empty one)");
  else if constexpr (!has_pack<L>)
    static_assert(rejected<Where>,
                  "this layer's bound type has no pack: give bind<In> a static pack(params, packed), a template on "
                  "the scalar type S returning void (NoParameters has an empty one)");
  else if constexpr (!parameter_count_is_the_tensors<L>())
    static_assert(rejected<Where>,
                  "this layer's parameter_count is not the sum of its parameter tensors' sizes");
  else if constexpr (!tensor_shapes_fit<L>())
    static_assert(rejected<Where>,
                  "a parameter tensor of this layer has a shape whose axes do not multiply to its size");
  else if constexpr (!gradient_spans_fit<L>())
    static_assert(rejected<Where>,
                  "this layer's gradient spans overlap or leave its parameter block: give each of its "
                  "gradient_tiles a part of the block of its own in gradient_span(tile)");
  else
    static_assert(rejected<Where>,
                  "this layer's bound type declares batch_coupled but lacks partial_size, reduced_size, "
                  "statistics, reduce, gradient_statistics, reduce_gradient or update_moving (see "
                  "BatchNormalization)");
}

/// True when layer `D` accepts `In` at `Where` (`at_layer<Position, D, In>`, inside a block
/// `at_path<..., at_layer<Position, D, In>>`), checked in the protocol's order: the
/// descriptor's parts, its parameter rule (`check_parameters`, e.g. Units > 0), its shape rule
/// (`accepts`), then its bind<In> as a BoundLayer (a shorthand has none: its parts are folded).
/// On the first rejection it instantiates the message, whose static_assert prints `Where`; after it, later layers receive the poison shape and stay silent.
template <class Where, class D, class In>
consteval bool check_layer() {
  if constexpr (std::is_same_v<In, poison_shape>) {
    return false;
  } else if constexpr (!LayerDescriptor<D>) {
    explain_descriptor<Where, D>();
    return false;
  } else if constexpr (!D::template check_parameters<Where>()) {
    return false;
  } else if constexpr (!has_shape_rule<D, In>) {
    static_assert(rejected<Where>,
                  "this layer has no shape rule: give it template <AnyShape In> static constexpr bool accepts, "
                  "true for every input shape it takes");
    return false;
  } else if constexpr (!D::template accepts<In>) {
    D::template explain<Where>();
    return false;
  } else if constexpr (is_shorthand<D>) {
    return true;  // its parts are checked in their turn
  } else if constexpr (!has_bind<D, In>) {
    static_assert(rejected<Where>,
                  "this layer has no bound type for this input: give it template <AnyShape In> struct bind, the "
                  "layer made for input shape In");
    return false;
  } else if constexpr (!BoundLayer<typename D::template bind<In>>) {
    explain_bound_layer<Where, typename D::template bind<In>>();
    return false;
  } else {
    return true;
  }
}

}  // namespace typenet::detail
