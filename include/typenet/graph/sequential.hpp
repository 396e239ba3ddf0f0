// typenet/graph/sequential.hpp: Sequential<Input<...>, Layers...>, a network as a type, with its shapes checked at compile time.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <iosfwd>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>

#include <typenet/core/build_check.hpp>
#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/graph/detail/fold.hpp>
#include <typenet/exec/plan.hpp>
#include <typenet/graph/memory.hpp>
#include <typenet/graph/network_facts.hpp>
#include <typenet/graph/summary.hpp>
#include <typenet/layers/input.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

namespace detail {
template <class T>
struct input_of {
  static constexpr bool valid = false;
  using shape = poison_shape;
};
template <std::size_t... Dims>
struct input_of<Input<Dims...>> {
  static constexpr bool valid = Input<Dims...>::valid;
  using shape = std::conditional_t<valid, Shape<Dims...>, poison_shape>;  // Input's own check has spoken
};

template <class T>
inline constexpr bool is_input = false;
template <std::size_t... Dims>
inline constexpr bool is_input<Input<Dims...>> = true;

template <class First>
consteval bool check_input() {
  static_assert(is_input<First>,
                "Sequential needs Input<...> as its first argument, e.g. Sequential<Input<28, 28, 1>, Flatten, Dense<10>>");
  if constexpr (is_input<First>) {
    return First::template check_parameters<at_layer<0, First, typename First::shape>>();
  } else {
    return false;
  }
}

template <class Nodes>
struct layer_tuple;
template <class... Ns>
struct layer_tuple<type_list<Ns...>> {
  using type = boost::hana::tuple<typename Ns::layer...>;
  static constexpr std::size_t parameter_count = (std::size_t{0} + ... + Ns::layer::parameter_count);
  /// Elements each layer's parameter block occupies (tensors padded to cache lines).
  static constexpr std::array<std::size_t, sizeof...(Ns)> block_sizes{
      [] {
        std::size_t total = 0;
        for (const auto& t : Ns::layer::parameter_tensors) total += align_elements(t.size);
        return total;
      }()...};
  /// [p]: the first position node p reads ([0] unused).
  static constexpr std::array<std::size_t, sizeof...(Ns) + 1> first_source{0, Ns::sources[0]...};
  /// [p]: whether the gradient with respect to the output of position p is needed (0: the input):
  /// where a layer at or before it, on a path to it, has parameters.
  static constexpr std::array<bool, sizeof...(Ns) + 1> needs_gradient = [] {
    std::array<bool, sizeof...(Ns) + 1> needs{};
    std::size_t p = 0;
    ((++p, needs[p] = Ns::layer::parameter_count > 0 ||
                      std::ranges::any_of(Ns::sources, [&](std::size_t s) { return needs[s]; })),
     ...);
    return needs;
  }();
};
}  // namespace detail

/// A feed-forward network: `Input<...>` then layer descriptors and blocks (graph/blocks.hpp),
/// each bound at compile time to the shape the previous one produces. Recommended use is a
/// strong name:
///
///     struct Mlp : Sequential<Input<784>, Dense<128>, ReLU, Dense<10>, Softmax> {};
///
/// A layer that cannot take the shape it receives stops compilation with one error naming
/// `at_layer<position, layer, received shape>` (inside a block, its path: at_path<...>);
/// later layers are not checked again.
///
/// The network is laid out flat, as nodes: each layer, and where a block's branches meet, a
/// merge; a node reads the outputs of earlier ones (`node<I>::sources`, 0 the input).
template <class First, class... Layers>
struct Sequential {
 private:
  static constexpr bool input_ok = detail::check_input<First>();
  static_assert(detail::reported(input_ok));
  using fold = detail::Fold<detail::type_list<>, 1, 1, 0, typename detail::input_of<First>::shape, Layers...>;
  using tuple_info = detail::layer_tuple<typename fold::nodes>;

 public:
  /// False when some layer was rejected (the compiler has then already said why).
  static constexpr bool is_valid = input_ok && fold::valid;
  /// The nodes, in order: a shorthand counts its parts (Dense<128, ReLU> two), a block its
  /// layers and its merge.
  static constexpr std::size_t layer_count = detail::type_list_size<typename fold::nodes>;
  using nodes = typename fold::nodes;
  /// Node I (position I + 1): `layer`, `sources` (the positions it reads), `path`.
  template <std::size_t Index>
  using node = typename detail::type_list_at<Index, nodes>::type;
  /// The position whose output the network gives (the last node's).
  static constexpr std::size_t output_position = fold::source;
  /// [p]: whether training needs the gradient with respect to the output of position p.
  static constexpr auto needs_gradient = tuple_info::needs_gradient;

  /// The bound layers, in order (position p is element p - 1).
  using layer_tuple = typename tuple_info::type;
  static constexpr layer_tuple layers{};
  template <std::size_t Index>
  using layer = std::remove_cvref_t<decltype(boost::hana::at_c<Index>(layers))>;

  static constexpr typename detail::input_of<First>::shape input_shape{};
  static constexpr typename fold::output output_shape{};
  static constexpr std::size_t parameter_count = tuple_info::parameter_count;

  /// Multiply-adds of one sample's forward pass, times two: every kernel weight of a Dense or
  /// Conv2D layer meets every output position of its filter once (detail::forward_multiply_adds).
  static constexpr double forward_flops = [] {
    double total = 0;
    boost::hana::for_each(layers, [&](auto layer) {
      using L = decltype(layer);
      if constexpr (L::parameter_tensors.size() > 0) total += 2.0 * detail::forward_multiply_adds<L>();
    });
    return total;
  }();
  /// ... and of a training step: the forward pass, every weight gradient, and the input
  /// gradient of every layer with parameters whose input needs one (each as costly as its
  /// forward).
  static constexpr double training_flops = [] {
    double total = 0;
    std::size_t p = 0;
    boost::hana::for_each(layers, [&](auto layer) {
      using L = decltype(layer);
      ++p;
      if constexpr (L::parameter_tensors.size() > 0) {
        const bool input_gradient = needs_gradient[tuple_info::first_source[p]];
        total += (input_gradient ? 6.0 : 4.0) * detail::forward_multiply_adds<L>();
      }
    });
    return total;
  }();

  /// Offsets of each layer's block in the model's parameter array, and its total length.
  static constexpr auto parameter_offsets = [] {
    std::array<std::size_t, layer_count + 1> offsets{};
    for (std::size_t i = 0; i < layer_count; ++i) offsets[i + 1] = offsets[i] + tuple_info::block_sizes[i];
    return offsets;
  }();
  static constexpr std::size_t parameter_block = parameter_offsets[layer_count];

  /// The bytes a model of this network holds, with scalar `S` and an optimizer keeping
  /// `OptimizerSlots` values per parameter (Adam 2, SGD with momentum 1, plain SGD 0): the
  /// figures of its plan (exec::Plan), which the model allocates by.
  template <class S = float, std::size_t OptimizerSlots = 2>
  static constexpr Memory memory = exec::Plan<Sequential>::template memory<S, OptimizerSlots>;

  /// The rows of `summary()`: each node, and each block's heading before its nodes.
  static std::vector<SummaryRow> summary_rows() { return detail::summary_rows(detail::network_facts<Sequential>); }

  /// A Keras-like table: each layer, its output shape and parameter count, then the totals
  /// and the memory figures (float, Adam, batch 32).
  /// Ends with a line on the flags this file was compiled with when they slow typenet down
  /// (core/build_check.hpp), once per program.
  static void summary() { print_summary(summary_rows(), memory<>, sizeof(float), detail::build_advice); }
  static void summary(std::ostream& out) {
    print_summary(out, summary_rows(), memory<>, sizeof(float), detail::build_advice);
  }
};

}  // namespace typenet
