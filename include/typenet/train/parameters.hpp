// typenet/train/parameters.hpp: a network's parameter block read through its NetworkFacts: initialisation, tensors by position.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <typenet/core/random.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/graph/network_facts.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::detail {

/// Calls f(values, size) for every parameter tensor, in order (the order of weight files), of
/// the block `base` laid out as the network's parameters.
template <class T, class F>
void for_each_tensor(const NetworkFacts& net, T* base, F&& f) {
  for (const LayerFacts& layer : net.layers)
    for (std::size_t t = 0, at = 0; t < layer.tensors.size(); at += align_elements(layer.tensors[t].size), ++t)
      f(base + layer.offset + at, layer.tensors[t].size);
}

/// A (rows, columns) matrix, row-major, with orthonormal rows (rows <= columns) or orthonormal
/// columns: standard normal draws (Box-Muller), orthonormalised by Gram-Schmidt run twice (src/parameters.cpp).
std::vector<double> orthogonal_matrix(std::size_t rows, std::size_t columns, Random& random);

/// Fresh parameters from `seed`: Glorot-uniform kernels, orthogonal recurrent kernels, zero
/// biases, ones where a layer says (as Keras initialises them). The same seed always gives the
/// same values.
template <class S>
void initialize_parameters(const NetworkFacts& net, S* params, std::uint64_t seed) {
  Random random(seed);
  for (const LayerFacts& layer : net.layers) {
    std::size_t at = layer.offset;
    for (const ParameterTensor& tensor : layer.tensors) {
      S* values = params + at;
      at += align_elements(tensor.size);
      if (tensor.init == Init::orthogonal) {
        const std::size_t rows = tensor.shape.rank > 0 ? tensor.shape.dims[0] : 1;
        const std::vector<double> q = orthogonal_matrix(rows, tensor.size / rows, random);
        for (std::size_t i = 0; i < tensor.size; ++i) values[i] = S(q[i]);
        continue;
      }
      const double limit = std::sqrt(6.0 / double(tensor.fan_in + tensor.fan_out));
      for (std::size_t i = 0; i < tensor.size; ++i) {
        switch (tensor.init) {
          case Init::zeros: values[i] = S{}; break;
          case Init::ones: values[i] = S{1}; break;
          case Init::glorot_uniform: values[i] = S(random.uniform(-limit, limit)); break;
          case Init::unit_forget_bias: values[i] = S(i / (tensor.size / 4) == 1 ? 1 : 0); break;
          case Init::orthogonal: break;
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

}  // namespace typenet::detail
