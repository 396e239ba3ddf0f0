// typenet/loss/loss_concepts.hpp: LossFunction, what a loss provides to Model.
#pragma once

#include <cstddef>
#include <string_view>

namespace typenet {

/// A loss compares one sample's output y with its target t (both of N elements):
///  - `value<S, N>(y, t)` the sample's loss;
///  - `gradient<S, N>(y, t, dy, scale)` writes scale * dloss/dy;
///  - `accepts<OutShape>` and `explain<Where>()`, checked by Model like a layer's shape rule.
/// A loss may also fuse with a final Softmax (`fuses_with_softmax`), providing
/// `softmax_gradient<S, N>(p, t, dz, scale)`, the gradient with respect to Softmax's input.
template <class L>
concept LossFunction = requires {
  { L::name } -> std::convertible_to<std::string_view>;
  { L::fuses_with_softmax } -> std::convertible_to<bool>;
};

}  // namespace typenet
