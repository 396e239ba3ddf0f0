// typenet/graph/summary.hpp: print_summary, the Keras-like table of a model's layers, shapes, parameters and memory.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include <typenet/graph/memory.hpp>

namespace typenet {

struct SummaryRow {
  std::size_t position;
  std::string layer;         ///< e.g. "Dense<10>"
  std::string output_shape;  ///< e.g. "(26, 26, 32)"
  std::size_t parameters;
  std::size_t trainable;
};

/// Prints the table (compiled in src/, as all printing is). `advice` (core/build_check.hpp:
/// the caller's build_advice) follows the table, once per program, when not null; `batch` sets
/// the example training-memory line.
void print_summary(std::ostream& out, const std::vector<SummaryRow>& rows, const Memory& memory,
                   std::size_t scalar_bytes, const char* advice = nullptr, std::size_t batch = 32);
/// The same on std::cout (so that no header needs <iostream>).
void print_summary(const std::vector<SummaryRow>& rows, const Memory& memory, std::size_t scalar_bytes,
                   const char* advice = nullptr);

}  // namespace typenet
