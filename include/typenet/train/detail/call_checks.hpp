// typenet/train/detail/call_checks.hpp: the run-time checks of Model's arguments (indices, sizes, batch), compiled once in src/, and copy_sample.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ranges>
#include <span>

namespace typenet::detail {

/// Each throws typenet::Error naming `caller` (the call the user made) and what is wrong.

/// A batch: not empty, and every index inside a data set of `samples` samples.
void check_batch(const char* caller, std::span<const std::uint32_t> indices, std::size_t samples);
/// Inference `batch` samples at a time: at least 1.
void check_inference_batch(const char* caller, std::size_t batch);
/// evaluate's data set (not empty) and top_k (at least 1).
void check_evaluation(std::size_t samples, std::size_t top_k);
/// predict's output buffer: `values` for `samples` samples of `per_sample` values each.
void check_outputs(std::size_t values, std::size_t samples, std::size_t per_sample);
/// predict's sample: `values` values where the network takes `input_size`.
void check_sample_values(std::size_t values, std::size_t input_size);

/// Copies one sample to `to`: a data set's sample as it copies itself, any other range of
/// numbers checked to have `Size` values.
template <std::size_t Size, class Input, class S>
void copy_sample(const Input& x, S* to) {
  if constexpr (requires { x.copy_to(to); }) {
    x.copy_to(to);
  } else {
    check_sample_values(std::ranges::size(x), Size);
    std::ranges::copy(x, to);
  }
}

}  // namespace typenet::detail
