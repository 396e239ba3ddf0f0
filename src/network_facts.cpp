// src/network_facts.cpp: how a node of a network is named in messages and weight files, from its path.
#include <typenet/graph/network_facts.hpp>

namespace typenet::detail {

std::string layer_path(const NetworkFacts& net, std::size_t position) {
  if (position < 1 || position > net.layers.size()) return {};
  const LayerFacts& node = net.layers[position - 1];
  std::string text;
  append_layer_path(text, node.path, [](const PathStep& step) { return step.name(); }, node.spelling);
  return text;
}

std::string layer_name(const NetworkFacts& net, std::size_t position) {
  const std::string path = layer_path(net, position);
  if (path.empty() || net.layers[position - 1].path.back().kind == PathStep::merge) return path;
  return path + " (" + net.layers[position - 1].spelling() + ")";
}

std::string path_key(std::span<const PathStep> path) {
  std::string key;
  append_path_key(key, path);
  return key;
}

}  // namespace typenet::detail
