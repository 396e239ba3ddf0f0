// typenet/core/diagnostics.hpp: the vocabulary of typenet's compile-time error messages.
#pragma once

#include <cstddef>

namespace typenet {

/// Where a modelling mistake sits: the layer's position (Input is 0, the first layer 1),
/// the layer descriptor, and the shape it received. It is never defined; its only use is
/// to be printed by the compiler inside the first error of a rejected model.
template <std::size_t Position, class Layer, class Received>
struct at_layer;

/// Where a mistake sits inside a block (Chain, Residual, Concat, Add, Repeat): the steps from
/// the network's top to it, each block as `at_layer<its index in its list, the block, the shape
/// it received>` and each branch as `at_branch<index>`, then the layer at fault as `at_layer`
/// (or, for a merge that does not fit, the shapes it was given).
template <class... Steps>
struct at_path;

/// Branch `Index` of a block, counted from 0: a Residual's body is branch 0 and its Shortcut
/// branch 1; a Concat's or an Add's branches in the order written.
template <std::size_t Index>
struct at_branch;

/// The shapes a merge was given, printed in its message: a Residual's body output (and its
/// shortcut's), the outputs of a Concat's or an Add's branches.
template <class Shape>
struct body_output;
template <class Shape>
struct shortcut_output;
template <class... Shapes>
struct branch_outputs;

/// A fix the compiler can name for a mistake: the type to write (a Shortcut that would fit).
template <class Fix>
struct would_fit;

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
template <class Last>
struct received_shape<at_path<Last>> : received_shape<Last> {};
template <class First, class Second, class... Rest>
struct received_shape<at_path<First, Second, Rest...>> : received_shape<at_path<Second, Rest...>> {};
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
