// typenet/loss/loss_concepts.hpp: LossFunction, what a loss provides to Model, and its optional members.
#pragma once

#include <cstddef>
#include <string_view>

namespace typenet {

/// A loss compares one sample's output y with its target t (both of N elements):
///  - `value<S, N>(y, t)` the sample's loss;
///  - `gradient<S, N>(y, t, dy, scale)` writes scale * dloss/dy;
///  - `accepts<OutShape>` and `explain<Where>()`, checked by Model like a layer's shape rule.
/// Optional members:
///  - `fuses_with_softmax` (with `softmax_gradient<S, N>(p, t, dz, scale)`, the gradient with
///    respect to the input of a final Softmax, whose backward pass is then skipped);
///  - `check_end<Where, Last>()`, a consteval check of the bound layer the network ends in
///    (CrossEntropy needs a Softmax there, the losses on logits refuse one), reporting with
///    `static_assert(rejected<Where>, ...)` where `Where` is at_network_end<...>;
///  - `threshold`, the value above which a single output stands for class 1 (accuracy,
///    predict_classes): 0.5 by default (a probability), 0 for a loss on logits;
///  - `metric`, the Metric fit reports beside it (loss/metric.hpp): accuracy by default,
///    mae for MeanSquaredError.
template <class L>
concept LossFunction = requires {
  { L::name } -> std::convertible_to<std::string_view>;
};

namespace detail {
template <class L>
inline constexpr bool loss_fuses_with_softmax = requires { requires L::fuses_with_softmax; };

template <class L>
inline constexpr double loss_threshold = [] {
  if constexpr (requires { double(L::threshold); }) return double(L::threshold);
  else return 0.5;
}();
}  // namespace detail

}  // namespace typenet
