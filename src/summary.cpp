// src/summary.cpp: print_summary, the Keras-like model table.
#include <typenet/graph/summary.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <ostream>
#include <string>

#include <typenet/core/build_check.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/graph/network_facts.hpp>

namespace typenet {

namespace {
/// 34826 -> "34,826", as Keras writes counts.
std::string grouped(std::size_t value) {
  const std::string digits = std::to_string(value);
  std::string text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return text;
}

std::string bytes(std::size_t value) {
  char text[32];
  if (value < 1024) std::snprintf(text, sizeof text, "%zu B", value);
  else if (value < 1024 * 1024) std::snprintf(text, sizeof text, "%.2f KiB", double(value) / 1024.0);
  else std::snprintf(text, sizeof text, "%.2f MiB", double(value) / (1024.0 * 1024.0));
  return text;
}

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}
}  // namespace

namespace detail {

std::vector<SummaryRow> summary_rows(const NetworkFacts& net) {
  const auto row_of = [&](std::size_t p) {
    const LayerFacts& node = net.layers[p - 1];
    SummaryRow row{p, node.spelling(), shape_text(node.output.data(), node.output.size()), 0, 0,
                   path_key(node.path)};
    for (const ParameterTensor& t : node.tensors) {
      row.parameters += t.size;
      row.trainable += t.trainable ? t.size : 0;
    }
    for (std::size_t i = 0; i + 1 < node.path.size(); ++i) row.depth += node.path[i].kind == PathStep::layer;
    return row;
  };
  // Whether the first `steps` steps of two paths agree.
  const auto same_prefix = [](std::span<const PathStep> a, std::span<const PathStep> b, std::size_t steps) {
    if (a.size() < steps || b.size() < steps) return false;
    for (std::size_t i = 0; i < steps; ++i)
      if (a[i].kind != b[i].kind || a[i].index != b[i].index) return false;
    return true;
  };
  std::vector<SummaryRow> rows;
  for (std::size_t p = 1; p <= net.layers.size(); ++p) {
    const std::span<const PathStep> path = net.layers[p - 1].path;
    // A heading for each block this node opens: a block step of its path that the node before
    // it did not share.
    for (std::size_t d = 0, depth = 0; d + 1 < path.size(); ++d) {
      if (path[d].kind != PathStep::layer) continue;
      if (p == 1 || !same_prefix(path, net.layers[p - 2].path, d + 1)) {
        SummaryRow heading{p, path[d].name(), {}, 0, 0, path_key(path.first(d + 1)), depth, true};
        for (std::size_t q = p; q <= net.layers.size() && same_prefix(path, net.layers[q - 1].path, d + 1); ++q) {
          const SummaryRow inside = row_of(q);
          heading.parameters += inside.parameters;
          heading.trainable += inside.trainable;
          heading.output_shape = inside.output_shape;  // the block's last node gives its output
        }
        rows.push_back(std::move(heading));
      }
      ++depth;
    }
    rows.push_back(row_of(p));
  }
  return rows;
}

}  // namespace detail

void print_summary(std::ostream& out, const std::vector<SummaryRow>& rows, const Memory& memory,
                   std::size_t scalar_bytes, const char* advice, std::size_t batch) {
  std::size_t label = 3;  // the first column: positions, or paths in a network with blocks
  for (const SummaryRow& row : rows) label = std::max(label, row.path.size());
  const auto name_of = [&](const SummaryRow& row) {
    std::string name(1, ' ');
    name.append(padded(row.path.empty() ? std::to_string(row.position) : row.path, label)).append(1, ' ');
    return name.append(2 * row.depth, ' ').append(row.layer);
  };
  std::size_t width = 36;  // the layer column, wider where a name needs it
  for (const SummaryRow& row : rows) width = std::max(width, name_of(row).size() + 1);
  const std::string rule(width + 36, '_');
  const std::string double_rule(width + 36, '=');
  out << rule << '\n'
      << padded(std::string(1, ' ').append(padded("#", label)).append(" Layer"), width) << padded("Output shape", 24)
      << "Param #\n"
      << double_rule << '\n';
  std::size_t total = 0;
  std::size_t trainable = 0;
  for (const SummaryRow& row : rows) {
    out << padded(name_of(row), width) << padded(row.output_shape, 24) << grouped(row.parameters) << '\n';
    if (row.block) continue;
    total += row.parameters;
    trainable += row.trainable;
  }
  out << double_rule << '\n'
      << "Total params: " << grouped(total) << " (" << bytes(total * scalar_bytes) << ")\n"
      << "Trainable params: " << grouped(trainable) << '\n'
      << "Non-trainable params: " << grouped(total - trainable) << '\n'
      << "Memory: parameters " << bytes(memory.parameters) << ", gradients " << bytes(memory.gradients)
      << ", optimizer state " << bytes(memory.optimizer_state) << ", packed weights " << bytes(memory.packed) << '\n'
      << "        per sample: training " << bytes(memory.training_per_sample) << " for the batch + "
      << bytes(memory.training_in_flight) << " while its chunk runs, inference " << bytes(memory.inference_per_sample)
      << '\n'
      << "        training with batch " << batch << ": " << bytes(memory.training(batch, 1)) << " on 1 thread";
  const std::size_t most = memory.work_areas(batch, std::size_t(-1));
  if (most > 1) out << ", " << bytes(memory.training(batch)) << " on " << most << " or more";
  out << '\n' << rule << '\n';
  detail::print_build_advice(out, advice);
}

void print_summary(const std::vector<SummaryRow>& rows, const Memory& memory, std::size_t scalar_bytes,
                   const char* advice) {
  print_summary(std::cout, rows, memory, scalar_bytes, advice);
}

}  // namespace typenet
