// typenet/layers/layer_types.hpp: the types the layer protocol speaks in: Init, TensorShape, ParameterTensor, GradientSpan, Pass, NoParameters, NoWorkAreas.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace typenet {

/// How a parameter tensor starts, as Keras initialises it. `orthogonal`: a (rows, columns)
/// matrix whose rows (or columns, whichever are fewer) are orthonormal, drawn as Keras's
/// Orthogonal initializer draws it (a recurrent kernel); `unit_forget_bias`: an LSTM's bias,
/// ones in the forget gate's quarter and zeros elsewhere (Keras's unit_forget_bias=True).
enum class Init { zeros, ones, glorot_uniform, orthogonal, unit_forget_bias };

namespace detail {
/// Not constexpr: calling it while a constant is evaluated is the compile-time error, named by
/// this function (no `throw`, so the header compiles with -fno-exceptions).
inline void a_parameter_tensor_has_at_most_4_axes() {}
}  // namespace detail

/// A parameter tensor's axes, outermost first, as Keras lays it out: a Conv2D kernel is
/// {height, width, input channels, filters}, a Dense kernel {inputs, units}. Rank 0 (the
/// default) stands for one axis of the tensor's size.
struct TensorShape {
  std::array<std::size_t, 4> dims{};
  std::size_t rank = 0;
  constexpr TensorShape() = default;
  constexpr TensorShape(std::initializer_list<std::size_t> axes) : rank(axes.size()) {
    if (axes.size() > dims.size()) detail::a_parameter_tensor_has_at_most_4_axes();
    std::size_t i = 0;
    for (const std::size_t axis : axes) dims[i++] = axis;
  }
};

/// One named parameter tensor of a layer ("kernel", "bias"), in Keras's layout.
struct ParameterTensor {
  std::string_view name;
  std::size_t size;
  Init init;
  std::size_t fan_in = 0;   ///< for Glorot initialisation
  std::size_t fan_out = 0;  ///< for Glorot initialisation
  bool trainable = true;    ///< false for state such as a moving mean
  TensorShape shape{};      ///< its axes (weight files of other frameworks: docs/interop.md)
};

/// The part of a layer's parameter block that one tile of its gradient writes: `size` values
/// from `first` on (the optional trait `gradient_span`).
struct GradientSpan {
  std::size_t first;
  std::size_t size;
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

/// A list of types (the layers of a network, the parts of a shorthand).
template <class... Ts>
struct type_list {};
template <class List>
inline constexpr std::size_t type_list_size = 0;
template <class... Ts>
inline constexpr std::size_t type_list_size<type_list<Ts...>> = sizeof...(Ts);
/// Element I of a type_list.
template <std::size_t I, class List>
struct type_list_at;
template <class T, class... Ts>
struct type_list_at<0, type_list<T, Ts...>> {
  using type = T;
};
template <std::size_t I, class T, class... Ts>
  requires(I > 0)
struct type_list_at<I, type_list<T, Ts...>> : type_list_at<I - 1, type_list<Ts...>> {};

/// Parameter blocks start on 16-element boundaries (a cache line of floats), so every
/// tensor is aligned for the kernels.
constexpr std::size_t align_elements(std::size_t n) { return (n + 15) / 16 * 16; }

/// Offset of tensor `i` in a layer's block.
constexpr std::size_t tensor_offset(std::span<const ParameterTensor> tensors, std::size_t i) {
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

}  // namespace detail

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

}  // namespace typenet
