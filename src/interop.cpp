// src/interop.cpp: a network's parameters as the named tensors of a safetensors file (typenet's or PyTorch's names and layouts), saved and loaded, and read from Keras's .npz (docs/interop.md).
#include <algorithm>
#include <cstdio>
#include <ranges>
#include <tuple>
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

namespace {

std::size_t product(const std::vector<std::size_t>& shape) {
  std::size_t size = 1;
  for (const std::size_t axis : shape) size *= axis;
  return size;
}

/// Reads `tensor` into `out`, or says which layer's tensor an integer one was to fill.
template <class S>
void read_float(const io::Safetensors& file, const io::TensorInfo& tensor, std::span<S> out, const std::string& owner) {
  const io::Dtype d = tensor.dtype;
  if (d != io::Dtype::F16 && d != io::Dtype::BF16 && d != io::Dtype::F32 && d != io::Dtype::F64)
    fail(file.name(), "tensor \"" + tensor.name + "\" is " + std::string(io::dtype_name(d)) +
                          ", not a floating-point tensor (F16, BF16, F32 or F64) as " + owner + " needs");
  file.read(tensor, out);
}

/// A parameter block for a load, which writes every tensor (or throws): only the padding
/// between them is zeroed here.
template <class S>
AlignedBuffer<S> unfilled(std::size_t size, const std::vector<Slot>& all) {
  AlignedBuffer<S> block(size, typename AlignedBuffer<S>::Uninitialized{});
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (const Slot& s : all) spans.emplace_back(s.offset, s.offset + product(s.shape));
  std::sort(spans.begin(), spans.end());
  std::size_t at = 0;
  for (const auto& [begin, end] : spans) {
    if (begin > at) std::fill(block.data() + at, block.data() + begin, S{});
    at = std::max(at, end);
  }
  std::fill(block.data() + std::min(at, size), block.data() + size, S{});
  return block;
}

// ---- PyTorch's names and layouts -------------------------------------------------------

/// The PyTorch module a layer with parameters corresponds to.
enum class ModuleKind { conv, linear, norm, recurrent };
constexpr std::size_t module_kinds = 4;

std::string_view kind_text(ModuleKind kind) {
  switch (kind) {
    case ModuleKind::conv: return "convolution (Conv2d, Conv1d)";
    case ModuleKind::linear: return "Linear";
    case ModuleKind::norm: return "BatchNorm";
    case ModuleKind::recurrent: return "recurrent (RNN, GRU, LSTM)";
  }
  return "";
}

/// One parameter tensor of the model as a PyTorch module holds it.
struct TorchTensor {
  std::string_view suffix;          // "weight", "bias", "running_mean", "running_var"
  std::vector<std::size_t> shape;   // PyTorch's
  const Slot* slot;                 // the model's tensor
  /// The model's element r * columns + c is PyTorch's c * from.size() + from[r]: a transpose
  /// of PyTorch's [columns, rows] whose rows are reordered (empty: the same place). Kept per
  /// row, not per element: for a 100 MB kernel a table of every element's place was 200 MB.
  std::size_t columns = 1;
  std::vector<std::size_t> from;
  /// Where not empty, PyTorch's column of the model's column c is column_from[c] (a recurrent
  /// layer's gates, in another order).
  std::vector<std::size_t> column_from{};
  std::size_t at = 0;   ///< where in the model's tensor it starts (a GRU's recurrent bias)
  bool adds = false;    ///< added to what another tensor wrote (an LSTM's second bias); saved as zeros
};

/// f(r, c) for every r < rows, c < columns, in tiles of 64 x 64, so that a transpose reads and
/// writes whole cache lines (bench/load_speed.cpp: a 100 MB Linear weight loaded in 58 ms, against
/// 1,980 with a table of every element's place, a 4 KiB-paged copy and an element-wise gather;
/// tiles of 16, 32, 64 and 128 took 39, 42, 35 and 39 ms, reading the map in place; walking a tile
/// column by column, so that the reads are contiguous and the writes strided, 100-112 ms).
template <class F>
void in_tiles(std::size_t rows, std::size_t columns, F&& f) {
  constexpr std::size_t tile = 64;
  for (std::size_t r0 = 0; r0 < rows; r0 += tile)
    for (std::size_t c0 = 0; c0 < columns; c0 += tile)
      for (std::size_t r = r0; r < std::min(rows, r0 + tile); ++r)
        for (std::size_t c = c0; c < std::min(columns, c0 + tile); ++c) f(r, c);
}

/// PyTorch's values of `x` in the model's order, and back.
template <class S>
void to_model(const TorchTensor& x, const S* theirs, S* ours) {
  const std::size_t rows = x.from.size(), columns = x.columns;
  if (x.column_from.empty())
    in_tiles(rows, columns, [&](std::size_t r, std::size_t c) { ours[r * columns + c] = theirs[c * rows + x.from[r]]; });
  else
    in_tiles(rows, columns,
             [&](std::size_t r, std::size_t c) { ours[r * columns + c] = theirs[x.column_from[c] * rows + x.from[r]]; });
}
template <class S>
void to_torch(const TorchTensor& x, const S* ours, S* theirs) {
  const std::size_t rows = x.from.size(), columns = x.columns;
  if (x.column_from.empty())
    in_tiles(rows, columns, [&](std::size_t r, std::size_t c) { theirs[c * rows + x.from[r]] = ours[r * columns + c]; });
  else
    in_tiles(rows, columns,
             [&](std::size_t r, std::size_t c) { theirs[x.column_from[c] * rows + x.from[r]] = ours[r * columns + c]; });
}

/// PyTorch's gate of Keras's gate g: a GRU's z, r, h are PyTorch's 1, 0, 2 (r, z, n); an LSTM's
/// i, f, c, o and a SimpleRNN's one gate are in PyTorch's order.
std::vector<std::size_t> torch_gate_order(std::string_view spelling, std::size_t gates, std::size_t units) {
  std::vector<std::size_t> from(gates * units);
  for (std::size_t j = 0; j < from.size(); ++j) {
    std::size_t g = j / units;
    if (spelling.starts_with("GRU")) g = g == 0 ? 1 : g == 1 ? 0 : g;
    from[j] = g * units + j % units;
  }
  return from;
}

std::vector<std::size_t> counting(std::size_t n) {
  std::vector<std::size_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = i;
  return out;
}

/// One layer with parameters, as PyTorch sees it.
struct TorchLayer {
  std::size_t position;
  ModuleKind kind;
  std::vector<TorchTensor> tensors;
  std::size_t flat_positions = 0;  // > 0: its inputs are a Flatten's of positions x channels
  std::size_t flat_channels = 0;
};

/// Where a feature of a flattened (positions, channels) image sits: typenet flattens channels
/// last (t = s C + c), PyTorch channels first (c S + s).
std::size_t channels_first(std::size_t t, std::size_t positions, std::size_t channels) {
  return (t % channels) * positions + t / channels;
}

/// For each position (0: the network's input), the (positions, channels) of the Flatten its
/// output comes from unchanged in order, or (0, 0): a Flatten of an image, then layers that
/// keep each feature in its place (activations, Dropout, BatchNormalization).
std::vector<std::pair<std::size_t, std::size_t>> flattened(const NetworkFacts& net) {
  std::vector<std::pair<std::size_t, std::size_t>> flat(net.layers.size() + 1, {0, 0});
  for (std::size_t p = 1; p <= net.layers.size(); ++p) {
    const LayerFacts& layer = net.layers[p - 1];
    if (layer.sources.size() != 1) continue;
    const std::string spelling = layer.spelling();
    if (spelling == "Flatten" && layer.input.size() >= 2) {
      const std::size_t channels = layer.input.back();
      std::size_t positions = 1;
      for (std::size_t a = 0; a + 1 < layer.input.size(); ++a) positions *= layer.input[a];
      if (positions > 1 && channels > 1) flat[p] = {positions, channels};
      continue;
    }
    const bool per_feature = layer.tensors.empty() || spelling.starts_with("BatchNormalization");
    if (per_feature && layer.output.size() == 1 && std::ranges::equal(layer.input, layer.output))
      flat[p] = flat[layer.sources[0]];
  }
  return flat;
}

/// The layers with parameters as PyTorch modules hold them, in the model's order.
std::vector<TorchLayer> torch_layers(const NetworkFacts& net, const std::vector<Slot>& all) {
  const auto flat = flattened(net);
  std::vector<TorchLayer> out;
  for (std::size_t i = 0; i < all.size();) {
    const std::size_t p = all[i].position;
    std::size_t j = i;
    while (j < all.size() && all[j].position == p) ++j;
    std::vector<std::string_view> names;
    for (std::size_t k = i; k < j; ++k) names.push_back(all[k].tensor);
    const LayerFacts& layer = net.layers[p - 1];
    TorchLayer t{p, ModuleKind::linear, {}};
    if (layer.sources.size() == 1) std::tie(t.flat_positions, t.flat_channels) = flat[layer.sources[0]];
    const auto vector = [&](std::string_view suffix, const Slot& s) {
      TorchTensor out{suffix, s.shape, &s, 1, {}};
      if (t.flat_positions > 0) {
        out.from.resize(s.shape[0]);
        for (std::size_t f = 0; f < s.shape[0]; ++f) out.from[f] = channels_first(f, t.flat_positions, t.flat_channels);
      }
      return out;
    };
    if (names == std::vector<std::string_view>{"kernel", "recurrent_kernel", "bias"}) {
      // nn.RNN, nn.GRU, nn.LSTM (batch_first or not: the weights are the same): weight_ih [G U,
      // in] and weight_hh [G U, U] transposed, gates reordered; bias_ih and bias_hh are a GRU's
      // two bias rows, and summed into one bias otherwise.
      t.kind = ModuleKind::recurrent;
      t.flat_positions = t.flat_channels = 0;
      const std::size_t in = all[i].shape[0], gu = all[i].shape[1], units = all[i + 1].shape[0];
      const std::vector<std::size_t> gates = torch_gate_order(layer.spelling(), gu / units, units);
      const bool two_rows = all[i + 2].shape.size() == 2;
      t.tensors = {TorchTensor{"weight_ih_l0", {gu, in}, &all[i], gu, counting(in), gates},
                   TorchTensor{"weight_hh_l0", {gu, units}, &all[i + 1], gu, counting(units), gates},
                   TorchTensor{"bias_ih_l0", {gu}, &all[i + 2], gu, {0}, gates},
                   TorchTensor{"bias_hh_l0", {gu}, &all[i + 2], gu, {0}, gates, two_rows ? gu : 0, !two_rows}};
    } else if (names == std::vector<std::string_view>{"kernel", "bias"} && all[i].shape.size() == 3) {
      // Conv1d: weight [out, in / groups, kernel] to [kernel, in / groups, out].
      t.kind = ModuleKind::conv;
      t.flat_positions = t.flat_channels = 0;
      const std::size_t k = all[i].shape[0], in = all[i].shape[1], filters = all[i].shape[2];
      TorchTensor weight{"weight", {filters, in, k}, &all[i], filters, std::vector<std::size_t>(k * in)};
      for (std::size_t y = 0; y < k; ++y)
        for (std::size_t c = 0; c < in; ++c) weight.from[y * in + c] = c * k + y;
      t.tensors = {std::move(weight), TorchTensor{"bias", all[i + 1].shape, &all[i + 1], 1, {}}};
    } else if (names == std::vector<std::string_view>{"kernel", "bias"} && all[i].shape.size() == 4) {
      t.kind = ModuleKind::conv;
      t.flat_positions = t.flat_channels = 0;
      const std::size_t kh = all[i].shape[0], kw = all[i].shape[1], in = all[i].shape[2], filters = all[i].shape[3];
      TorchTensor weight{"weight", {filters, in, kh, kw}, &all[i], filters, std::vector<std::size_t>(kh * kw * in)};
      for (std::size_t y = 0; y < kh; ++y)
        for (std::size_t x = 0; x < kw; ++x)
          for (std::size_t c = 0; c < in; ++c) weight.from[(y * kw + x) * in + c] = (c * kh + y) * kw + x;
      t.tensors = {std::move(weight), TorchTensor{"bias", all[i + 1].shape, &all[i + 1], 1, {}}};
    } else if (names == std::vector<std::string_view>{"depthwise_kernel", "bias"}) {
      // DepthwiseConv2D: an nn.Conv2d(C, C M, (KH, KW), groups=C), weight [C M, 1, KH, KW] to
      // [KH, KW, C, M]: output channel c M + m reads input channel c in both.
      t.kind = ModuleKind::conv;
      t.flat_positions = t.flat_channels = 0;
      const std::size_t kh = all[i].shape[0], kw = all[i].shape[1], out = all[i].shape[2] * all[i].shape[3];
      t.tensors = {TorchTensor{"weight", {out, 1, kh, kw}, &all[i], out, counting(kh * kw)},
                   TorchTensor{"bias", all[i + 1].shape, &all[i + 1], 1, {}}};
    } else if (names == std::vector<std::string_view>{"kernel", "bias"} && all[i].shape.size() == 2) {
      t.kind = ModuleKind::linear;
      const std::size_t inputs = all[i].shape[0], units = all[i].shape[1];
      TorchTensor weight{"weight", {units, inputs}, &all[i], units, std::vector<std::size_t>(inputs)};
      for (std::size_t k = 0; k < inputs; ++k)
        weight.from[k] = t.flat_positions > 0 ? channels_first(k, t.flat_positions, t.flat_channels) : k;
      t.tensors = {std::move(weight), TorchTensor{"bias", all[i + 1].shape, &all[i + 1], 1, {}}};
    } else if (names == std::vector<std::string_view>{"gamma", "beta", "moving_mean", "moving_variance"}) {
      t.kind = ModuleKind::norm;
      t.tensors = {vector("weight", all[i]), vector("bias", all[i + 1]), vector("running_mean", all[i + 2]),
                   vector("running_var", all[i + 3])};
    } else {
      throw Error(layer_name(net, p) + " has parameters that no PyTorch module of typenet's layouts holds " +
                  "(Conv2d, Conv2d with groups=in_channels as DepthwiseConv2D, Conv1d, Linear, BatchNorm, RNN, "
                  "GRU and LSTM are mapped; docs/interop.md)");
    }
    out.push_back(std::move(t));
    i = j;
  }
  return out;
}

/// Names compared as people number things: runs of digits by value ("features.2" before
/// "features.10"), the rest character by character.
bool natural_less(std::string_view a, std::string_view b) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      std::string_view x = a.substr(i, ie - i), y = b.substr(j, je - j);
      while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
      while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::string_view module_of(std::string_view name) {
  const std::size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(0, dot);
}
std::string_view suffix_of(std::string_view name) {
  const std::size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}
std::string module_tensor(std::string_view module, std::string_view suffix) {
  return module.empty() ? std::string(suffix) : std::string(module) + "." + std::string(suffix);
}
/// A tensor's name in a module: "features.0.weight"; for layer k of a stacked recurrent module
/// named "rnn@k", "rnn.weight_ih_lk" (its suffix's "_l0" made "_lk").
std::string torch_name(std::string_view module, std::string_view suffix) {
  const std::size_t at = module.find('@');
  const std::string_view base = module.substr(0, at);
  if (at == std::string_view::npos || !suffix.ends_with("_l0")) return module_tensor(base, suffix);
  return module_tensor(base, std::string(suffix.substr(0, suffix.size() - 1)) + std::string(module.substr(at + 1)));
}

/// The file's modules of each kind in the natural order of their names.
std::vector<std::vector<std::string>> modules_by_kind(const io::Safetensors& file) {
  std::vector<std::string> modules;
  for (const io::TensorInfo& t : file.tensors())
    if (suffix_of(t.name) != "num_batches_tracked") modules.emplace_back(module_of(t.name));
  std::sort(modules.begin(), modules.end(), natural_less);
  modules.erase(std::unique(modules.begin(), modules.end()), modules.end());
  std::vector<std::vector<std::string>> by_kind(module_kinds);
  for (const std::string& m : modules) {
    const io::TensorInfo* weight = file.find(module_tensor(m, "weight"));
    if (file.find(module_tensor(m, "weight_ih_l0"))) {
      // A recurrent module: one layer of the model per layer of the module (num_layers).
      for (std::size_t k = 0; file.find(module_tensor(m, "weight_ih_l" + std::to_string(k))); ++k)
        by_kind[std::size_t(ModuleKind::recurrent)].push_back(m + "@" + std::to_string(k));
    } else if (file.find(module_tensor(m, "running_mean")) || file.find(module_tensor(m, "running_var")))
      by_kind[std::size_t(ModuleKind::norm)].push_back(m);
    else if (weight && (weight->shape.size() == 4 || weight->shape.size() == 3))
      by_kind[std::size_t(ModuleKind::conv)].push_back(m);
    else if (weight && weight->shape.size() == 2)
      by_kind[std::size_t(ModuleKind::linear)].push_back(m);
    else {
      const io::TensorInfo& any = weight ? *weight : *std::find_if(file.tensors().begin(), file.tensors().end(),
                                                                   [&](const io::TensorInfo& t) { return module_of(t.name) == m; });
      fail(file.name(), "holds tensor \"" + any.name + "\" of shape [" + dims_text(any.shape) +
                            "], part of no Conv2d, Conv1d, Linear, BatchNorm, RNN, GRU or LSTM module (the modules typenet maps; "
                            "pass the module names to load_safetensors to choose them)");
    }
  }
  return by_kind;
}

/// A BatchNormalization's epsilon, from its spelling (layers/batch_normalization.hpp).
double epsilon_of(const std::string& spelling) {
  constexpr std::string_view with = "BatchNormalizationWith<std::ratio<";
  const std::size_t at = spelling.find(with);
  if (at == std::string::npos) return 1e-3;
  const std::string rest = spelling.substr(at + with.size());
  const std::size_t comma = rest.find(',');
  return std::stod(rest.substr(0, comma)) / std::stod(rest.substr(comma + 1));
}

std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

/// The names an nn.Sequential of the same layers gives them: the path with each layer
/// counted from 0 ("3" -> "2", "5.b0.1" -> "4.b0.0").
std::string sequential_name(const LayerFacts& layer) {
  std::string out;
  for (const PathStep& step : layer.path) {
    if (!out.empty()) out += '.';
    if (step.kind == PathStep::layer) out += std::to_string(step.index - 1);
    else if (step.kind == PathStep::branch) out += "b" + std::to_string(step.index);
    else out += "m";
  }
  return out;
}

/// The module names of the model's layers with parameters: `names`, checked, or nn.Sequential's.
std::vector<std::string> module_names(const NetworkFacts& net, const std::vector<TorchLayer>& layers,
                                      const std::vector<std::string>& names, const std::string& path) {
  if (names.empty()) {
    std::vector<std::string> out;
    for (const TorchLayer& t : layers) out.push_back(sequential_name(net.layers[t.position - 1]));
    return out;
  }
  if (names.size() != layers.size()) {
    std::string which;
    for (const TorchLayer& t : layers) which += (which.empty() ? "" : ", ") + layer_name(net, t.position);
    fail(path, std::to_string(names.size()) + " module names given, the model has " + std::to_string(layers.size()) +
                   " layers with parameters: " + which);
  }
  return names;
}

}  // namespace

template <class S>
void save_safetensors(const std::string& path, const NetworkFacts& net, const S* params, Layout layout,
                      const std::vector<std::string>& names) {
  const std::vector<Slot> all = slots(net);
  std::vector<io::NamedTensor<S>> tensors;
  std::size_t count = 0;
  if (layout == Layout::typenet) {
    if (!names.empty()) fail(path, "module names are for Layout::pytorch; Layout::typenet names tensors by path");
    for (const Slot& s : all) {
      tensors.push_back({s.name, s.shape, {params + s.offset, product(s.shape)}});
      count += product(s.shape);
    }
    io::write_safetensors(path, std::span<const io::NamedTensor<S>>(tensors),
                          {{"format", "typenet"}, {"layout", "keras"}, {"parameters", std::to_string(count)}});
    return;
  }
  const std::vector<TorchLayer> layers = torch_layers(net, all);
  const std::vector<std::string> modules = module_names(net, layers, names, path);
  // The tensors whose order differs, in PyTorch's; an added tensor (an LSTM's bias_hh) is zeros.
  std::vector<std::vector<S>> reordered;
  for (const TorchLayer& t : layers)
    for (const TorchTensor& x : t.tensors)
      if (!x.from.empty() || x.adds) {
        std::vector<S> values(product(x.shape));
        if (!x.adds) to_torch(x, params + x.slot->offset + x.at, values.data());
        reordered.push_back(std::move(values));
      }
  std::size_t next = 0;
  for (std::size_t l = 0; l < layers.size(); ++l)
    for (const TorchTensor& x : layers[l].tensors) {
      const std::size_t size = product(x.shape);
      const S* values = x.from.empty() && !x.adds ? params + x.slot->offset + x.at : reordered[next++].data();
      tensors.push_back({torch_name(modules[l], x.suffix), x.shape, {values, size}});
      count += size;
    }
  io::write_safetensors(path, std::span<const io::NamedTensor<S>>(tensors),
                        {{"format", "pt"}, {"layout", "pytorch"}, {"parameters", std::to_string(count)}});
}

template <class S>
AlignedBuffer<S> load_safetensors(const std::string& path, const NetworkFacts& net, Layout layout,
                                  const std::vector<std::string>& names, ImportReport& report) {
  return load_safetensors<S>(io::Safetensors::open(path), net, layout, names, report);
}

template <class S>
AlignedBuffer<S> load_safetensors(const io::Safetensors& file, const NetworkFacts& net, Layout layout,
                                  const std::vector<std::string>& names, ImportReport& report) {
  const std::string& path = file.name();
  const std::vector<Slot> all = slots(net);
  AlignedBuffer<S> fresh = unfilled<S>(net.parameter_block, all);
  std::set<std::string> used;
  if (layout == Layout::typenet) {
    if (!names.empty()) fail(path, "module names are for Layout::pytorch; Layout::typenet names tensors by path");
    for (const Slot& s : all) {
      const std::string owner = layer_name(net, s.position) + "'s " + std::string(s.tensor);
      const io::TensorInfo* t = file.find(s.name);
      if (!t) fail(path, "has no tensor \"" + s.name + "\" (" + owner + ", shape [" + dims_text(s.shape) + "])");
      if (t->shape != s.shape)
        fail(path, "tensor \"" + s.name + "\" has shape [" + dims_text(t->shape) + "], " + owner + " is [" +
                       dims_text(s.shape) + "]");
      read_float(file, *t, std::span<S>(fresh.data() + s.offset, product(s.shape)), owner);
      used.insert(s.name);
    }
    for (const io::TensorInfo& t : file.tensors())
      if (!used.contains(t.name))
        fail(path, "holds tensor \"" + t.name + "\", which is none of the model's (they are named \"" +
                       (all.empty() ? std::string("...") : all.front().name) +
                       "\" and so on: position.tensor; a PyTorch state_dict needs Layout::pytorch)");
    report.lines.clear();
    for (const Slot& s : all) report.lines.push_back(layer_name(net, s.position) + "'s " + std::string(s.tensor) + " <- " + s.name);
    return fresh;
  }

  const std::vector<TorchLayer> layers = torch_layers(net, all);
  std::vector<std::string> modules;
  if (!names.empty()) {
    modules = module_names(net, layers, names, path);
  } else {
    // By position among the modules of a kind.
    const auto by_kind = modules_by_kind(file);
    std::vector<std::size_t> taken(module_kinds, 0);
    for (const TorchLayer& t : layers) {
      const auto& candidates = by_kind[std::size_t(t.kind)];
      std::size_t& k = taken[std::size_t(t.kind)];
      if (k == candidates.size()) {
        std::size_t model_count = 0;
        for (const TorchLayer& u : layers) model_count += u.kind == t.kind;
        fail(path, "holds " + std::to_string(candidates.size()) + " " + std::string(kind_text(t.kind)) +
                       " module(s), the model has " + std::to_string(model_count) + "; " + layer_name(net, t.position) +
                       " has none left (pass the module names to load_safetensors to choose them)");
      }
      modules.push_back(candidates[k++]);
    }
    for (std::size_t kind = 0; kind < module_kinds; ++kind)
      if (taken[kind] < by_kind[kind].size())
        fail(path, "holds module \"" + by_kind[kind][taken[kind]] + "\", a " +
                       std::string(kind_text(ModuleKind(kind))) + " that no layer of the model takes (the model has " +
                       std::to_string(taken[kind]) + ")");
  }
  report.lines.clear();
  report.notes.clear();
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const TorchLayer& t = layers[l];
    const std::string owner = layer_name(net, t.position);
    std::string line = owner + " <- " + (modules[l].empty() ? std::string("(top level)") : modules[l]) + " (" +
                       std::string(kind_text(t.kind)) + ")";
    for (const TorchTensor& x : t.tensors) {
      const std::string name = torch_name(modules[l], x.suffix);
      const io::TensorInfo* info = file.find(name);
      const std::string expected = owner + "'s " + std::string(x.slot->tensor) + " is [" + dims_text(x.shape) +
                                   "] in PyTorch's layout";
      if (!info) {
        std::string hint;
        if (t.kind == ModuleKind::conv && x.suffix == "bias")
          hint = "; typenet's Conv2D has a bias: for a Conv2d(bias=False) save a zero bias with it";
        if (t.kind == ModuleKind::norm && (x.suffix == "weight" || x.suffix == "bias"))
          hint = "; a BatchNorm with affine=False has none: save weight as ones and bias as zeros";
        fail(path, "has no tensor \"" + name + "\" (" + expected + hint + ")");
      }
      if (info->shape != x.shape)
        fail(path, "tensor \"" + name + "\" has shape [" + dims_text(info->shape) + "], " + expected);
      S* into = fresh.data() + x.slot->offset + x.at;
      const std::string what = owner + "'s " + std::string(x.slot->tensor);
      if (x.from.empty() && !x.adds) {
        read_float(file, *info, std::span<S>(into, product(x.shape)), what);
      } else {
        // Rearranged straight from the mapped file where the tensor lies there in S (no copy of a
        // 100 MB kernel into a fresh buffer first: bench/load_speed.cpp), else from a converted copy.
        AlignedBuffer<S> values;
        const S* theirs = nullptr;
        if (const auto view = file.template in_place<S>(*info)) {
          theirs = view->data();
        } else {
          values = AlignedBuffer<S>(product(x.shape), typename AlignedBuffer<S>::Uninitialized{});
          read_float(file, *info, std::span<S>(values.data(), values.size()), what);
          theirs = values.data();
        }
        if (!x.adds) {
          to_model(x, theirs, into);
        } else {
          AlignedBuffer<S> ordered(product(x.shape), typename AlignedBuffer<S>::Uninitialized{});
          to_model(x, theirs, ordered.data());
          for (std::size_t i = 0; i < ordered.size(); ++i) into[i] += ordered[i];
        }
      }
      used.insert(name);
    }
    if (t.kind == ModuleKind::conv)
      line += t.tensors[0].shape.size() == 3 ? ": weight [out, in, kernel] transposed to [kernel, in, out]"
              : t.tensors[0].slot->tensor == "depthwise_kernel"
                  ? ": weight [in x multiplier, 1, height, width] transposed to [height, width, in, multiplier]"
                  : ": weight [out, in, height, width] transposed to [height, width, in, out]";
    if (t.kind == ModuleKind::linear) line += ": weight [out, in] transposed to [in, out]";
    if (t.kind == ModuleKind::recurrent) {
      const std::string spelling = net.layers[t.position - 1].spelling();
      line += ": weight_ih and weight_hh [gates x units, in] transposed to [in, gates x units]";
      if (spelling.starts_with("GRU")) line += ", gates r, z, n reordered to z, r, h; bias_ih and bias_hh the bias's two rows";
      else line += ", bias_ih + bias_hh summed into the bias";
    }
    if (t.flat_positions > 0)
      line += std::string(t.kind == ModuleKind::linear ? "," : ":") + " its " + std::to_string(t.flat_positions * t.flat_channels) +
              " inputs reordered from PyTorch's flattening (channels first: " + std::to_string(t.flat_channels) + " x " +
              std::to_string(t.flat_positions) + ") to typenet's (channels last)";
    if (t.kind == ModuleKind::norm) {
      const double eps = epsilon_of(net.layers[t.position - 1].spelling());
      line += (t.flat_positions > 0 ? ", epsilon " : ": epsilon ") + number_text(eps) + " (the model's)";
      if (eps != 1e-5)
        report.notes.push_back(owner + " computes with epsilon " + number_text(eps) +
                               "; PyTorch's BatchNorm defaults to 1e-05: if the module kept its default, declare "
                               "PyTorchBatchNorm for the same outputs");
    }
    report.lines.push_back(std::move(line));
  }
  for (const io::TensorInfo& t : file.tensors())
    if (!used.contains(t.name) && suffix_of(t.name) != "num_batches_tracked")
      fail(path, "holds tensor \"" + t.name + "\", which no layer of the model takes");
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
    file.read(a, std::span<S>(fresh.data() + s.offset, product(s.shape)));
  }
  return fresh;
}

template void save_safetensors(const std::string&, const NetworkFacts&, const float*, Layout,
                               const std::vector<std::string>&);
template void save_safetensors(const std::string&, const NetworkFacts&, const double*, Layout,
                               const std::vector<std::string>&);
template AlignedBuffer<float> load_safetensors(const std::string&, const NetworkFacts&, Layout,
                                               const std::vector<std::string>&, ImportReport&);
template AlignedBuffer<double> load_safetensors(const std::string&, const NetworkFacts&, Layout,
                                                const std::vector<std::string>&, ImportReport&);
template AlignedBuffer<float> load_safetensors(const io::Safetensors&, const NetworkFacts&, Layout,
                                               const std::vector<std::string>&, ImportReport&);
template AlignedBuffer<double> load_safetensors(const io::Safetensors&, const NetworkFacts&, Layout,
                                                const std::vector<std::string>&, ImportReport&);
template AlignedBuffer<float> load_npz(const std::string&, const NetworkFacts&);
template AlignedBuffer<double> load_npz(const std::string&, const NetworkFacts&);

}  // namespace typenet::detail
