// src/network_facts.cpp: how a node of a network is named in messages and weight files, from its path.
#include <typenet/graph/network_facts.hpp>

namespace typenet::detail {

std::string layer_path(const NetworkFacts& net, std::size_t position) {
  if (position < 1 || position > net.layers.size()) return {};
  const LayerFacts& node = net.layers[position - 1];
  std::string text;
  for (std::size_t i = 0; i < node.path.size(); ++i) {
    const PathStep& step = node.path[i];
    if (i > 0) text += " > ";
    switch (step.kind) {
      case PathStep::layer:
        text += "layer " + std::to_string(step.index);
        if (i + 1 < node.path.size()) text += " (" + step.name() + ")";
        break;
      case PathStep::branch: text += "branch " + std::to_string(step.index); break;
      case PathStep::merge: text += node.spelling(); break;
    }
  }
  return text;
}

std::string layer_name(const NetworkFacts& net, std::size_t position) {
  const std::string path = layer_path(net, position);
  if (path.empty() || net.layers[position - 1].path.back().kind == PathStep::merge) return path;
  return path + " (" + net.layers[position - 1].spelling() + ")";
}

std::string path_key(std::span<const PathStep> path) {
  std::string key;
  for (const PathStep& step : path) {
    if (!key.empty()) key += '.';
    switch (step.kind) {
      case PathStep::layer: key += std::to_string(step.index); break;
      case PathStep::branch:
        key += 'b';  // (one append: g++ 12 warns falsely of overlap in "b" + std::string)
        key += std::to_string(step.index);
        break;
      case PathStep::merge: key += "m"; break;
    }
  }
  return key;
}

}  // namespace typenet::detail
