// src/interop.cpp: a network's parameters as the named tensors of a safetensors file, saved and loaded (docs/interop.md).
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <typenet/core/error.hpp>
#include <typenet/io/npz.hpp>
#include <typenet/io/safetensors.hpp>
#include <typenet/train/weight_file.hpp>

#include "file_errors.hpp"

namespace typenet::detail {
namespace {

/// One parameter tensor of the network, as a safetensors file names and shapes it.
struct Slot {
  std::string name;                 // "3.kernel", "5.b0.1.bias"
  std::vector<std::size_t> shape;   // Keras's layout; [size] for a tensor that gives no shape
  std::size_t offset;               // where it sits in the parameter block
  std::size_t position;             // its layer's position, for messages
  std::string_view tensor;          // "kernel"
};

std::vector<Slot> slots(const NetworkFacts& net) {
  std::vector<Slot> out;
  for (std::size_t p = 0; p < net.layers.size(); ++p) {
    const LayerFacts& layer = net.layers[p];
    std::size_t at = layer.offset;
    for (const ParameterTensor& t : layer.tensors) {
      std::vector<std::size_t> shape(t.shape.dims.begin(), t.shape.dims.begin() + t.shape.rank);
      if (t.shape.rank == 0) shape = {t.size};
      out.push_back({path_key(layer.path) + "." + std::string(t.name), std::move(shape), at, p + 1, t.name});
      at += align_elements(t.size);
    }
  }
  return out;
}

}  // namespace

template <class S>
void save_safetensors(const std::string& path, const NetworkFacts& net, const S* params) {
  const std::vector<Slot> all = slots(net);
  std::vector<io::NamedTensor<S>> tensors;
  tensors.reserve(all.size());
  std::size_t count = 0;
  for (const Slot& s : all) {
    std::size_t size = 1;
    for (const std::size_t axis : s.shape) size *= axis;
    tensors.push_back({s.name, s.shape, {params + s.offset, size}});
    count += size;
  }
  io::write_safetensors(path, std::span<const io::NamedTensor<S>>(tensors),
                        {{"format", "typenet"}, {"layout", "keras"}, {"parameters", std::to_string(count)}});
}

template <class S>
AlignedBuffer<S> load_safetensors(const std::string& path, const NetworkFacts& net) {
  const io::Safetensors file = io::Safetensors::open(path);
  const std::vector<Slot> all = slots(net);
  AlignedBuffer<S> fresh(net.parameter_block);
  std::set<std::string_view> expected;
  for (const Slot& s : all) {
    expected.insert(s.name);
    const std::string owner = layer_name(net, s.position) + "'s " + std::string(s.tensor);
    const io::TensorInfo* t = file.find(s.name);
    if (!t) fail(path, "has no tensor \"" + s.name + "\" (" + owner + ", shape [" + dims_text(s.shape) + "])");
    if (t->shape != s.shape)
      fail(path, "tensor \"" + s.name + "\" has shape [" + dims_text(t->shape) + "], " + owner + " is [" +
                     dims_text(s.shape) + "]");
    std::size_t size = 1;
    for (const std::size_t axis : s.shape) size *= axis;
    file.read(*t, std::span<S>(fresh.data() + s.offset, size));
  }
  for (const io::TensorInfo& t : file.tensors())
    if (!expected.contains(t.name))
      fail(path, "holds tensor \"" + t.name + "\", which is none of the model's (they are named \"" +
                     (all.empty() ? std::string("...") : all.front().name) + "\" and so on: position.tensor)");
  return fresh;
}

namespace {

/// The kind of a Keras weight from its name: what follows the last '/' or '.', without tf.keras's
/// ":0" ("conv2d/kernel:0" -> "kernel", "dense.bias" -> "bias").
std::string_view last_part(std::string_view name) {
  if (const std::size_t colon = name.rfind(':');
      colon != std::string_view::npos && colon + 1 < name.size() &&
      name.find_first_not_of("0123456789", colon + 1) == std::string_view::npos)
    name = name.substr(0, colon);
  const std::size_t cut = name.find_last_of("/.");
  return cut == std::string_view::npos ? name : name.substr(cut + 1);
}

}  // namespace

template <class S>
AlignedBuffer<S> load_npz(const std::string& path, const NetworkFacts& net) {
  const io::Npz file = io::Npz::open(path);
  const std::vector<Slot> all = slots(net);
  const std::vector<io::Npz::Array>& arrays = file.arrays();
  if (arrays.size() != all.size())
    fail(path, "holds " + std::to_string(arrays.size()) + " arrays, the model has " + std::to_string(all.size()) +
                   " parameter tensors");
  // Arrays named as Keras names its weights ("dense/kernel"): the n-th "kernel" of the model is
  // the n-th array whose name ends in "kernel", so that an order with every layer's trainable
  // weights first and the moving statistics after (tf.keras's model.weights) fits as well as one
  // layer after another (Keras 3's). Otherwise (numpy.savez(path, *arrays): arr_0, arr_1, ...)
  // the arrays are taken in order.
  std::set<std::string_view> tensor_names;
  for (const Slot& s : all) tensor_names.insert(s.tensor);
  const bool by_kind = std::all_of(arrays.begin(), arrays.end(),
                                   [&](const io::Npz::Array& a) { return tensor_names.contains(last_part(a.name)); });
  std::vector<bool> used(arrays.size(), false);
  AlignedBuffer<S> fresh(net.parameter_block);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Slot& s = all[i];
    std::size_t pick = i;
    if (by_kind) {
      pick = 0;
      while (pick < arrays.size() && (used[pick] || last_part(arrays[pick].name) != s.tensor)) ++pick;
      if (pick == arrays.size())
        fail(path, "has no array left for " + layer_name(net, s.position) + "'s " + std::string(s.tensor));
    }
    used[pick] = true;
    const io::Npz::Array& a = arrays[pick];
    if (a.shape != s.shape)
      fail(path, "array \"" + a.name + "\" has shape [" + dims_text(a.shape) + "], " + layer_name(net, s.position) +
                     "'s " + std::string(s.tensor) + " (tensor " + std::to_string(i + 1) + " of the model) is [" +
                     dims_text(s.shape) + "]");
    std::size_t size = 1;
    for (const std::size_t axis : s.shape) size *= axis;
    file.read(a, std::span<S>(fresh.data() + s.offset, size));
  }
  return fresh;
}

template void save_safetensors(const std::string&, const NetworkFacts&, const float*);
template void save_safetensors(const std::string&, const NetworkFacts&, const double*);
template AlignedBuffer<float> load_safetensors(const std::string&, const NetworkFacts&);
template AlignedBuffer<double> load_safetensors(const std::string&, const NetworkFacts&);
template AlignedBuffer<float> load_npz(const std::string&, const NetworkFacts&);
template AlignedBuffer<double> load_npz(const std::string&, const NetworkFacts&);

}  // namespace typenet::detail
