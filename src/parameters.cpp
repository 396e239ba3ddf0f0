// src/parameters.cpp: what reads a network's NetworkFacts without needing its type: tensors by position, layer names, the architecture of weight files, and the weight-file body for float and double.
#include <typenet/train/parameters.hpp>
#include <typenet/train/weight_file.hpp>

#include <typenet/core/error.hpp>

#include <cmath>
#include <vector>

namespace typenet::detail {

std::pair<std::size_t, std::size_t> tensor_location(const NetworkFacts& net, std::size_t position, std::size_t index) {
  if (position >= 1 && position <= net.layers.size()) {
    const LayerFacts& layer = net.layers[position - 1];
    if (index < layer.tensors.size())
      return {layer.offset + tensor_offset(layer.tensors, index), layer.tensors[index].size};
  }
  throw Error("tensor: layer " + std::to_string(position) + " has no parameter tensor " + std::to_string(index));
}

std::vector<double> orthogonal_matrix(std::size_t rows, std::size_t columns, Random& random) {
  // Orthonormalise the fewer of rows and columns: vectors of `length` values `stride` apart.
  const bool by_rows = rows <= columns;
  const std::size_t count = by_rows ? rows : columns, length = by_rows ? columns : rows;
  const std::size_t step = by_rows ? 1 : columns, next = by_rows ? columns : 1;
  std::vector<double> m(rows * columns);
  for (std::size_t i = 0; i < m.size(); i += 2) {  // Box-Muller: two normal draws per pair
    const double u = 1.0 - random.uniform(), v = random.uniform();
    const double r = std::sqrt(-2.0 * std::log(u)), a = 6.283185307179586 * v;
    m[i] = r * std::cos(a);
    if (i + 1 < m.size()) m[i + 1] = r * std::sin(a);
  }
  const auto at = [&](std::size_t vector, std::size_t k) -> double& { return m[vector * next + k * step]; };
  for (std::size_t i = 0; i < count; ++i) {
    for (int pass = 0; pass < 2; ++pass)
      for (std::size_t j = 0; j < i; ++j) {
        double dot = 0;
        for (std::size_t k = 0; k < length; ++k) dot += at(i, k) * at(j, k);
        for (std::size_t k = 0; k < length; ++k) at(i, k) -= dot * at(j, k);
      }
    double norm = 0;
    for (std::size_t k = 0; k < length; ++k) norm += at(i, k) * at(i, k);
    norm = std::sqrt(norm);
    for (std::size_t k = 0; k < length; ++k) at(i, k) /= norm;
  }
  return m;
}

io::Architecture architecture(const NetworkFacts& net) {
  io::Architecture layers;
  layers.reserve(net.layers.size());
  for (const LayerFacts& layer : net.layers) {
    io::LayerRecord record{layer.spelling(),
                           {layer.input.begin(), layer.input.end()},
                           {layer.output.begin(), layer.output.end()},
                           {},
                           path_key(layer.path),
                           {layer.sources.begin(), layer.sources.end()},
                           layer_path(net, layers.size() + 1)};
    for (const ParameterTensor& t : layer.tensors) record.tensors.push_back({std::string(t.name), t.size});
    layers.push_back(std::move(record));
  }
  return layers;
}

template void initialize_parameters(const NetworkFacts&, float*, std::uint64_t);
template void initialize_parameters(const NetworkFacts&, double*, std::uint64_t);
template void write_parameters(io::ByteWriter&, const NetworkFacts&, const float*);
template void write_parameters(io::ByteWriter&, const NetworkFacts&, const double*);
template void read_parameters(io::ByteReader&, const NetworkFacts&, float*);
template void read_parameters(io::ByteReader&, const NetworkFacts&, double*);
template AlignedBuffer<float> read_weights(const io::FileContents&, const NetworkFacts&);
template AlignedBuffer<double> read_weights(const io::FileContents&, const NetworkFacts&);

}  // namespace typenet::detail
