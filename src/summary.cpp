// src/summary.cpp: print_summary, the Keras-like model table.
#include <typenet/graph/summary.hpp>

#include <cstdio>
#include <iostream>
#include <ostream>
#include <string>

#include <typenet/core/build_check.hpp>

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

void print_summary(std::ostream& out, const std::vector<SummaryRow>& rows, const Memory& memory,
                   std::size_t scalar_bytes, const char* advice, std::size_t batch) {
  const std::string rule(72, '_');
  const std::string double_rule(72, '=');
  out << rule << '\n'
      << padded(" #   Layer", 36) << padded("Output shape", 24) << "Param #\n"
      << double_rule << '\n';
  std::size_t total = 0;
  std::size_t trainable = 0;
  for (const SummaryRow& row : rows) {
    std::string name(1, ' ');
    name.append(padded(std::to_string(row.position), 3)).append(1, ' ').append(row.layer);
    out << padded(name, 36) << padded(row.output_shape, 24) << grouped(row.parameters) << '\n';
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
