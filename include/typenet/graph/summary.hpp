// typenet/graph/summary.hpp: print_summary, the Keras-like table of a model's layers, shapes, parameters and memory.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include <typenet/graph/memory.hpp>

namespace typenet {

/// One row of `summary()`: a node (a layer, or the merge of a block's branches), or a block's
/// heading, above its nodes, indented one step deeper.
struct SummaryRow {
  std::size_t position;      ///< the node's position (a block's heading: its first node's)
  std::string layer;         ///< e.g. "Dense<10>", "Add", a block's type "Down<32>"
  std::string output_shape;  ///< e.g. "(26, 26, 32)"
  std::size_t parameters;    ///< a block's: all of its nodes'
  std::size_t trainable;
  std::string path;          ///< where it sits in the blocks: "3", "5.b0.1" (block 5, branch 0, layer 1), "5.m" (its merge)
  std::size_t depth = 0;     ///< the blocks it sits in
  bool block = false;        ///< a block's heading (its parameters are its nodes', not counted again)
};

namespace detail {
struct NetworkFacts;
/// The rows of a network's summary: its nodes, each block's heading before them (src/summary.cpp).
std::vector<SummaryRow> summary_rows(const NetworkFacts& net);
}  // namespace detail

/// Prints the table (compiled in src/, as all printing is). `advice` (core/build_check.hpp:
/// the caller's build_advice) follows the table, once per program, when not null; `batch` sets
/// the example training-memory line.
void print_summary(std::ostream& out, const std::vector<SummaryRow>& rows, const Memory& memory,
                   std::size_t scalar_bytes, const char* advice = nullptr, std::size_t batch = 32);
/// The same on std::cout (so that no header needs <iostream>).
void print_summary(const std::vector<SummaryRow>& rows, const Memory& memory, std::size_t scalar_bytes,
                   const char* advice = nullptr);

}  // namespace typenet
