// typenet/graph/network_facts.hpp: NetworkFacts, a network's nodes as run-time values: spellings, shapes, tensors, paths, sources.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/graph/detail/fold.hpp>
#include <typenet/graph/detail/type_name.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::detail {

/// One step of a node's path from the network's top (graph/detail/fold.hpp): a layer or block
/// at `index` (from 1) of its list, branch `index` (from 0) of a block, or the block's merge.
struct PathStep {
  enum Kind : std::uint8_t { layer, branch, merge } kind;
  std::size_t index;
  std::string (*name)();  ///< the layer's spelling, or the block's type as the compiler spells it
};

template <class Step>
struct path_step;
template <std::size_t Index, class D, class In>
struct path_step<at_layer<Index, D, In>> {
  static std::string name() {
    if constexpr (is_block<D>) return type_name<D>();
    else return D::spelling();
  }
  static constexpr PathStep value{PathStep::layer, Index, &name};
};
template <std::size_t Index>
struct path_step<at_branch<Index>> {
  static constexpr PathStep value{PathStep::branch, Index, nullptr};
};
template <>
struct path_step<at_merge> {
  static constexpr PathStep value{PathStep::merge, 0, nullptr};
};

template <class Path>
inline constexpr std::array<PathStep, 0> path_steps{};
template <class... Steps>
inline constexpr std::array<PathStep, sizeof...(Steps)> path_steps<type_list<Steps...>>{path_step<Steps>::value...};

/// One node (a layer or a merge) as weight files, checkpoints, messages, summaries and
/// initialisation see it. Run-time values (a table made at compile time): the code that reads
/// them is compiled once per scalar type, or once in src/, instead of once per network.
struct LayerFacts {
  std::string (*spelling)();  ///< the layer as written in the type, e.g. "Dense<128>"; "Add", "Concat"
  std::span<const std::size_t> input;   ///< the shape it receives
  std::span<const std::size_t> output;  ///< the shape it produces
  std::span<const ParameterTensor> tensors;
  std::size_t offset;  ///< where its block starts in the parameters
  std::span<const PathStep> path;       ///< from the network's top; one step for a layer at the top
  std::span<const std::size_t> sources;  ///< the positions it reads (0: the network's input)
};

/// A network's nodes and the length of its parameter block.
struct NetworkFacts {
  std::span<const LayerFacts> layers;
  std::size_t parameter_block;
};

template <class Node>
constexpr LayerFacts facts_of(std::size_t offset) {
  using L = typename Node::layer;
  return {+[] { return std::string(L::descriptor::spelling()); },
          shape_t<L::input_shape>::dims,
          shape_t<L::output_shape>::dims,
          L::parameter_tensors,
          offset,
          path_steps<typename Node::path>,
          Node::sources};
}

template <class Net>
inline constexpr auto layer_facts = []<std::size_t... I>(std::index_sequence<I...>) {
  return std::array<LayerFacts, sizeof...(I)>{facts_of<typename Net::template node<I>>(Net::parameter_offsets[I])...};
}(std::make_index_sequence<Net::layer_count>{});

template <class Net>
inline constexpr NetworkFacts network_facts{layer_facts<Net>, Net::parameter_block};

/// Appends to `out` (a std::string, or a BasicText in a constant expression) where a node sits
/// as messages name it, from its path (PathStep or ConstPathStep, from the top): "layer 3",
/// "layer 5 (Down<32>) > branch 0 > layer 1", "layer 5 (Down<32>) > Add" for a merge.
/// `step_name(step)` spells a layer step's layer or block, `node_name()` the node itself.
template <class Out, class Steps, class StepName, class NodeName>
constexpr void append_layer_path(Out& out, const Steps& path, StepName step_name, NodeName node_name) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto& step = path[i];
    if (i > 0) out += " > ";
    switch (step.kind) {
      case PathStep::layer:
        out += "layer ";
        append_decimal(out, step.index);
        if (i + 1 < path.size()) {
          out += " (";
          out += step_name(step);
          out += ")";
        }
        break;
      case PathStep::branch:
        out += "branch ";
        append_decimal(out, step.index);
        break;
      case PathStep::merge: out += node_name(); break;
    }
  }
}

/// Appends the path as weight files record it, the same whatever the compiler: "3", "5.b0.1", "5.m".
template <class Out, class Steps>
constexpr void append_path_key(Out& out, const Steps& path) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out += ".";
    switch (path[i].kind) {
      case PathStep::layer: append_decimal(out, path[i].index); break;
      case PathStep::branch:
        out += "b";
        append_decimal(out, path[i].index);
        break;
      case PathStep::merge: out += "m"; break;
    }
  }
}

/// "layer 3 (Conv2D<64, 3, 3>)"; inside a block its path, "layer 5 (Down<32>) > branch 0 >
/// layer 1 (Conv2D<32, 3, 3, same, 2, 2>)", or "layer 5 (Down<32>) > Add" for its merge
/// (src/network_facts.cpp). Empty for a position the network does not have.
std::string layer_name(const NetworkFacts& net, std::size_t position);
/// The same without the node's own spelling: "layer 3", "layer 5 (Down<32>) > branch 0 > layer 1".
std::string layer_path(const NetworkFacts& net, std::size_t position);

/// The path as weight files record it, the same whatever the compiler: "3", "5.b0.1", "5.m".
std::string path_key(std::span<const PathStep> path);

}  // namespace typenet::detail
