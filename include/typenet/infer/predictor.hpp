// typenet/infer/predictor.hpp: Predictor<Net, S, Batch>, a network's forward pass with every buffer inside the object: no heap, no TBB, no exception, no lock.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>

#include <typenet/core/simd.hpp>
#include <typenet/exec/forward.hpp>
#include <typenet/exec/plan.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

/// A trained network, ready to answer one sample (or up to `Batch`) at a time in a program
/// that may not allocate, throw or wait: an audio callback, a game engine's search, a robot's
/// control loop. It reads the parameters in place (the model's layout: Model::parameters(), or
/// any block in that layout) and holds everything else in the object itself: the kernels'
/// packed copies of the parameters and the workspace, sized at compile time
/// (`sizeof(Predictor)`, about Memory's packed and inference figures). Constructing it packs
/// the parameters; after that `predict` only computes: no allocation, no TBB task, no lock, no
/// exception, no virtual call. It runs the forward pass Model::predict runs (exec/forward.hpp),
/// so its outputs are bitwise the same on the same instruction set.
///
/// One Predictor serves one thread at a time (its workspace is its own); several predictors,
/// each on its own thread, may share one parameter block. It is large (hundreds of kilobytes for
/// a small CNN): make it static, a member, or allocate it once, rather than a local on a small
/// stack.
template <class Net, class S = float, std::size_t Batch = 1>
class Predictor {
  using plan = exec::Plan<Net>;
  static_assert(Batch > 0, "Predictor<Net, S, Batch> needs a Batch of at least one sample");
  /// One vector of readable slack after each block, as AlignedBuffer leaves: kernels may load a
  /// whole vector at the end of any row.
  static constexpr std::size_t slack = detail::simd_bytes / sizeof(S);

 public:
  using network = Net;
  using scalar = S;
  static constexpr std::size_t input_size = plan::input_size;
  static constexpr std::size_t output_size = plan::output_size;
  static constexpr std::size_t batch = Batch;
  /// The parameter block's length in elements (each tensor padded to 16 elements).
  static constexpr std::size_t parameter_block = Net::parameter_block;

  /// Reads the network's parameters from `parameters` (parameter_block values in the model's
  /// layout, 64-byte aligned and followed by 64 readable bytes, as Model::parameters() is),
  /// which must outlive it and not change while it runs (call `parameters_changed` after a
  /// change). Packs them for the kernels.
  explicit Predictor(const S* parameters) noexcept : params_(parameters) { parameters_changed(); }
  Predictor(const Predictor&) = default;
  Predictor& operator=(const Predictor&) = default;

  /// Re-packs the parameters after they were changed in place.
  void parameters_changed() noexcept {
    for (std::size_t part = 0; part < plan::inference_pack_offsets[plan::layer_count]; ++part)
      exec::pack_part<Net, exec::Packing::inference>(params_, packed_.data(), part);
  }

  /// The network's output for one sample.
  void predict(std::span<const S, input_size> x, std::span<S, output_size> y) noexcept {
    std::copy(x.begin(), x.end(), area().input(0));
    const S* out = exec::forward_pass<Net, exec::Packing::inference>(weights(), area(), 0, 1);
    std::copy(out, out + output_size, y.begin());
  }
  std::array<S, output_size> predict(std::span<const S, input_size> x) noexcept {
    std::array<S, output_size> y;
    predict(x, std::span<S, output_size>(y));
    return y;
  }

  /// The outputs of `count` samples (at most Batch; more are not run), `x` holding them one
  /// after the other (input_size values each) and `y` receiving output_size values each.
  void predict_batch(const S* x, S* y, std::size_t count) noexcept {
    count = std::min(count, Batch);
    std::copy(x, x + count * input_size, area().input(0));
    const S* out = exec::forward_pass<Net, exec::Packing::inference>(weights(), area(), 0, count);
    std::copy(out, out + count * output_size, y);
  }

  /// The class of one sample: the first largest output, or for a single output whether it is
  /// above `threshold` (0.5 for a Sigmoid's probability; 0 for a raw score), as Model's
  /// predict_class.
  std::size_t classify(std::span<const S, input_size> x, S threshold = S(0.5)) noexcept {
    const auto y = predict(x);
    if constexpr (output_size == 1) {
      return y[0] > threshold ? 1 : 0;
    } else {
      return std::size_t(std::max_element(y.begin(), y.end()) - y.begin());
    }
  }

  const S* parameters() const noexcept { return params_; }

 private:
  exec::Weights<S> weights() const noexcept { return {params_, packed_.data()}; }
  exec::InferenceArea<Net, S> area() noexcept { return {workspace_.data(), Batch}; }

  const S* params_;
  // The copies the forward pass reads, and no more (not Dense's transposed kernel, which only
  // training's backward pass reads).
  alignas(64) std::array<S, plan::inference_packed_block + slack> packed_{};
  alignas(64) std::array<S, plan::inference_elements(Batch) + slack> workspace_{};
};

}  // namespace typenet
