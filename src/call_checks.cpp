// src/call_checks.cpp: the run-time checks of Model's arguments, with their messages.
#include <string>

#include <typenet/core/error.hpp>
#include <typenet/train/detail/call_checks.hpp>

namespace typenet::detail {

void check_batch(const char* caller, std::span<const std::uint32_t> indices, std::size_t samples) {
  if (indices.empty()) throw Error(std::string(caller) + ": the batch is empty");
  for (const std::uint32_t index : indices)
    if (index >= samples)
      throw Error(std::string(caller) + ": sample index " + std::to_string(index) + " is outside a data set of " +
                  std::to_string(samples) + " samples");
}

void check_inference_batch(const char* caller, std::size_t batch) {
  if (batch == 0) throw Error(std::string(caller) + ": batch must be at least 1");
}

void check_evaluation(std::size_t samples, std::size_t top_k) {
  if (samples == 0) throw Error("evaluate: the data set is empty");
  if (top_k == 0) throw Error("evaluate: top_k must be at least 1");
}

void check_outputs(std::size_t values, std::size_t samples, std::size_t per_sample) {
  if (values != samples * per_sample)
    throw Error("predict: " + std::to_string(values) + " output values for " + std::to_string(samples) +
                " samples of " + std::to_string(per_sample));
}

void check_sample_values(std::size_t values, std::size_t input_size) {
  if (values != input_size)
    throw Error("predict: the sample has " + std::to_string(values) + " values, the network takes " +
                std::to_string(input_size));
}

}  // namespace typenet::detail
