// typenet/train/weight_file.hpp: a network's weight-file body: its scalar type, its architecture, its parameter values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/graph/architecture_check.hpp>
#include <typenet/io/layout.hpp>
#include <typenet/io/weights.hpp>
#include <typenet/train/parameters.hpp>

namespace typenet::io {
class Safetensors;
}

namespace typenet::detail {

/// The network as a weight file describes it: each layer as written in the type, the shapes
/// it receives and produces, and its parameter tensors (src/parameters.cpp).
io::Architecture architecture(const NetworkFacts& net);

/// The body of a weight file: the scalar type, the architecture, the parameter values.
template <class S>
void write_parameters(io::ByteWriter& out, const NetworkFacts& net, const S* params) {
  out.text(scalar_name<S>);
  io::write_architecture(out, architecture(net));
  for_each_tensor(net, params, [&](const S* values, std::size_t size) { out.values(values, size); });
}

/// A typenet weight file of `net` holding `params`, written to `path` atomically (Model::save).
template <class S>
void save_weight_file(const std::string& path, const NetworkFacts& net, const S* params) {
  io::ByteWriter body;
  write_parameters(body, net, params);
  io::save_file(path, io::FileKind::weights, body.bytes());
}

/// Reads what `write_parameters` wrote into `fresh` (laid out as the parameters), checking the
/// scalar type and the architecture against the network's.
template <class S>
void read_parameters(io::ByteReader& in, const NetworkFacts& net, S* fresh) {
  const std::string scalar = in.text();
  if (scalar != scalar_name<S>) {
    if (scalar == "float32" || scalar == "float64")
      in.fail("holds " + scalar + " parameters, the model's scalar type is " + std::string(scalar_name<S>) +
              " (make a Model<..., " + (scalar == "float32" ? "float" : "double") + "> to read it)");
    in.fail("holds parameters of an unknown scalar type (corrupt)");
  }
  io::check_architecture(in.name(), io::read_architecture(in), architecture(net));
  for_each_tensor(net, fresh, [&](S* values, std::size_t size) { in.values(values, size); });
}

/// The parameters of a weight file (or of a checkpoint's weights), read and checked whole:
/// the caller takes them only when this returns.
template <class S>
AlignedBuffer<S> read_weights(const io::FileContents& file, const NetworkFacts& net) {
  io::ByteReader in(file.body(), file.name, file.version);
  AlignedBuffer<S> fresh(net.parameter_block);
  read_parameters(in, net, fresh.data());
  if (file.kind == io::FileKind::weights && in.remaining() != 0)
    in.fail("has " + std::to_string(in.remaining()) + " unexpected bytes after the parameters (corrupt)");
  return fresh;
}

/// Writes the parameters to `path` as a safetensors file (docs/interop.md), F32 or F64
/// (src/interop.cpp). Layout::typenet: each tensor named "PATH.NAME" after its layer's path
/// ("3.kernel", "5.b0.1.bias"), in Keras's layout, in the order of the parameter block.
/// Layout::pytorch: each layer's tensors as a PyTorch module's state_dict holds them, the
/// modules named `names` (one per layer with parameters) or, when `names` is empty, as an
/// nn.Sequential of the same layers names them (the path with each layer counted from 0).
template <class S>
void save_safetensors(const std::string& path, const NetworkFacts& net, const S* params, Layout layout,
                      const std::vector<std::string>& names);

/// Reads such a file whole and checks it: every tensor of the network there, with its shape,
/// in a floating-point dtype, and no other tensor (PyTorch's num_batches_tracked aside). In
/// PyTorch's layout the modules are matched to the layers by `names`, or, when it is empty,
/// by position among the modules of a kind (the n-th convolution of the file, in the natural
/// order of the names, fills the n-th Conv2D). The caller takes the result only when this
/// returns; `report` says what filled what.
template <class S>
AlignedBuffer<S> load_safetensors(const std::string& path, const NetworkFacts& net, Layout layout,
                                  const std::vector<std::string>& names, ImportReport& report);

/// The same from a file already opened (or parsed from memory: the fuzz target).
template <class S>
AlignedBuffer<S> load_safetensors(const io::Safetensors& file, const NetworkFacts& net, Layout layout,
                                  const std::vector<std::string>& names, ImportReport& report);

/// Reads a NumPy .npz archive of the parameters, in Keras's layouts, matched by position (a
/// Keras weight's name says which kind it is: the n-th "kernel" array fills the n-th kernel),
/// each with its shape, all of them, no more.
template <class S>
AlignedBuffer<S> load_npz(const std::string& path, const NetworkFacts& net);

extern template void save_safetensors(const std::string&, const NetworkFacts&, const float*, Layout,
                                     const std::vector<std::string>&);
extern template void save_safetensors(const std::string&, const NetworkFacts&, const double*, Layout,
                                     const std::vector<std::string>&);
extern template AlignedBuffer<float> load_safetensors(const std::string&, const NetworkFacts&, Layout,
                                                      const std::vector<std::string>&, ImportReport&);
extern template AlignedBuffer<double> load_safetensors(const std::string&, const NetworkFacts&, Layout,
                                                       const std::vector<std::string>&, ImportReport&);
extern template AlignedBuffer<float> load_safetensors(const io::Safetensors&, const NetworkFacts&, Layout,
                                                      const std::vector<std::string>&, ImportReport&);
extern template AlignedBuffer<double> load_safetensors(const io::Safetensors&, const NetworkFacts&, Layout,
                                                       const std::vector<std::string>&, ImportReport&);
extern template AlignedBuffer<float> load_npz(const std::string&, const NetworkFacts&);
extern template AlignedBuffer<double> load_npz(const std::string&, const NetworkFacts&);

// Compiled once, in src/parameters.cpp, for the usual scalar types.
extern template void write_parameters(io::ByteWriter&, const NetworkFacts&, const float*);
extern template void write_parameters(io::ByteWriter&, const NetworkFacts&, const double*);
extern template void read_parameters(io::ByteReader&, const NetworkFacts&, float*);
extern template void read_parameters(io::ByteReader&, const NetworkFacts&, double*);
extern template AlignedBuffer<float> read_weights(const io::FileContents&, const NetworkFacts&);
extern template AlignedBuffer<double> read_weights(const io::FileContents&, const NetworkFacts&);

}  // namespace typenet::detail
