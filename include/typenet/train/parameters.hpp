// typenet/train/parameters.hpp: a network's parameter block as run-time facts (NetworkFacts): initialisation, tensors by position, names for messages.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include <typenet/core/random.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::detail {

/// One layer as weight files, checkpoints, messages and initialisation see it. Run-time values
/// (a table made at compile time): the code that reads them is compiled once per scalar type,
/// or once in src/, instead of once per network.
struct LayerFacts {
  std::string (*spelling)();  ///< the layer as written in the type, e.g. "Dense<128>"
  std::span<const std::size_t> input;   ///< the shape it receives
  std::span<const std::size_t> output;  ///< the shape it produces
  std::span<const ParameterTensor> tensors;
  std::size_t offset;  ///< where its block starts in the parameters
};

/// A network's layers and the length of its parameter block.
struct NetworkFacts {
  std::span<const LayerFacts> layers;
  std::size_t parameter_block;
};

template <class L>
constexpr LayerFacts facts_of(std::size_t offset) {
  return {+[] { return std::string(L::descriptor::spelling()); }, shape_t<L::input_shape>::dims,
          shape_t<L::output_shape>::dims, L::parameter_tensors, offset};
}

template <class Net>
inline constexpr auto layer_facts = []<std::size_t... I>(std::index_sequence<I...>) {
  return std::array<LayerFacts, sizeof...(I)>{facts_of<typename Net::template layer<I>>(Net::parameter_offsets[I])...};
}(std::make_index_sequence<Net::layer_count>{});

template <class Net>
inline constexpr NetworkFacts network_facts{layer_facts<Net>, Net::parameter_block};

/// Calls f(values, size) for every parameter tensor, in order (the order of weight files), of
/// the block `base` laid out as the network's parameters.
template <class T, class F>
void for_each_tensor(const NetworkFacts& net, T* base, F&& f) {
  for (const LayerFacts& layer : net.layers)
    for (std::size_t t = 0, at = 0; t < layer.tensors.size(); at += align_elements(layer.tensors[t].size), ++t)
      f(base + layer.offset + at, layer.tensors[t].size);
}

/// Fresh parameters from `seed`: Glorot-uniform kernels, zero biases, ones where a layer says
/// (as Keras initialises them). The same seed always gives the same values.
template <class S>
void initialize_parameters(const NetworkFacts& net, S* params, std::uint64_t seed) {
  Random random(seed);
  for (const LayerFacts& layer : net.layers) {
    std::size_t at = layer.offset;
    for (const ParameterTensor& tensor : layer.tensors) {
      S* values = params + at;
      at += align_elements(tensor.size);
      const double limit = std::sqrt(6.0 / double(tensor.fan_in + tensor.fan_out));
      for (std::size_t i = 0; i < tensor.size; ++i) {
        switch (tensor.init) {
          case Init::zeros: values[i] = S{}; break;
          case Init::ones: values[i] = S{1}; break;
          case Init::glorot_uniform: values[i] = S(random.uniform(-limit, limit)); break;
        }
      }
    }
  }
}
extern template void initialize_parameters(const NetworkFacts&, float*, std::uint64_t);
extern template void initialize_parameters(const NetworkFacts&, double*, std::uint64_t);

/// Where tensor `index` of the layer at `position` (1-based) sits in the block, and its size;
/// throws Error naming both when there is no such tensor (src/parameters.cpp).
std::pair<std::size_t, std::size_t> tensor_location(const NetworkFacts& net, std::size_t position, std::size_t index);

/// "layer 3 (Conv2D<64, 3, 3>)" (src/parameters.cpp).
std::string layer_name(const NetworkFacts& net, std::size_t position);

}  // namespace typenet::detail
