// typenet/layers/layer_concepts.hpp: what a layer descriptor and a bound layer must provide (LayerDescriptor, BoundLayer).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <typenet/core/shape.hpp>

namespace typenet {

/// How a parameter tensor starts, as Keras initialises it.
enum class Init { zeros, ones, glorot_uniform };

/// One named parameter tensor of a layer ("kernel", "bias"), in Keras's layout.
struct ParameterTensor {
  std::string_view name;
  std::size_t size;
  Init init;
  std::size_t fan_in = 0;   ///< for Glorot initialisation
  std::size_t fan_out = 0;  ///< for Glorot initialisation
  bool trainable = true;    ///< false for state such as a moving mean
};

/// What a bound layer is given besides its tensors: its own parameter block, its packed copy
/// (a re-layout made once per optimizer step, e.g. a transposed kernel), the mode, and two
/// per-sample work areas for the samples of the call:
///  - `saved`: `saved_size` values per sample that survive from forward to backward and
///    gradient (e.g. a zero-padded copy of the input);
///  - `scratch`: `scratch_size` values per sample, valid only during one call.
/// In inference the areas have `inference_saved_size` and `inference_scratch_size` values per
/// sample where a layer declares them (see detail::inference_saved_size).
template <class S>
struct Pass {
  const S* params = nullptr;
  const S* packed = nullptr;
  bool training = false;
  S* saved = nullptr;
  S* scratch = nullptr;
  /// forward: apply a ReLU to the output (the ReLU layer after this one is fused into it);
  /// only set for a layer with `fuses_relu`.
  bool relu = false;
  /// backward: keep dx only where this layer's input x is above zero (the gradient of the ReLU
  /// before this layer, fused into it); only set for a layer with `gates_input_gradient`.
  bool gate = false;
  /// training: the random stream of this layer in this step (Dropout's masks), and the place in
  /// the batch of the call's first sample, so a sample's draws do not depend on the chunking.
  std::uint64_t noise = 0;
  std::size_t sample = 0;
  /// training, for a batch-coupled layer (BatchNormalization): the whole batch's reduced
  /// statistics, and how many samples the batch has.
  const double* batch = nullptr;
  std::size_t batch_samples = 0;
};

namespace detail {

/// Parameter blocks start on 16-element boundaries (a cache line of floats), so every
/// tensor is aligned for the kernels.
constexpr std::size_t align_elements(std::size_t n) { return (n + 15) / 16 * 16; }

/// Offset of tensor `i` in a layer's block.
template <std::size_t P>
constexpr std::size_t tensor_offset(const std::array<ParameterTensor, P>& tensors, std::size_t i) {
  std::size_t offset = 0;
  for (std::size_t j = 0; j < i; ++j) offset += align_elements(tensors[j].size);
  return offset;
}

template <std::size_t P>
constexpr std::size_t logical_size(const std::array<ParameterTensor, P>& tensors) {
  std::size_t total = 0;
  for (const auto& t : tensors) total += t.size;
  return total;
}

/// Whether a bound layer can apply a following ReLU to its output (`fuses_relu`) or the
/// gradient of a preceding ReLU to its input gradient (`gates_input_gradient`) itself.
template <class L>
inline constexpr bool fuses_relu = requires { requires L::fuses_relu; };
template <class L>
inline constexpr bool gates_input_gradient = requires { requires L::gates_input_gradient; };

/// Whether a bound layer is the element-wise max(x, 0) (`relu_activation`): a layer before it
/// with `fuses_relu` applies it to its own output, a layer after it with `gates_input_gradient`
/// takes its gradient, and the plan skips its passes where either does.
template <class L>
inline constexpr bool is_relu_activation = requires { requires L::relu_activation; };

/// Whether a bound layer is a softmax over its last axis (`softmax_activation`): as the last
/// layer before a loss that `fuses_with_softmax`, the loss writes the gradient at its input and
/// its backward pass is skipped.
template <class L>
inline constexpr bool is_softmax_activation = requires { requires L::softmax_activation; };

/// Whether a bound layer draws random numbers in training (`uses_noise`: Dropout's masks): the
/// plan gives it `pass.noise` and `pass.sample`.
template <class L>
inline constexpr bool uses_noise = requires { requires L::uses_noise; };

/// Whether a bound layer couples the samples of a batch (BatchNormalization): the model then
/// runs the passes in stages around it, with its `statistics` / `reduce` and
/// `gradient_statistics` / `reduce_gradient` between them.
template <class L>
inline constexpr bool is_batch_coupled = requires { requires L::batch_coupled; };

/// A layer's work areas in inference, where they may be smaller (a Winograd convolution keeps
/// nothing for a backward pass): `inference_saved_size` and `inference_scratch_size` where the
/// layer declares them, else its training sizes.
template <class L>
constexpr std::size_t inference_saved_size() {
  if constexpr (requires { L::inference_saved_size; }) return L::inference_saved_size;
  else return L::saved_size;
}
template <class L>
constexpr std::size_t inference_scratch_size() {
  if constexpr (requires { L::inference_scratch_size; }) return L::inference_scratch_size;
  else return L::scratch_size;
}

/// The work areas of a bound layer that needs none.
struct NoWorkAreas {
  static constexpr std::size_t saved_size = 0;
  static constexpr std::size_t scratch_size = 0;
};

/// The parts of a bound layer that a layer without parameters leaves empty.
struct NoParameters : NoWorkAreas {
  static constexpr std::array<ParameterTensor, 0> parameter_tensors{};
  static constexpr std::size_t parameter_count = 0;
  static constexpr std::size_t packed_size = 0;
  static constexpr std::size_t gradient_tiles = 0;
  template <class S>
  static void pack(const S*, S*) {}
  template <class S>
  static void gradient(const Pass<S>&, std::size_t, S*, const S*, const S*, std::size_t) {}
};

}  // namespace detail

/// A layer as the user names it (`Dense<10>`), in four parts (STYLE.md, "A layer is a type"):
///  - `name` and `spelling()` ("Dense", "Dense<10>") for summaries, messages and files;
///  - `check_parameters<Where>()`, its parameter rule (Units > 0), a static_assert naming Where;
///  - `accepts<In>`, its shape rule as data, and `explain<Where>()`, the message when it fails;
///  - `bind<In>`, the layer made concrete for input shape `In` (a BoundLayer).
template <class D>
concept LayerDescriptor = requires {
  { D::name } -> std::convertible_to<std::string_view>;
  { D::spelling() } -> std::convertible_to<std::string>;
};

/// A layer bound to its input shape: every size known, passes as static functions over `n`
/// consecutive samples.
///  - `forward(pass, x, y, n)` writes y from x;
///  - `backward(pass, x, y, dy, dx, n)` writes dx from dy (dx may be null: nothing needs it);
///  - `gradient(pass, tile, g, x, dy, n)` writes tile `tile` (of `gradient_tiles`) of the
///    parameter gradient, summed over all n samples in sample order; it runs after `backward`
///    of the same samples (which may leave what it needs in `saved`, dx null or not);
///  - `pack(params, packed)` refreshes the packed copy after the parameters change.
template <class L>
concept BoundLayer = requires {
  requires AnyShape<decltype(L::input_shape)>;
  requires AnyShape<decltype(L::output_shape)>;
  { L::parameter_count } -> std::convertible_to<std::size_t>;
  { L::packed_size } -> std::convertible_to<std::size_t>;
  { L::gradient_tiles } -> std::convertible_to<std::size_t>;
  { L::saved_size } -> std::convertible_to<std::size_t>;
  { L::scratch_size } -> std::convertible_to<std::size_t>;
  L::parameter_tensors;
};

}  // namespace typenet
