// test/fuzz/fuzz_safetensors.cpp: the fuzz target of Safetensors::parse and of a model's load from it: any bytes give a file whose tensors tile its data exactly, or an Error; a load in either layout fills the model or throws an Error naming the input.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include <typenet/core/error.hpp>
#include <typenet/io/safetensors.hpp>
#include <typenet/typenet.hpp>

#include "fuzz_target.hpp"

namespace {

using typenet::fuzz::require;
using typenet::io::Dtype;
using typenet::io::NamedTensor;
using typenet::io::Safetensors;

namespace tn = typenet;

/// A network with every kind of module the PyTorch layout maps (convolution, BatchNorm over an
/// image and over flattened features, Linear after a Flatten) and a block; the corpus has its
/// weights in both layouts (make_corpus.py), so mutations reach the matching of names and shapes.
struct Fuzzed : tn::Sequential<tn::Input<4, 4, 2>, tn::Conv2D<3, 3, 3, tn::Padding::same>, tn::BatchNormalization,
                               tn::Residual<tn::Conv2D<3, 1, 1>>, tn::Flatten, tn::PyTorchBatchNorm, tn::Dense<2>> {};

/// Loads the file into Fuzzed in `layout`: the parameters, complete, or an Error naming the input.
void load(const Safetensors& file, tn::Layout layout) {
  tn::ImportReport report;
  try {
    const auto params = tn::detail::load_safetensors<float>(file, tn::detail::network_facts<Fuzzed>, layout, {}, report);
    require(params.size() == Fuzzed::parameter_block, "a load fills the whole parameter block");
    require(!report.lines.empty(), "and says what filled what");
  } catch (const typenet::Error& error) {
    typenet::fuzz::require_named(error);
  }
}

bool is_float(Dtype d) { return d == Dtype::F16 || d == Dtype::BF16 || d == Dtype::F32 || d == Dtype::F64; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const unsigned char> input(data, size);
  std::optional<Safetensors> file;
  try {
    file.emplace(Safetensors::parse(input, typenet::fuzz::input_name));
  } catch (const typenet::Error& error) {
    typenet::fuzz::require_named(error);
    return 0;
  }
  load(*file, tn::Layout::typenet);
  load(*file, tn::Layout::pytorch);
  // Accepted: the tensors tile the data area, each as many bytes as its shape and dtype need.
  std::size_t at = 0;
  std::uint64_t header = 0;
  for (int i = 0; i < 8; ++i) header |= std::uint64_t{data[i]} << (8 * i);
  const std::size_t data_bytes = size - 8 - static_cast<std::size_t>(header);
  std::vector<std::vector<float>> values;
  std::vector<NamedTensor<float>> rewritten;
  for (const typenet::io::TensorInfo& t : file->tensors()) {
    require(t.begin == at && t.end >= t.begin, "tensors follow one another with no hole or overlap");
    std::size_t count = 1;
    for (const std::size_t dim : t.shape) count *= dim;  // checked against overflow by the reader
    require(count == t.elements(), "a tensor holds what its shape announces");
    require(file->find(t.name) == &t, "every name is found, and names one tensor");
    at = t.end;
    std::vector<float> out(count);
    try {
      file->read(t, std::span<float>(out));
      require(is_float(t.dtype), "only floating-point tensors convert");
    } catch (const typenet::Error& error) {
      typenet::fuzz::require_named(error);
      require(!is_float(t.dtype) || t.dtype == Dtype::F64, "F16, BF16 and F32 always convert to float");
      continue;
    }
    // Used in place only when it is F32 (and aligned in this input): then the values read() copies.
    const auto view = file->in_place<float>(t);
    require(!view || t.dtype == Dtype::F32, "only an F32 tensor is used in place as floats");
    require(!view || (view->size() == count &&
                      (count == 0 || std::memcmp(view->data(), out.data(), count * sizeof(float)) == 0)),
            "in place, the values read() copies");
    values.push_back(std::move(out));
    rewritten.push_back({t.name, t.shape, {}});
  }
  require(at == data_bytes, "the tensors end where the file ends");
  // What converted writes back as F32 and reads again to the same bits.
  for (std::size_t i = 0; i < rewritten.size(); ++i) rewritten[i].values = values[i];
  std::vector<unsigned char> bytes;
  try {
    bytes = typenet::io::safetensors_bytes(std::span<const NamedTensor<float>>(rewritten), file->metadata());
  } catch (const typenet::Error&) {
    return 0;  // a name the writer refuses (not valid UTF-8 once escaped): nothing to compare
  }
  const Safetensors again = Safetensors::parse(bytes, typenet::fuzz::input_name);
  require(again.tensors().size() == rewritten.size(), "every tensor written is read back");
  require(again.metadata() == file->metadata(), "and the metadata");
  for (std::size_t i = 0; i < rewritten.size(); ++i) {
    const typenet::io::TensorInfo* t = again.find(rewritten[i].name);
    require(t != nullptr && t->shape == rewritten[i].shape, "under its name, with its shape");
    std::vector<float> back(values[i].size());
    again.read(*t, std::span<float>(back));
    require(back.empty() || std::memcmp(back.data(), values[i].data(), back.size() * sizeof(float)) == 0, "and its bits");
  }
  return 0;
}
