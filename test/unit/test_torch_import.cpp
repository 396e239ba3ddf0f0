// test/unit/test_torch_import.cpp: PyTorch's weights loaded into typenet give PyTorch's outputs (fixtures from tools/torch_fixtures.py), and typenet's exported in PyTorch's layout come back the same.
#define BOOST_TEST_MODULE torch_import
#include <boost/test/included/unit_test.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <typenet/io/safetensors.hpp>
#include <typenet/typenet.hpp>

#include "temp_directory.hpp"

namespace tn = typenet;
using tn::Padding;
using typenet::test::file_bytes;
using typenet::test::TempDirectory;

namespace {

// The networks of tools/torch_fixtures.py, as typenet types (its docstrings spell them too).
struct SeedCnn : tn::Sequential<tn::Input<14, 14, 1>, tn::Conv2D<4, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                                tn::Conv2D<8, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>,
                                tn::Softmax> {};

struct Strided
    : tn::Sequential<tn::Input<10, 10, 3>, tn::Conv2D<6, 3, 3, Padding::same>, tn::PyTorchBatchNorm, tn::LeakyReLU<>,
                     tn::Conv2D<8, 3, 3, Padding::same, 2>, tn::BatchNormalization, tn::ReLU,
                     tn::MaxPool2D<3, 3, Padding::same, 1>, tn::AvgPool2D<2, 2>, tn::Flatten, tn::PyTorchBatchNorm,
                     tn::Dropout<25>, tn::Dense<12>, tn::Tanh, tn::Dense<3>, tn::Sigmoid> {};

struct Basic : tn::Residual<tn::Conv2D<8, 3, 3, Padding::same>, tn::PyTorchBatchNorm, tn::ReLU,
                            tn::Conv2D<8, 3, 3, Padding::same>, tn::PyTorchBatchNorm> {};
struct Down : tn::Residual<tn::Chain<tn::Conv2D<12, 3, 3, Padding::same, 2>, tn::PyTorchBatchNorm, tn::ReLU,
                                     tn::Conv2D<12, 3, 3, Padding::same>, tn::PyTorchBatchNorm>,
                           tn::Shortcut<tn::Conv2D<12, 1, 1, Padding::valid, 2>, tn::PyTorchBatchNorm>> {};
struct Mixed : tn::Concat<tn::Chain<tn::Conv2D<4, 1, 1>, tn::ReLU>,
                          tn::Chain<tn::MaxPool2D<3, 3, Padding::same, 1>, tn::Conv2D<2, 1, 1>>> {};
struct Branching : tn::Sequential<tn::Input<8, 8, 3>, tn::Conv2D<8, 3, 3, Padding::same>, tn::PyTorchBatchNorm, tn::ReLU,
                                  Basic, tn::ReLU, Down, tn::ReLU, Mixed, tn::GlobalAveragePooling2D, tn::Dense<5>,
                                  tn::Softmax> {};

struct SequenceNet : tn::Sequential<tn::Input<10, 3>, tn::Conv1D<8, 3, Padding::causal, 1, 2>, tn::ReLU,
                                    tn::GRU<16, tn::Return::sequences>, tn::GRU<16, tn::Return::sequences>, tn::LSTM<12>,
                                    tn::Dense<5>> {};

std::string fixture(const std::string& file) {
  const char* dir = std::getenv("TYPENET_TORCH_FIXTURES");
  BOOST_REQUIRE_MESSAGE(dir, "TYPENET_TORCH_FIXTURES names the directory of tools/torch_fixtures.py's files");
  return std::string(dir) + "/" + file;
}

template <class S>
std::vector<S> tensor(const tn::io::Safetensors& file, const std::string& name) {
  const tn::io::TensorInfo* t = file.find(name);
  BOOST_REQUIRE_MESSAGE(t, file.name() << " has no tensor " << name);
  std::vector<S> values(t->elements());
  file.read(*t, std::span<S>(values));
  return values;
}

/// Loads NAME.safetensors in PyTorch's layout, runs the fixture's inputs, and holds typenet's
/// float32 outputs to PyTorch's float64 ones within twice PyTorch's own float32 error (the
/// largest over the batch) and a floor of 1e-6.
template <class Net>
tn::ImportReport matches_pytorch(const std::string& name) {
  tn::Model<Net, tn::loss::MeanSquaredError, tn::optim::SGD> model({}, 1);
  const tn::ImportReport report = model.load_safetensors(fixture(name + ".safetensors"), tn::Layout::pytorch);
  const tn::io::Safetensors io = tn::io::Safetensors::open(fixture(name + ".io.safetensors"));
  const std::vector<float> input = tensor<float>(io, "input");
  const std::vector<double> out32 = tensor<double>(io, "output32");
  const std::vector<double> out64 = tensor<double>(io, "output64");
  using M = decltype(model);
  constexpr std::size_t in = M::input_size, out = M::output_size;
  BOOST_REQUIRE_EQUAL(input.size() % in, 0u);
  const std::size_t samples = input.size() / in;
  BOOST_REQUIRE_EQUAL(out64.size(), samples * out);
  double torch_error = 0, typenet_error = 0;
  for (std::size_t s = 0; s < samples; ++s) {
    const auto y = model.predict(std::span<const float, in>(input.data() + s * in, in));
    for (std::size_t i = 0; i < out; ++i) {
      torch_error = std::max(torch_error, std::abs(out32[s * out + i] - out64[s * out + i]));
      typenet_error = std::max(typenet_error, std::abs(double(y[i]) - out64[s * out + i]));
    }
  }
  BOOST_TEST_MESSAGE(name << ": typenet's float32 error " << typenet_error << ", PyTorch's " << torch_error);
  BOOST_TEST(typenet_error <= 2 * torch_error + 1e-6, name << ": typenet's float32 outputs are " << typenet_error
                                                          << " from PyTorch's float64 ones, PyTorch's own float32 "
                                                          << torch_error);
  // A sanity check on the check: the outputs are not all alike (a load that filled nothing
  // would still give some output).
  BOOST_TEST(std::abs(out64[0] - out64[out]) + std::abs(out64[1] - out64[out + 1]) > 1e-4);
  return report;
}

/// A tensor for `file_of`: a fixture's, or one changed.
struct Entry {
  std::string name;
  std::string dtype;
  std::vector<std::size_t> shape;
  std::vector<unsigned char> bytes;
};

std::vector<Entry> entries(const tn::io::Safetensors& file) {
  std::vector<Entry> out;
  for (const auto& t : file.tensors()) {
    const auto b = file.bytes(t);
    out.push_back({t.name, std::string(tn::io::dtype_name(t.dtype)), t.shape, {b.begin(), b.end()}});
  }
  return out;
}

/// A safetensors file holding `tensors` in order (its header followed by `spaces` blanks, which
/// JSON allows and which move the data off its alignment).
std::string file_of(const TempDirectory& dir, const std::string& name, const std::vector<Entry>& tensors,
                    std::size_t spaces = 0) {
  std::string header = "{";
  std::size_t at = 0;
  for (const Entry& e : tensors) {
    std::string dims;
    for (const std::size_t d : e.shape) {
      if (!dims.empty()) dims += ',';
      dims += std::to_string(d);
    }
    if (header.size() > 1) header += ',';
    header += "\"" + e.name + "\":{\"dtype\":\"" + e.dtype + "\",\"shape\":[" + dims + "],\"data_offsets\":[";
    header += std::to_string(at) + "," + std::to_string(at + e.bytes.size()) + "]}";
    at += e.bytes.size();
  }
  header += "}" + std::string(spaces, ' ');
  const std::string path = dir.file(name);
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < 8; ++i) out.put(char(std::uint64_t(header.size()) >> (8 * i)));
  out << header;
  for (const Entry& e : tensors) out.write(reinterpret_cast<const char*>(e.bytes.data()), std::streamsize(e.bytes.size()));
  return path;
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

}  // namespace

BOOST_AUTO_TEST_CASE(seed_cnn_gives_pytorchs_outputs_with_the_flatten_reordered) {
  const tn::ImportReport report = matches_pytorch<SeedCnn>("seed_cnn");
  BOOST_TEST_MESSAGE(report.text());
  BOOST_REQUIRE_EQUAL(report.lines.size(), 3u);
  BOOST_TEST(report.lines[0].find("layer 1 (Conv2D<4, 3, 3>) <- 0 (convolution") == 0);
  BOOST_TEST(report.lines[2].find("layer 8 (Dense<10>) <- 7 (Linear)") == 0);
  BOOST_TEST(mentions(report.lines, "its 32 inputs reordered from PyTorch's flattening (channels first: 8 x 4)"));
  BOOST_TEST(report.notes.empty());
}

BOOST_AUTO_TEST_CASE(strides_paddings_pooling_and_batch_norm_give_pytorchs_outputs) {
  const tn::ImportReport report = matches_pytorch<Strided>("strided");
  BOOST_TEST_MESSAGE(report.text());
  // The BatchNormalization over the flattened features has its vectors reordered too.
  BOOST_TEST(mentions(report.lines, "layer 10 (BatchNormalizationWith<std::ratio<1, 100000>, std::ratio<9, 10>>) <- 9 "
                                    "(BatchNorm): its 32 inputs reordered"));
  // The one with Keras's epsilon is named in a note.
  BOOST_REQUIRE_EQUAL(report.notes.size(), 1u);
  BOOST_TEST(report.notes[0].find("layer 5 (BatchNormalization) computes with epsilon 0.001") == 0);
}

BOOST_AUTO_TEST_CASE(residual_and_concat_blocks_give_pytorchs_outputs) {
  const tn::ImportReport report = matches_pytorch<Branching>("branching");
  BOOST_TEST_MESSAGE(report.text());
  BOOST_TEST(mentions(report.lines, "layer 6 (Down) > branch 1 > layer 1 (Conv2D<12, 1, 1, valid, 2, 2>) <- 5.shortcut.0 (convolution"));
}

BOOST_AUTO_TEST_CASE(conv1d_gru_and_lstm_give_pytorchs_outputs_with_their_gate_orders) {
  const tn::ImportReport report = matches_pytorch<SequenceNet>("sequence");
  BOOST_TEST_MESSAGE(report.text());
  BOOST_REQUIRE_EQUAL(report.lines.size(), 5u);
  BOOST_TEST(report.lines[0].find("layer 1 (Conv1D<8, 3, causal, 1, 2>) <- conv (convolution") == 0);
  // nn.GRU(num_layers=2) is two layers of the model, its _l0 and _l1 tensors.
  BOOST_TEST(report.lines[1].find("layer 3 (GRU<16, sequences>) <- gru@0 (recurrent") == 0);
  BOOST_TEST(report.lines[2].find("layer 4 (GRU<16, sequences>) <- gru@1 (recurrent") == 0);
  BOOST_TEST(mentions(report.lines, "gates r, z, n reordered to z, r, h"));
  BOOST_TEST(report.lines[3].find("layer 5 (LSTM<12>) <- lstm@0 (recurrent") == 0);
  BOOST_TEST(mentions(report.lines, "bias_ih + bias_hh summed into the bias"));

  // Saved in PyTorch's layout under the module's names, a GRU comes back bit for bit; an LSTM's
  // bias is written as bias_ih, with bias_hh zero, and loads back to the same model.
  TempDirectory dir("torch-sequence");
  tn::Model<SequenceNet, tn::loss::MeanSquaredError, tn::optim::SGD> model({}, 1);
  model.load_safetensors(fixture("sequence.safetensors"), tn::Layout::pytorch);
  const std::vector<std::string> modules{"conv", "gru", "gru@1", "lstm", "head"};
  model.save_safetensors(dir.file("sequence.safetensors"), tn::Layout::pytorch, modules);
  const auto original = tn::io::Safetensors::open(fixture("sequence.safetensors"));
  const auto exported = tn::io::Safetensors::open(dir.file("sequence.safetensors"));
  for (const auto& t : original.tensors()) {
    BOOST_REQUIRE_MESSAGE(exported.find(t.name), "the export has no " << t.name);
    if (t.name.starts_with("lstm.bias")) continue;
    BOOST_TEST((tensor<float>(exported, t.name) == tensor<float>(original, t.name)), t.name << " differs");
  }
  const auto zeros = tensor<float>(exported, "lstm.bias_hh_l0");
  BOOST_TEST(std::ranges::all_of(zeros, [](float v) { return v == 0.0f; }));
  tn::Model<SequenceNet, tn::loss::MeanSquaredError, tn::optim::SGD> again({}, 2);
  again.load_safetensors(dir.file("sequence.safetensors"), tn::Layout::pytorch, modules);
  BOOST_TEST(std::ranges::equal(again.parameters(), model.parameters()));
}

using SeedModel = tn::Model<SeedCnn, tn::loss::CrossEntropy, tn::optim::Adam>;

BOOST_AUTO_TEST_CASE(export_in_pytorchs_layout_is_the_state_dict_it_came_from) {
  // An nn.Sequential of the same layers: the default names are its own, and every tensor comes
  // back bit for bit as PyTorch saved it (the transpositions and the Flatten's reorder undone).
  TempDirectory dir("torch-export");
  SeedModel model({}, 1);
  model.load_safetensors(fixture("seed_cnn.safetensors"), tn::Layout::pytorch);
  const std::string path = dir.file("exported.safetensors");
  model.save_safetensors(path, tn::Layout::pytorch);
  const auto original = tn::io::Safetensors::open(fixture("seed_cnn.safetensors"));
  const auto exported = tn::io::Safetensors::open(path);
  std::vector<std::string> names;
  for (const auto& t : exported.tensors()) names.push_back(t.name);
  BOOST_TEST(names == (std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"}));
  for (const auto& t : original.tensors()) {
    const auto* mine = exported.find(t.name);
    BOOST_REQUIRE_MESSAGE(mine, "the export has no " << t.name);
    BOOST_TEST(mine->shape == t.shape);
    BOOST_TEST((tensor<float>(exported, t.name) == tensor<float>(original, t.name)), t.name << " differs");
  }

  // With blocks, the module names given in order; num_batches_tracked is PyTorch's own count and
  // not written (load_state_dict fills it).
  std::vector<std::string> modules;
  const auto branching = tn::io::Safetensors::open(fixture("branching.safetensors"));
  for (const auto& t : branching.tensors())
    if (t.name.ends_with(".bias") && std::find(modules.begin(), modules.end(), t.name.substr(0, t.name.size() - 5)) == modules.end())
      modules.push_back(t.name.substr(0, t.name.size() - 5));
  tn::Model<Branching, tn::loss::CrossEntropy, tn::optim::Adam> blocks({}, 1);
  blocks.load_safetensors(fixture("branching.safetensors"), tn::Layout::pytorch);
  blocks.save_safetensors(dir.file("branching.safetensors"), tn::Layout::pytorch, modules);
  const auto again = tn::io::Safetensors::open(dir.file("branching.safetensors"));
  std::size_t compared = 0;
  for (const auto& t : branching.tensors()) {
    if (t.name.ends_with("num_batches_tracked")) continue;
    BOOST_REQUIRE_MESSAGE(again.find(t.name), "the export has no " << t.name);
    BOOST_TEST((tensor<float>(again, t.name) == tensor<float>(branching, t.name)), t.name << " differs");
    ++compared;
  }
  BOOST_TEST(compared == again.tensors().size());

  // Loading by those names gives the same parameters as loading by position.
  tn::Model<Branching, tn::loss::CrossEntropy, tn::optim::Adam> named({}, 2);
  named.load_safetensors(fixture("branching.safetensors"), tn::Layout::pytorch, modules);
  BOOST_TEST(std::ranges::equal(named.parameters(), blocks.parameters()));
}

// A transposed tensor is read from the mapped file in place when it is F32 and aligned; stored as
// F64, or unaligned, it is converted or copied first: the same parameters every way.
BOOST_AUTO_TEST_CASE(f64_and_unaligned_files_load_as_the_aligned_f32_one) {
  TempDirectory dir("torch-in-place");
  SeedModel reference({}, 1);
  reference.load_safetensors(fixture("seed_cnn.safetensors"), tn::Layout::pytorch);
  const std::vector<Entry> original = entries(tn::io::Safetensors::open(fixture("seed_cnn.safetensors")));
  std::vector<Entry> wide = original;
  for (Entry& e : wide) {
    BOOST_REQUIRE(e.dtype == "F32");
    std::vector<unsigned char> bytes;
    for (std::size_t i = 0; i < e.bytes.size(); i += 4) {
      std::uint32_t bits = 0;
      for (int b = 0; b < 4; ++b) bits |= std::uint32_t(e.bytes[i + b]) << (8 * b);
      const auto d = std::bit_cast<std::uint64_t>(double(std::bit_cast<float>(bits)));
      for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<unsigned char>(d >> (8 * b)));
    }
    e.dtype = "F64", e.bytes = std::move(bytes);
  }
  std::string unaligned;
  for (std::size_t spaces = 0;; ++spaces) {  // blanks until the data is off a float's alignment
    BOOST_REQUIRE(spaces < 4);
    unaligned = file_of(dir, "unaligned.safetensors", original, spaces);
    const auto file = tn::io::Safetensors::open(unaligned);
    if (!file.in_place<float>(*file.find("7.weight"))) break;
  }
  for (const std::string& path : {unaligned, file_of(dir, "wide.safetensors", wide)}) {
    SeedModel model({}, 2);
    model.load_safetensors(path, tn::Layout::pytorch);
    BOOST_TEST(std::ranges::equal(std::as_const(model).parameters(), std::as_const(reference).parameters()), path);
  }
}

// convert_safetensors (a build step before typenet-embed) writes the weight file Model::save writes
// after the same load, and reports what the load reports; a file that does not fit leaves the
// previous weight file as it was.
BOOST_AUTO_TEST_CASE(convert_safetensors_writes_the_weight_file_of_the_load) {
  TempDirectory dir("torch-convert");
  SeedModel loaded({}, 1);
  const tn::ImportReport expected = loaded.load_safetensors(fixture("seed_cnn.safetensors"), tn::Layout::pytorch);
  loaded.save(dir.file("saved.tnw"));
  const std::string out = dir.file("converted.tnw");
  const tn::ImportReport report =
      tn::convert_safetensors<SeedCnn>(fixture("seed_cnn.safetensors"), out, tn::Layout::pytorch);
  BOOST_TEST(report.text() == expected.text());
  BOOST_TEST((file_bytes(out) == file_bytes(dir.file("saved.tnw"))));
  SeedModel model({}, 2);
  model.load(out);
  BOOST_TEST(std::ranges::equal(std::as_const(model).parameters(), std::as_const(loaded).parameters()));
  BOOST_CHECK_THROW(tn::convert_safetensors<SeedCnn>(fixture("strided.safetensors"), out, tn::Layout::pytorch),
                    tn::Error);
  BOOST_TEST((file_bytes(out) == file_bytes(dir.file("saved.tnw"))));
}

BOOST_AUTO_TEST_CASE(a_file_that_does_not_fit_is_refused_naming_tensor_layer_and_shape) {
  TempDirectory dir("torch-refused");
  SeedModel model({}, 1);
  const std::vector<float> before(model.parameters().begin(), model.parameters().end());
  const std::vector<Entry> good = entries(tn::io::Safetensors::open(fixture("seed_cnn.safetensors")));
  int case_number = 0;
  const auto refused = [&](std::vector<Entry> tensors, const std::string& expected,
                           const std::vector<std::string>& names = {}) {
    const std::string path = file_of(dir, "case" + std::to_string(++case_number) + ".safetensors", tensors);
    try {
      model.load_safetensors(path, tn::Layout::pytorch, names);
      BOOST_ERROR("case " << case_number << " loaded; expected: " << expected);
    } catch (const tn::Error& error) {
      BOOST_TEST(std::string(error.what()) == path + ": " + expected);
    }
    BOOST_TEST(std::ranges::equal(model.parameters(), before), "case " << case_number << " changed the model");
  };
  // A missing tensor.
  auto missing = good;
  missing.pop_back();
  refused(missing, "has no tensor \"7.bias\" (layer 8 (Dense<10>)'s bias is [10] in PyTorch's layout)");
  // A Conv2d without a bias says what to do.
  auto no_bias = good;
  no_bias.erase(no_bias.begin() + 1);
  refused(no_bias,
          "has no tensor \"0.bias\" (layer 1 (Conv2D<4, 3, 3>)'s bias is [4] in PyTorch's layout; typenet's Conv2D "
          "has a bias: for a Conv2d(bias=False) save a zero bias with it)");
  // A module too many, and a stray tensor.
  auto extra = good;
  extra.push_back({"8.weight", "F32", {10, 32}, good[4].bytes});
  extra.push_back({"8.bias", "F32", {10}, good[5].bytes});
  refused(extra, "holds module \"8\", a Linear that no layer of the model takes (the model has 1)");
  auto stray = good;
  stray.push_back({"0.weight_scale", "F32", {4}, good[1].bytes});
  refused(stray, "holds tensor \"0.weight_scale\", which no layer of the model takes");
  // A shape in the other order (the same bytes).
  auto transposed = good;
  transposed[2].shape = {4, 8, 3, 3};
  refused(transposed,
          "tensor \"3.weight\" has shape [4 x 8 x 3 x 3], layer 4 (Conv2D<8, 3, 3>)'s kernel is [8 x 4 x 3 x 3] in "
          "PyTorch's layout");
  // An integer tensor where a float one belongs.
  auto integer = good;
  integer[1].dtype = "I32";
  refused(integer, "tensor \"0.bias\" is I32, not a floating-point tensor (F16, BF16, F32 or F64) as layer 1 (Conv2D<4, 3, 3>)'s bias needs");
  // Module names: as many as the layers with parameters.
  refused(good,
          "2 module names given, the model has 3 layers with parameters: layer 1 (Conv2D<4, 3, 3>), layer 4 "
          "(Conv2D<8, 3, 3>), layer 8 (Dense<10>)",
          {"0", "3"});
  refused(good, "has no tensor \"conv2.weight\" (layer 4 (Conv2D<8, 3, 3>)'s kernel is [8 x 4 x 3 x 3] in PyTorch's layout)",
          {"0", "conv2", "7"});
  // A module of no kind typenet maps.
  auto odd = good;
  odd.push_back({"9.weight", "F32", {2, 2, 1, 1, 1}, std::vector<unsigned char>(16)});
  refused(odd, "holds tensor \"9.weight\" of shape [2 x 2 x 1 x 1 x 1], part of no Conv2d, Conv1d, Linear, BatchNorm, "
               "RNN, GRU or LSTM module (the modules typenet maps; pass the module names to load_safetensors to choose "
               "them)");
  // And the good file loads.
  model.load_safetensors(file_of(dir, "good.safetensors", good), tn::Layout::pytorch);
  BOOST_TEST(!std::ranges::equal(model.parameters(), before));
}

BOOST_AUTO_TEST_CASE(positions_follow_the_natural_order_of_names) {
  // "features.10" after "features.2", whatever the file's order (safetensors' own writer sorts
  // by name, PyTorch's state_dict by definition).
  TempDirectory dir("torch-order");
  std::vector<Entry> good = entries(tn::io::Safetensors::open(fixture("seed_cnn.safetensors")));
  const std::vector<std::string> renamed{"features.2.weight", "features.2.bias", "features.10.weight",
                                         "features.10.bias", "classifier.weight", "classifier.bias"};
  for (std::size_t i = 0; i < good.size(); ++i) good[i].name = renamed[i];
  std::vector<Entry> sorted = good;
  std::sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  SeedModel a({}, 1), b({}, 2);
  a.load_safetensors(fixture("seed_cnn.safetensors"), tn::Layout::pytorch);
  const tn::ImportReport report = b.load_safetensors(file_of(dir, "sorted.safetensors", sorted), tn::Layout::pytorch);
  BOOST_TEST(std::ranges::equal(a.parameters(), b.parameters()));
  BOOST_TEST(report.lines[1].find("layer 4 (Conv2D<8, 3, 3>) <- features.10 ") == 0);
}
