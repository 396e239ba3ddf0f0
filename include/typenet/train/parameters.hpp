// typenet/train/parameters.hpp: a network's parameter block: initialisation, tensors by position, names for messages.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <boost/hana/for_each.hpp>

#include <typenet/core/error.hpp>
#include <typenet/core/random.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::detail {

/// Calls f(values, size) for every parameter tensor of `Net`, in order (the order of weight
/// files), of the block `base` laid out as its parameters.
template <class Net, class T, class F>
void for_each_tensor(T* base, F&& f) {
  std::size_t position = 0;
  boost::hana::for_each(Net::layers, [&](auto layer) {
    using L = decltype(layer);
    T* block = base + Net::parameter_offsets[position++];
    for (std::size_t t = 0; t < L::parameter_tensors.size(); ++t)
      f(block + tensor_offset(L::parameter_tensors, t), L::parameter_tensors[t].size);
  });
}

/// Fresh parameters from `seed`: Glorot-uniform kernels, zero biases, ones where a layer says
/// (as Keras initialises them). The same seed always gives the same values.
template <class Net, class S>
void initialize_parameters(S* params, std::uint64_t seed) {
  Random random(seed);
  std::size_t position = 0;
  boost::hana::for_each(Net::layers, [&](auto layer) {
    using L = decltype(layer);
    S* block = params + Net::parameter_offsets[position++];
    for (std::size_t t = 0; t < L::parameter_tensors.size(); ++t) {
      const ParameterTensor& tensor = L::parameter_tensors[t];
      S* values = block + tensor_offset(L::parameter_tensors, t);
      const double limit = std::sqrt(6.0 / double(tensor.fan_in + tensor.fan_out));
      for (std::size_t i = 0; i < tensor.size; ++i) {
        switch (tensor.init) {
          case Init::zeros: values[i] = S{}; break;
          case Init::ones: values[i] = S{1}; break;
          case Init::glorot_uniform: values[i] = S(random.uniform(-limit, limit)); break;
        }
      }
    }
  });
}

/// Where tensor `index` of the layer at `position` (1-based) sits in the block, and its size;
/// throws Error naming both when there is no such tensor.
template <class Net>
std::pair<std::size_t, std::size_t> tensor_location(std::size_t position, std::size_t index) {
  std::optional<std::pair<std::size_t, std::size_t>> found;
  std::size_t p = 0;
  boost::hana::for_each(Net::layers, [&](auto layer) {
    using L = decltype(layer);
    if (++p == position && index < L::parameter_tensors.size())
      found.emplace(Net::parameter_offsets[p - 1] + tensor_offset(L::parameter_tensors, index),
                    L::parameter_tensors[index].size);
  });
  if (!found) throw Error("tensor: layer " + std::to_string(position) + " has no parameter tensor " + std::to_string(index));
  return *found;
}

/// "layer 3 (Conv2D<64, 3, 3>)".
template <class Net>
std::string layer_name(std::size_t position) {
  std::string name;
  std::size_t p = 0;
  boost::hana::for_each(Net::layers, [&](auto layer) {
    if (++p == position) name = "layer " + std::to_string(p) + " (" + std::string(decltype(layer)::descriptor::spelling()) + ")";
  });
  return name;
}

}  // namespace typenet::detail
