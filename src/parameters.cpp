// src/parameters.cpp: what reads a network's NetworkFacts without needing its type: tensors by position, layer names, the architecture of weight files, and the weight-file body for float and double.
#include <typenet/train/parameters.hpp>
#include <typenet/train/weight_file.hpp>

#include <typenet/core/error.hpp>

namespace typenet::detail {

std::pair<std::size_t, std::size_t> tensor_location(const NetworkFacts& net, std::size_t position, std::size_t index) {
  if (position >= 1 && position <= net.layers.size()) {
    const LayerFacts& layer = net.layers[position - 1];
    if (index < layer.tensors.size())
      return {layer.offset + tensor_offset(layer.tensors, index), layer.tensors[index].size};
  }
  throw Error("tensor: layer " + std::to_string(position) + " has no parameter tensor " + std::to_string(index));
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
