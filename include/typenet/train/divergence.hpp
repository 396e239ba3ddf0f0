// typenet/train/divergence.hpp: StepOptions and check_and_clip: a step whose loss or gradient is not finite stops with the layer to blame.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>

#include <typenet/core/detail/compiler.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/simd.hpp>
#include <typenet/loss/metric.hpp>
#include <typenet/train/parameters.hpp>

namespace typenet {

/// What a training step checks besides its arithmetic, and where it stands for messages.
struct StepOptions {
  /// Gradients whose global norm exceeds this are scaled down to it before the update
  /// (Keras's global_clipnorm); 0: no clipping.
  double clip_norm = 0;
  /// The epoch and the batch (from 1) of the fit this step belongs to, for messages; 0: a
  /// step of the caller's own (train_step).
  std::size_t epoch = 0;
  std::size_t batch = 0;
  /// The figure whose per-sample sum the step returns beside the loss (BatchResult::metric_sum).
  /// Empty: the loss's own (loss/metric.hpp).
  std::optional<Metric> metric = std::nullopt;
};

namespace detail {

/// "fit: epoch 3, batch 7: " or "train_step: ".
inline std::string step_place(const StepOptions& options) {
  if (options.epoch == 0) return "train_step: ";
  return "fit: epoch " + std::to_string(options.epoch) + ", batch " + std::to_string(options.batch) + ": ";
}

/// Why a step failed, as check_and_clip reports it: where it started: in the data, then the
/// first layer whose output is not finite (the engine runs the forward pass again to find it),
/// then the gradient of the last layer (the backward pass runs from the output). Never inlined
/// and optimised for size: it runs once, before an Error ends the training.
template <class Net, class S, class Engine, class Data>
[[noreturn, gnu::cold]] TYPENET_NOINLINE void report_divergence(Engine& engine, const Data& data,
                                                                std::span<const std::uint32_t> indices,
                                                                double loss_sum, const S* grads,
                                                                const StepOptions& options) {
  constexpr std::size_t layer_count = Net::layer_count;
  const std::string where = step_place(options);
  const auto found = engine.diagnose(data, indices);
  if (found.bad_sample < indices.size())
    throw Error(where + "sample " + std::to_string(indices[found.bad_sample]) +
                " of the training data holds a NaN or infinite value");
  const std::string advice = "; lower the learning rate, or clip gradients with clip_norm";
  if (found.bad_position <= layer_count)
    throw Error(where + "the loss is not finite: " + layer_name(network_facts<Net>, found.bad_position) +
                "'s output holds a NaN or infinite value" + advice);
  if (!std::isfinite(loss_sum)) {
    char largest[32];  // as an ostream writes a double: %g
    std::snprintf(largest, sizeof largest, "%g", double(found.largest_output));
    throw Error(where + "the loss overflowed: " + layer_name(network_facts<Net>, layer_count) +
                "'s outputs are finite but reach " + largest + advice);
  }
  std::string culprit;
  for (std::size_t p = layer_count; p >= 1 && culprit.empty(); --p) {
    const std::size_t begin = Net::parameter_offsets[p - 1], end = Net::parameter_offsets[p];
    if (!all_finite(grads + begin, end - begin)) culprit = layer_name(network_facts<Net>, p);
  }
  throw Error(where + "the gradient of " + (culprit.empty() ? std::string("the parameters") : culprit) +
              " is not finite (NaN or infinite, or its norm overflowed); lower the learning rate, or clip "
              "gradients with clip_norm");
}

/// Stops with an Error naming the step, the sample or the layer (report_divergence) when the
/// loss or the gradient is not finite, before the optimizer applies it; then, when `clip_norm`
/// is positive, scales the gradient down to that global norm. The common case costs one vector
/// pass over the gradient; the norm only when clipping.
template <class Net, class S, class Engine, class Data>
void check_and_clip(Engine& engine, const Data& data, std::span<const std::uint32_t> indices, double loss_sum,
                    S* grads, const StepOptions& options) {
  double squares = 0;
  bool ok = std::isfinite(loss_sum) && all_finite(grads, Net::parameter_block);
  if (ok && options.clip_norm > 0) {
    for (std::size_t i = 0; i < Net::parameter_block; ++i) squares += double(grads[i]) * double(grads[i]);
    ok = std::isfinite(squares);
  }
  if (ok) {
    const double norm = std::sqrt(squares);
    if (options.clip_norm > 0 && norm > options.clip_norm) {
      const S scale = S(options.clip_norm / norm);
      for (std::size_t i = 0; i < Net::parameter_block; ++i) grads[i] *= scale;
    }
    return;
  }
  report_divergence<Net>(engine, data, indices, loss_sum, grads, options);
}

}  // namespace detail
}  // namespace typenet
