// typenet/train/weight_file.hpp: a network's weight-file body: its scalar type, its architecture, its parameter values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/hana/for_each.hpp>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/io/weights.hpp>
#include <typenet/train/parameters.hpp>

namespace typenet::detail {

template <class S>
inline constexpr std::string_view scalar_name = sizeof(S) == 4 ? "float32" : "float64";

/// The network as a weight file describes it: each layer as written in the type, the shapes
/// it receives and produces, and its parameter tensors.
template <class Net>
io::Architecture architecture() {
  io::Architecture layers;
  boost::hana::for_each(Net::layers, [&](auto layer) {
    using L = decltype(layer);
    io::LayerRecord record{std::string(L::descriptor::spelling()),
                           {shape_t<L::input_shape>::dims.begin(), shape_t<L::input_shape>::dims.end()},
                           {shape_t<L::output_shape>::dims.begin(), shape_t<L::output_shape>::dims.end()},
                           {}};
    for (const ParameterTensor& t : L::parameter_tensors) record.tensors.push_back({std::string(t.name), t.size});
    layers.push_back(std::move(record));
  });
  return layers;
}

/// The body of a weight file: the scalar type, the architecture, the parameter values.
template <class Net, class S>
void write_parameters(io::ByteWriter& out, const S* params) {
  out.text(scalar_name<S>);
  io::write_architecture(out, architecture<Net>());
  for_each_tensor<Net>(params, [&](const S* values, std::size_t size) { out.values(values, size); });
}

/// Reads what `write_parameters` wrote into `fresh` (laid out as the parameters), checking the
/// scalar type and the architecture against Net's.
template <class Net, class S>
void read_parameters(io::ByteReader& in, S* fresh) {
  const std::string scalar = in.text();
  if (scalar != scalar_name<S>) {
    if (scalar == "float32" || scalar == "float64")
      in.fail("holds " + scalar + " parameters, the model's scalar type is " + std::string(scalar_name<S>) +
              " (make a Model<..., " + (scalar == "float32" ? "float" : "double") + "> to read it)");
    in.fail("holds parameters of an unknown scalar type (corrupt)");
  }
  io::check_architecture(in.name(), io::read_architecture(in), architecture<Net>());
  for_each_tensor<Net>(fresh, [&](S* values, std::size_t size) { in.values(values, size); });
}

/// The parameters of a weight file (or of a checkpoint's weights), read and checked whole:
/// the caller takes them only when this returns.
template <class Net, class S>
AlignedBuffer<S> read_weights(const io::FileContents& file) {
  io::ByteReader in(file.body(), file.name);
  AlignedBuffer<S> fresh(Net::parameter_block);
  read_parameters<Net>(in, fresh.data());
  if (file.kind == io::FileKind::weights && in.remaining() != 0)
    in.fail("has " + std::to_string(in.remaining()) + " unexpected bytes after the parameters (corrupt)");
  return fresh;
}

}  // namespace typenet::detail
