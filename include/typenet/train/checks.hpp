// typenet/train/checks.hpp: Network, and the compile-time checks a Model makes of its loss and its data against the network.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <span>
#include <type_traits>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/loss/loss_concepts.hpp>
#include <typenet/optim/optimizer_concepts.hpp>

namespace typenet {

/// What a network type provides (Sequential and anything derived from it).
template <class N>
concept Network = requires {
  { N::is_valid } -> std::convertible_to<bool>;
  N::layers;
  N::input_shape;
  N::output_shape;
  N::parameter_offsets;
};

namespace detail {

/// What Model needs of its second argument: a loss with a shape rule for the network's output.
template <class L>
concept ModelLoss = LossFunction<L> && requires { L::template accepts<Shape<1>>; };

/// Whether Model's arguments after the network are a loss, an optimizer and a scalar type.
template <class L, class O, class S>
inline constexpr bool model_arguments_ok = ModelLoss<L> && optim::Optimizer<O> && std::is_floating_point_v<S>;

/// T::Options where T has them, else a type no argument converts to (Tag keeps two apart).
template <std::size_t Tag>
struct NoOptions {
  explicit NoOptions() = default;
};
template <class T, std::size_t Tag>
struct options_of {
  using type = NoOptions<Tag>;
};
template <class T, std::size_t Tag>
  requires requires { typename T::Options; }
struct options_of<T, Tag> {
  using type = typename T::Options;
};

/// The one error for Model arguments that are not a loss, an optimizer and a scalar type.
template <class Net, class L, class O, class S>
consteval bool check_model_arguments() {
  using Where = at_model<Net, L, O, S>;
  if constexpr (optim::Optimizer<L> && ModelLoss<O>) {
    static_assert(rejected<Where>, "Model takes the loss second and the optimizer third: write "
                                   "Model<Network, Loss, Optimizer>, e.g. Model<Net, loss::CrossEntropy, optim::Adam>");
    return false;
  } else if constexpr (!ModelLoss<L>) {
    static_assert(rejected<Where>, "Model's second argument must be a loss, such as loss::CrossEntropy, "
                                   "loss::BinaryCrossEntropy or loss::MeanSquaredError: "
                                   "Model<Network, Loss, Optimizer, Scalar = float>");
    return false;
  } else if constexpr (!optim::Optimizer<O>) {
    static_assert(rejected<Where>, "Model's third argument must be an optimizer, such as optim::Adam, optim::SGD "
                                   "or optim::RMSprop (the scalar type, float unless given, comes fourth): "
                                   "Model<Network, Loss, Optimizer, Scalar = float>");
    return false;
  } else {
    static_assert(rejected<Where>, "Model's fourth argument, its scalar type, must be float, double or long double");
    return false;
  }
}

/// The number of values a sample type holds when the type says (std::array, a C array, a
/// fixed-size std::span); 0 when only the value knows.
template <class T>
inline constexpr std::size_t static_extent = 0;
template <class T, std::size_t N>
inline constexpr std::size_t static_extent<std::array<T, N>> = N;
template <class T, std::size_t N>
inline constexpr std::size_t static_extent<T[N]> = N;
template <class T, std::size_t N>
  requires(N != std::dynamic_extent)
inline constexpr std::size_t static_extent<std::span<T, N>> = N;

/// A sample for predict whose size its type fixes must have the network's input size.
template <class Net, class Input>
consteval bool check_sample() {
  constexpr std::size_t n = static_extent<std::remove_cvref_t<Input>>;
  using In = shape_t<Net::input_shape>;
  if constexpr (n != 0 && n != In::size) {
    static_assert(rejected<at_network_input<Net, data_shape<Shape<n>>, network_shape<In>>>,
                  "predict: the sample does not have the network's input size: give it as many values as the "
                  "network's Input<...> holds");
    return false;
  } else {
    return true;
  }
}

template <class Net, class Loss>
consteval bool check_loss() {
  if constexpr (!Net::is_valid) {
    return false;  // the network's own error has been reported
  } else if constexpr (!Loss::template accepts<shape_t<Net::output_shape>>) {
    Loss::template explain<at_network_output<Net, shape_t<Net::output_shape>, Loss>>();
    return false;
  } else if constexpr (Net::layer_count > 0) {
    // The layer the network ends in, for a loss that needs one kind (or refuses one).
    using Last = typename Net::template layer<Net::layer_count - 1>;
    using Where = at_network_end<Net, Net::layer_count, typename Last::descriptor, Loss>;
    if constexpr (requires { Loss::template check_end<Where, Last>(); }) return Loss::template check_end<Where, Last>();
    else return true;
  } else {
    return true;
  }
}

template <class Where>
consteval void explain_input_mismatch() {
  static_assert(rejected<Where>,
                "the data set's samples do not have the network's input shape: "
                "reshape the data set (data.reshape<Shape<...>>()) or change Input<...>");
}
template <class Where>
consteval void explain_target_mismatch() {
  static_assert(rejected<Where>,
                "the data set's targets do not have the network's output shape: "
                "give the last Dense layer as many units as there are classes");
}

/// The data set against the network, silent when the network or its loss has already been
/// refused (one mistake, one error: a CrossEntropy on an image output also leaves the targets
/// unfit, and clang++ reported both).
template <class Net, class Data, class Loss>
consteval bool check_data() {
  if constexpr (!Net::is_valid || !check_loss<Net, Loss>()) {
    return false;
  } else if constexpr (!(Data::input_shape == Net::input_shape)) {
    explain_input_mismatch<
        at_network_input<Net, data_shape<typename Data::input_type>, network_shape<shape_t<Net::input_shape>>>>();
    return false;
  } else if constexpr (!(Data::target_shape == Net::output_shape)) {
    explain_target_mismatch<
        at_network_targets<Net, data_shape<typename Data::target_type>, network_shape<shape_t<Net::output_shape>>>>();
    return false;
  } else {
    return true;
  }
}

}  // namespace detail
}  // namespace typenet
