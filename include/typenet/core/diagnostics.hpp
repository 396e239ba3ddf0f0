// typenet/core/diagnostics.hpp: the vocabulary of typenet's compile-time error messages.
#pragma once

#include <cstddef>

namespace typenet {

/// Where a modelling mistake sits: the layer's position (Input is 0, the first layer 1),
/// the layer descriptor, and the shape it received. It is never defined; its only use is
/// to be printed by the compiler inside the first error of a rejected model.
template <std::size_t Position, class Layer, class Received>
struct at_layer;

/// Where a loss or a data set's targets do not fit the network's output: the network, the
/// shape it produces, and the loss or target shape that does not fit it.
template <class Network, class Produces, class Needs>
struct at_network_output;

/// Where a loss does not fit the layer a network ends in: the network, that layer's position and
/// descriptor, and the loss (CrossEntropy after a Dense with no Softmax, for example).
template <class Network, std::size_t Position, class Layer, class Loss>
struct at_network_end;

/// The labels of the two shapes in a data mismatch, printed around them: the data's first,
/// then the network's (`data_shape<Shape<28, 28, 1>>, network_shape<Shape<784>>`).
template <class Shape>
struct data_shape;
template <class Shape>
struct network_shape;

/// Where a data set's samples (or a sample given to predict) do not fit the network's input:
/// the network, `data_shape<the samples' shape>`, `network_shape<the Input shape>`.
template <class Network, class Samples, class Input>
struct at_network_input;

/// Where a data set's targets do not fit the network's output: the network,
/// `data_shape<the targets' shape>`, `network_shape<the output shape>`.
template <class Network, class Targets, class Output>
struct at_network_targets;

/// Where Model's arguments are not a network, a loss, an optimizer and a scalar type, in that
/// order: the arguments as given.
template <class Network, class Loss, class Optimizer, class Scalar>
struct at_model;

namespace detail {
/// The shape a layer received, read back from its `at_layer`, so that `explain` can choose
/// the message that fits.
template <class Where>
struct received_shape;
template <std::size_t Position, class Layer, class Received>
struct received_shape<at_layer<Position, Layer, Received>> {
  using type = Received;
};
template <class Where>
using received_t = typename received_shape<Where>::type;

/// The shape a network produces, read back from its `at_network_output`.
template <class Where>
struct produced_shape;
template <class Network, class Produces, class Needs>
struct produced_shape<at_network_output<Network, Produces, Needs>> {
  using type = Produces;
};
template <class Where>
using produced_t = typename produced_shape<Where>::type;

/// Always false, but only known once `Where` is given: a `static_assert(rejected<Where>, "...")`
/// fires when the surrounding template is instantiated and prints `Where` in its note.
template <class Where>
inline constexpr bool rejected = false;

/// Turns a check whose failure has already produced its own error into an assertion that
/// holds: `static_assert(reported(check<...>()))` runs the check and adds no second error.
consteval bool reported(bool) { return true; }
}  // namespace detail

}  // namespace typenet
