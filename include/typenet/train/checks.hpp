// typenet/train/checks.hpp: Network, and the compile-time checks a Model makes of its loss and its data against the network.
#pragma once

#include <concepts>
#include <type_traits>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>

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
    explain_input_mismatch<at_network_input<Net, typename Data::input_type, shape_t<Net::input_shape>>>();
    return false;
  } else if constexpr (!(Data::target_shape == Net::output_shape)) {
    explain_target_mismatch<at_network_output<Net, shape_t<Net::output_shape>, typename Data::target_type>>();
    return false;
  } else {
    return true;
  }
}

}  // namespace detail
}  // namespace typenet
