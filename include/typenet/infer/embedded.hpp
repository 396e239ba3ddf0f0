// typenet/infer/embedded.hpp: Embedded<Net, Weights>, a Predictor on a weight file compiled into the program (typenet-embed), its architecture checked at compile time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include <typenet/core/text.hpp>
#include <typenet/graph/architecture_check.hpp>
#include <typenet/graph/detail/type_name.hpp>
#include <typenet/graph/network_facts.hpp>
#include <typenet/infer/predictor.hpp>

namespace typenet {

/// What typenet-embed records of a weight file, as constants of the header it writes
/// (docs/deploying.md): the same facts the file's architecture holds.
namespace embed {
struct Tensor {
  std::string_view name;
  std::uint64_t size;
};
struct Node {
  std::string_view kind;  ///< the layer as written in the type, e.g. "Dense<128>"
  std::span<const std::uint64_t> input;
  std::span<const std::uint64_t> output;
  std::span<const Tensor> tensors;
  std::string_view path;  ///< "3", "5.b0.1", "5.m"
  std::span<const std::uint64_t> sources;
};
}  // namespace embed

namespace detail {

/// A step of a node's path with its layer's or block's name as a constant (PathStep's twin).
struct ConstPathStep {
  PathStep::Kind kind;
  std::size_t index;
  Text name;
};

template <class Step>
struct const_path_step;
template <std::size_t Index, class D, class In>
struct const_path_step<at_layer<Index, D, In>> {
  static constexpr ConstPathStep value() {
    if constexpr (is_block<D>) return {PathStep::layer, Index, type_text<D>()};
    else return {PathStep::layer, Index, Text(D::spelling())};
  }
};
template <std::size_t Index>
struct const_path_step<at_branch<Index>> {
  static constexpr ConstPathStep value() { return {PathStep::branch, Index, {}}; }
};
template <>
struct const_path_step<at_merge> {
  static constexpr ConstPathStep value() { return {PathStep::merge, 0, {}}; }
};

template <class Path>
struct const_path_steps;
template <class... Steps>
struct const_path_steps<type_list<Steps...>> {
  static constexpr std::array<ConstPathStep, sizeof...(Steps)> value{const_path_step<Steps>::value()...};
};

/// Where the names of nested blocks go: "layer 5 (Down<32>) > branch 0 > layer 1".
using Where = BasicText<1023>;

/// One node of a network as a weight file describes it (LayerRecord's twin), made in a constant
/// expression from the network's type.
struct ConstLayerRecord {
  Text kind;
  std::span<const std::size_t> input;
  std::span<const std::size_t> output;
  std::span<const ParameterTensor> tensors;
  Text path;
  std::span<const std::size_t> sources;
  Where where;
};

template <class Node>
constexpr ConstLayerRecord const_layer_record() {
  using L = typename Node::layer;
  constexpr auto& steps = const_path_steps<typename Node::path>::value;
  ConstLayerRecord record{Text(L::descriptor::spelling()), shape_t<L::input_shape>::dims,
                          shape_t<L::output_shape>::dims, L::parameter_tensors, {}, Node::sources, {}};
  append_path_key(record.path, steps);
  append_layer_path(record.where, steps, [](const ConstPathStep& step) { return step.name; },
                    [&] { return record.kind; });
  return record;
}

/// The network as its weight files describe it, as constants.
template <class Net>
inline constexpr auto const_architecture = []<std::size_t... I>(std::index_sequence<I...>) {
  return std::array<ConstLayerRecord, sizeof...(I)>{const_layer_record<typename Net::template node<I>>()...};
}(std::make_index_sequence<Net::layer_count>{});

/// Whether every layer of Net spells itself in a constant expression (a Text; a layer of the
/// user's own may return a std::string, which is not enough to check an embedded file).
template <class Net>
inline constexpr bool spellings_are_constant = []<std::size_t... I>(std::index_sequence<I...>) {
  return (std::is_same_v<std::remove_cvref_t<decltype(Net::template node<I>::layer::descriptor::spelling())>, Text> &&
          ...);
}(std::make_index_sequence<Net::layer_count>{});

using Message = BasicText<2047>;

/// What the run-time loader would say of loading Weights into a Predictor<Net, S> (the same
/// words: io::check_architecture, read_parameters), or nothing when it describes it.
template <class Net, class Weights, class S>
constexpr Message embedded_mismatch() {
  Message out;
  const auto named = [&] {
    out += Weights::file;
    out += ": ";
  };
  constexpr std::string_view model_scalar = scalar_name<S>;
  if (Weights::scalar_name != model_scalar) {
    named();
    out += "holds ";
    out += Weights::scalar_name;
    out += " parameters, the model's scalar type is ";
    out += model_scalar;
    out += Weights::scalar_name == "float32" ? " (make an Embedded<..., float> to read it)"
                                             : " (make an Embedded<..., double> to read it)";
    return out;
  }
  constexpr auto& model = const_architecture<Net>;
  Message what;
  if (describe_difference(what, std::span<const embed::Node>(Weights::nodes), model,
                          [&](std::size_t i) { return model[i].where.view(); })) {
    named();
    out += "was saved from a different network: ";
    out += what;
    return out;
  }
  if (Weights::bytes != Net::parameter_block * sizeof(S)) {
    named();
    out += "holds ";
    append_decimal(out, Weights::bytes);
    out += " bytes of parameters, the model's parameter block is ";
    append_decimal(out, Net::parameter_block * sizeof(S));
    out += " bytes (its header and its data come from different runs of typenet-embed)";
  }
  return out;
}

/// The message as a template argument: g++ prints it as a string.
template <std::size_t N>
struct MessageText {
  char text[N];
};

/// The compile-time error of an embedded weight file that does not describe its network: the
/// message is in the template argument (a string for g++; for clang++, which prints character
/// arrays as numbers, one character after the other).
template <auto...>
inline constexpr bool never = false;
#if defined(__clang__)
template <char... Message>
struct the_embedded_weight_file_does_not_describe_the_network {
  static_assert(never<Message...>,
                "the embedded weight file does not describe the network: the template argument above "
                "spells the message, one character after the other");
};
#else
template <MessageText Message>
struct the_embedded_weight_file_does_not_describe_the_network {
  static_assert(never<Message>,
                "the embedded weight file does not describe the network: the template argument above "
                "is the message");
};
#endif

/// Agreement: nothing to say.
struct embedded_weights_agree {};

template <const auto& Message, class Indices>
struct message_error;
template <const auto& Message, std::size_t... I>
struct message_error<Message, std::index_sequence<I...>> {
#if defined(__clang__)
  using type = the_embedded_weight_file_does_not_describe_the_network<Message[I]...>;
#else
  static constexpr MessageText<sizeof...(I) + 1> text{{Message[I]..., '\0'}};
  using type = the_embedded_weight_file_does_not_describe_the_network<text>;
#endif
};

/// embedded_weights_agree, or the error that carries the message (one error: instantiating it
/// fails its static_assert, and nothing else is evaluated from it).
template <class Net, class Weights, class S>
struct embedded_check {
  static constexpr Message message = embedded_mismatch<Net, Weights, S>();
  using type = typename std::conditional_t<message.empty(), std::type_identity<embedded_weights_agree>,
                                           message_error<message, std::make_index_sequence<message.size()>>>::type;
};

template <bool Constant, class Net, class Weights, class S>
struct embedded_verdict {  // (the spellings' own error is enough)
  using type = embedded_weights_agree;
};
template <class Net, class Weights, class S>
struct embedded_verdict<true, Net, Weights, S> : embedded_check<Net, Weights, S> {};

}  // namespace detail

/// A Predictor whose parameters are a weight file compiled into the program: `Weights` is the
/// type typenet-embed declares in the header it writes (docs/deploying.md), which holds the
/// file's architecture as constants and its values as read-only data in the program, laid out
/// as the parameter block. A file that does not describe Net (another architecture, other
/// shapes, another scalar type) does not compile: one error, whose template argument says what
/// differs in the words the run-time loader uses ("seed_cnn.tnw: was saved from a different
/// network: layer 4: file has Dense<64>, model expects Dense<128>"). The values are read in
/// place, never copied; construction only packs them for the kernels, into the object.
template <class Net, class Weights, class S = typename Weights::scalar, std::size_t Batch = 1>
class Embedded : public Predictor<Net, S, Batch> {
  static_assert(detail::spellings_are_constant<Net>,
                "Embedded<Net, Weights> checks the file's architecture at compile time: every layer's "
                "spelling() must be a constexpr typenet::detail::Text (docs/writing-a-layer.md)");
  static_assert(sizeof(typename detail::embedded_verdict<detail::spellings_are_constant<Net>, Net, Weights, S>::type) > 0);

 public:
  using weights = Weights;
  Embedded() noexcept : Predictor<Net, S, Batch>(static_cast<const S*>(static_cast<const void*>(Weights::data()))) {}
};

}  // namespace typenet
