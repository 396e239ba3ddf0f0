// tools/typenet_inspect.cpp: typenet-inspect, which lists the tensors of weight files (safetensors, NumPy .npz, typenet's own) and the network a typenet file records, as a C++ type.
//
// Each file's format is told by its first bytes, never by its name: a file renamed by hand or
// saved under the wrong extension is still read for what it is (docs/inspect.md).
#include <typenet/core/error.hpp>
#include <typenet/io/npz.hpp>
#include <typenet/io/safetensors.hpp>
#include <typenet/io/weights.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

namespace io = typenet::io;

constexpr std::string_view usage =
    "usage: typenet-inspect FILE...\n"
    "Lists the tensors of each weight file, one a line: name, dtype, shape, bytes.\n"
    "Reads safetensors files, NumPy .npz archives, and typenet's weight files and checkpoints,\n"
    "told apart by their first bytes; for typenet's own files it also prints the network as the\n"
    "C++ type that declares it.\n"
    "Exit status: 0 when every file was read; 1 when one was not (one line on stderr for each);\n"
    "2 for a wrong command line.\n";

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw typenet::Error(path + ": " + what); }

/// `text` with control characters written as \xNN: a name read from a file cannot break a line
/// of the listing, or the one line an error is.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out;
}

/// "[3, 3, 1, 32]"; "[]" for a scalar.
template <class Dims>
std::string shape_list(const Dims& dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

/// "(8, 8, 4)", "(10,)": how typenet's messages write a layer's shape.
std::string shape_tuple(const std::vector<std::uint64_t>& dims) {
  std::string text = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + (dims.size() == 1 ? ",)" : ")");
}

// ---- the listing -------------------------------------------------------------------------------

/// One line of the listing: a tensor's name, dtype, shape (or size) and bytes.
struct Row {
  std::string name, dtype, shape, bytes;
};

/// The rows in aligned columns, indented under the file's line; the bytes right-aligned.
void print_rows(std::ostream& out, const std::vector<Row>& rows) {
  std::size_t name = 0, dtype = 0, shape = 0, bytes = 0;
  for (const Row& r : rows) {
    name = std::max(name, r.name.size());
    dtype = std::max(dtype, r.dtype.size());
    shape = std::max(shape, r.shape.size());
    bytes = std::max(bytes, r.bytes.size());
  }
  for (const Row& r : rows)
    out << "  " << r.name << std::string(name - r.name.size() + 2, ' ') << r.dtype
        << std::string(dtype - r.dtype.size() + 2, ' ') << r.shape << std::string(shape - r.shape.size() + 2, ' ')
        << std::string(bytes - r.bytes.size(), ' ') << r.bytes << " bytes\n";
}

// ---- the formats -------------------------------------------------------------------------------

enum class Format { safetensors, npz, typenet };

/// Which format the file at `path` is in, from its first bytes. Throws Error naming the path
/// when it cannot be read or is in none of them.
Format detect(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) fail(path, "no such file");
  if (ec) fail(path, "cannot open: " + ec.message());
  if (status.type() == fs::file_type::directory) fail(path, "is a directory, not a weight file");
  // The readers read a file again after this look at its start: a pipe would be drained by it.
  if (status.type() != fs::file_type::regular)
    fail(path, "is not a regular file (a pipe or a device), not a weight file");

  std::array<unsigned char, 9> head{};
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) fail(path, "cannot open: " + std::generic_category().message(errno));
  const std::size_t got = std::fread(head.data(), 1, head.size(), file);
  const bool read_error = std::ferror(file) != 0;
  const int code = errno;
  std::fclose(file);
  if (read_error) fail(path, "cannot read: " + std::generic_category().message(code));

  const auto starts_with = [&](std::string_view magic) {
    return got >= magic.size() && std::equal(magic.begin(), magic.end(), head.begin(), [](char m, unsigned char h) {
             return static_cast<unsigned char>(m) == h;
           });
  };
  if (starts_with("\x89TNW\r\n\x1a\n")) return Format::typenet;  // docs/weight-format.md
  // A zip's first local header, or the end record that is all of an empty archive.
  if (starts_with("PK\x03\x04") || starts_with("PK\x05\x06")) return Format::npz;
  // An 8-byte header length, then the JSON header, which must be an object.
  if (got == head.size() && head[8] == '{') return Format::safetensors;
  if (starts_with("\x93NUMPY"))
    fail(path, "is a single NumPy .npy array, not an .npz archive (save it with numpy.savez)");
  if (got == 0) fail(path, "is empty, not a weight file");
  fail(path,
       "is not a safetensors file, a NumPy .npz archive or a typenet weight file (its first bytes match none of their "
       "signatures)");
}

void inspect_safetensors(std::ostream& out, const std::string& path) {
  const io::Safetensors file = io::Safetensors::open(path);
  std::size_t data = 0;
  std::vector<Row> rows;
  for (const io::TensorInfo& t : file.tensors()) {
    data += t.end - t.begin;
    rows.push_back({printable(t.name), std::string(io::dtype_name(t.dtype)), shape_list(t.shape),
                    std::to_string(t.end - t.begin)});
  }
  out << printable(path) << ": safetensors, " << rows.size() << (rows.size() == 1 ? " tensor, " : " tensors, ") << data
      << " bytes of tensor data\n";
  for (const auto& [key, value] : file.metadata())
    out << "  __metadata__ " << printable(key) << ": " << printable(value) << '\n';
  print_rows(out, rows);
}

void inspect_npz(std::ostream& out, const std::string& path) {
  const io::Npz file = io::Npz::open(path);
  std::size_t data = 0;
  std::vector<Row> rows;
  for (const io::Npz::Array& a : file.arrays()) {
    data += a.data.size();
    // The shape as stored; a Fortran-order array's bytes run the other way, which the reader refuses to convert.
    rows.push_back({printable(a.name), printable(a.dtype),
                    shape_list(a.shape) + (a.fortran_order ? " (Fortran order)" : ""), std::to_string(a.data.size())});
  }
  out << printable(path) << ": NumPy .npz, " << rows.size() << (rows.size() == 1 ? " array, " : " arrays, ") << data
      << " bytes of array data\n";
  print_rows(out, rows);
}

// ---- typenet's own files: the network as a C++ type ----------------------------------------------

/// The names typenet's own layers (and their arguments) spell themselves with.
constexpr std::array<std::string_view, 18> typenet_names{
    "AvgPool2D", "BatchNormalization", "BatchNormalizationWith", "Conv2D", "Dense", "Dropout", "Flatten",
    "GlobalAveragePooling2D", "L1", "L1L2", "L2", "LeakyReLU", "MaxPool2D", "ReLU", "Regularized", "Sigmoid",
    "Softmax", "Tanh"};

/// A layer's spelling as a file records it, as C++ a user writes: typenet's names qualified
/// ("Conv2D<4, 3, 3, same>" is `typenet::Conv2D<4, 3, 3, typenet::Padding::same>`), qualified
/// names (std::ratio) as they are. A name typenet does not have is a layer of the user's own,
/// whose namespace the file does not record: it is left as spelled and added to `foreign`.
std::string as_cpp(std::string_view spelling, std::vector<std::string>& foreign) {
  const auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::string out;
  bool after_scope = false;  // the word follows "::": the rest of a name qualified as written
  for (std::size_t i = 0; i < spelling.size();) {
    if (spelling.substr(i, 2) == "::") {
      out += "::";
      after_scope = true;
      i += 2;
      continue;
    }
    std::size_t end = i;
    while (end < spelling.size() && is_word(spelling[end])) ++end;
    if (end == i) {  // punctuation or a space
      out += spelling[i++];
      after_scope = false;
      continue;
    }
    const std::string_view word = spelling.substr(i, end - i);
    if (std::isdigit(static_cast<unsigned char>(word[0])) || after_scope || spelling.substr(end, 2) == "::") {
      out += word;  // a number, or part of a qualified name
    } else if (word == "same" || word == "valid") {
      out += "typenet::Padding::" + std::string(word);
    } else if (std::find(typenet_names.begin(), typenet_names.end(), word) != typenet_names.end()) {
      out += "typenet::" + std::string(word);
    } else {
      out += word;
      if (std::find(foreign.begin(), foreign.end(), word) == foreign.end()) foreign.emplace_back(word);
    }
    after_scope = false;
    i = end;
  }
  return printable(out);
}

/// Whether the nodes are a plain list: node i at the top, at position i, reading node i - 1.
bool is_flat(const io::Architecture& layers) {
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (layers[i].path != std::to_string(i + 1) || layers[i].sources != std::vector<std::uint64_t>{i}) return false;
  return true;
}

/// The network's input shape: what its first layer reading position 0 receives (a merge that
/// reads it, at the start of a Concat, may receive something else). Empty when none does.
std::vector<std::uint64_t> input_shape(const io::Architecture& layers) {
  for (const io::LayerRecord& layer : layers)
    if (!layer.path.ends_with(".m") &&
        std::find(layer.sources.begin(), layer.sources.end(), std::uint64_t{0}) != layer.sources.end())
      return layer.input;
  return {};
}

/// "typenet::Input<28, 28, 1>".
std::string input_cpp(const std::vector<std::uint64_t>& dims) {
  std::string text = "typenet::Input<";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + ">";
}

/// The top of a path, "5" of "5.b0.1"; its position at the top as a number, or 0 when it is none.
std::size_t top_index(const std::string& path) {
  const std::string top = path.substr(0, path.find('.'));
  if (top.empty() || top.size() > 9 ||
      !std::all_of(top.begin(), top.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return std::stoul(top);
}

void print_foreign(std::ostream& out, const std::vector<std::string>& foreign) {
  for (const std::string& name : foreign)
    out << "  // " << printable(name)
        << " is not a typenet layer: a layer of your own, written as its spelling() gives it (the file does not "
           "record its namespace)\n";
}

/// Prints the network as the C++ type that declares it. A block's type (Residual<...>, a
/// struct of the user's) is not in the file, only its nodes: each block is then named BlockN in
/// the type and its nodes are listed under it by path, with their shapes and what they read.
void print_architecture(std::ostream& out, const io::Architecture& layers) {
  const std::vector<std::uint64_t> input = input_shape(layers);
  if (input.empty()) {
    out << "  architecture: " << (layers.empty() ? "no layers" : "no layer reads the network's input")
        << ", so the file does not record the input shape; no C++ type printed\n";
    return;
  }
  std::vector<std::string> foreign;
  if (is_flat(layers)) {
    std::string type = "struct Net : typenet::Sequential<" + input_cpp(input);
    for (const io::LayerRecord& layer : layers) type += ", " + as_cpp(layer.kind, foreign);
    out << "  architecture:\n  " << type << "> {};\n";
    print_foreign(out, foreign);
    return;
  }

  // Group the nodes by their place at the top: a layer alone at "k", or a block's nodes "k.*".
  struct Entry {
    std::size_t first, last;  // its nodes, [first, last]
  };
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::size_t top = top_index(layers[i].path);
    if (top == 0 || top < entries.size()) {  // not typenet's layout of paths: the listing alone is honest
      entries.clear();
      break;
    }
    if (top == entries.size()) {
      entries.back().last = i;
      continue;
    }
    while (entries.size() + 1 < top) entries.push_back({i, i - 1});  // a block without nodes
    entries.push_back({i, i});
  }
  const auto reads = [&](const io::LayerRecord& layer) {
    std::string text;
    for (const std::uint64_t source : layer.sources) {
      if (!text.empty()) text += ", ";
      text += source == 0 ? "the input" : source <= layers.size() ? printable(layers[source - 1].path) : "?";
    }
    return text.empty() ? "nothing" : text;
  };
  const auto list_nodes = [&](std::size_t first, std::size_t last, std::string_view indent) {
    std::vector<std::array<std::string, 3>> lines;
    for (std::size_t i = first; i <= last && i < layers.size(); ++i) {
      const io::LayerRecord& layer = layers[i];
      const std::size_t depth = static_cast<std::size_t>(std::count(layer.path.begin(), layer.path.end(), '.'));
      lines.push_back({std::string(2 * (depth > 0 ? depth - 1 : 0), ' ') + printable(layer.path),
                       // A merge (a block's Add or Concat) is no type of its own to write.
                       layer.path.ends_with(".m") ? printable(layer.kind) + " (merge)" : as_cpp(layer.kind, foreign),
                       shape_tuple(layer.input) + " -> " + shape_tuple(layer.output) + ", reads " + reads(layer)});
    }
    std::size_t path = 0, kind = 0;
    for (const auto& l : lines) {
      path = std::max(path, l[0].size());
      kind = std::max(kind, l[1].size());
    }
    for (const auto& l : lines)
      out << indent << l[0] << std::string(path - l[0].size() + 2, ' ') << l[1]
          << std::string(kind - l[1].size() + 2, ' ') << l[2] << '\n';
  };

  if (entries.empty()) {
    out << "  architecture: its paths are not laid out as typenet lays out a network's, so no C++ type is "
           "printed; its nodes:\n";
    list_nodes(0, layers.size() - 1, "    ");
    print_foreign(out, foreign);
    return;
  }
  std::string type = "struct Net : typenet::Sequential<" + input_cpp(input);
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const Entry& e = entries[k];
    const bool alone = e.first == e.last && layers[e.first].path == std::to_string(k + 1);
    type += ", " + (alone ? as_cpp(layers[e.first].kind, foreign) : "Block" + std::to_string(k + 1));
  }
  out << "  architecture (BlockN stands for the block at position N: the file records its nodes, not its type):\n"
      << "  " << type << "> {};\n";
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const Entry& e = entries[k];
    if (e.first == e.last && layers[e.first].path == std::to_string(k + 1)) continue;
    const std::string name = "Block" + std::to_string(k + 1);
    if (e.last + 1 == e.first) {
      out << "  // " << name << ": no nodes in the file (a block without layers)\n";
      continue;
    }
    const std::vector<std::uint64_t>& in = e.first == 0 ? input : layers[e.first - 1].output;
    out << "  // " << name << ": " << shape_tuple(in) << " -> " << shape_tuple(layers[e.last].output)
        << ", its nodes:\n";
    list_nodes(e.first, e.last, "  //   ");
  }
  print_foreign(out, foreign);
}

void inspect_typenet(std::ostream& out, const std::string& path) {
  const io::FileContents file = io::load_file(path);  // checks magic, version, length and CRC
  io::ByteReader in(file.body(), file.name, file.version);
  const std::string scalar = in.text();
  const std::size_t scalar_bytes = scalar == "float32" ? 4 : scalar == "float64" ? 8 : 0;
  if (scalar_bytes == 0) in.fail("holds parameters of an unknown scalar type \"" + printable(scalar) + "\" (corrupt)");
  const io::Architecture layers = io::read_architecture(in);

  // The values follow, layer after layer: the file must hold as many as its tensors announce.
  const std::uint64_t can_hold = in.remaining() / scalar_bytes;
  std::uint64_t values = 0;
  std::vector<Row> rows;
  for (const io::LayerRecord& layer : layers)
    for (const io::LayerRecord::Tensor& t : layer.tensors) {
      if (t.size > can_hold - values)
        in.fail("announces more parameter values than its " + std::to_string(in.remaining()) +
                " remaining bytes hold (corrupt)");
      values += t.size;
      rows.push_back({printable(layer.path + "." + t.name), scalar, std::to_string(t.size) + " values",
                      std::to_string(t.size * scalar_bytes)});
    }
  const std::size_t value_bytes = values * scalar_bytes;
  if (file.kind == io::FileKind::weights && in.remaining() != value_bytes)
    in.fail("has " + std::to_string(in.remaining() - value_bytes) + " unexpected bytes after the parameters (corrupt)");

  // A checkpoint's training state follows the values (docs/weight-format.md): loss, optimizer,
  // its step count and state slots (each laid out as the parameters), then where the fit is.
  // Read before anything is printed, so that a faulty file prints its error line alone.
  std::string training;
  if (file.kind == io::FileKind::checkpoint) {
    const std::size_t after_values = in.position() + value_bytes;
    io::ByteReader rest(file.body().subspan(after_values), file.name, file.version);
    const std::string loss = rest.text();
    const std::string optimizer = rest.text();
    const std::uint64_t steps = rest.u64();
    const std::uint32_t slots = rest.u32();
    if (value_bytes > 0 && slots > rest.remaining() / value_bytes)
      rest.fail("announces " + std::to_string(slots) +
                " optimizer state slots, more than its remaining bytes hold (corrupt)");
    io::ByteReader run(file.body().subspan(after_values + rest.position() + slots * value_bytes), file.name,
                       file.version);
    const std::uint64_t epochs = run.u64();
    const std::uint64_t samples = run.u64();
    const std::uint64_t batch_size = run.u64();
    training = "  training: loss " + printable(loss) + ", optimizer " + printable(optimizer) + " after " +
               std::to_string(steps) + (steps == 1 ? " step (" : " steps (") + std::to_string(slots) +
               (slots == 1 ? " state slot" : " state slots") + " per parameter), " + std::to_string(epochs) +
               (epochs == 1 ? " epoch" : " epochs") + " done on " + std::to_string(samples) +
               " samples in batches of " + std::to_string(batch_size) + "\n";
  }

  out << printable(path) << ": typenet " << (file.kind == io::FileKind::weights ? "weights" : "checkpoint")
      << " (format version " << file.version << "), " << scalar << ", " << layers.size()
      << (layers.size() == 1 ? " node, " : " nodes, ") << values << " parameters, " << value_bytes
      << " bytes of values\n"
      << training;
  print_rows(out, rows);
  print_architecture(out, layers);
}

/// Lists the file at `path` on `out`; throws Error (or another exception) when it cannot.
void inspect(std::ostream& out, const std::string& path) {
  switch (detect(path)) {
    case Format::safetensors: inspect_safetensors(out, path); break;
    case Format::npz: inspect_npz(out, path); break;
    case Format::typenet: inspect_typenet(out, path); break;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> paths;
  bool options = true;  // until "--"
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (options && (arg == "--help" || arg == "-h")) {
      std::cout << usage;
      return 0;
    }
    if (options && arg == "--") {
      options = false;
    } else if (options && arg.size() > 1 && arg[0] == '-') {
      std::cerr << "typenet-inspect: unknown option " << printable(arg)
                << " (a file whose name starts with - goes after --)\n"
                << usage;
      return 2;
    } else {
      paths.emplace_back(arg);
    }
  }
  if (paths.empty()) {
    std::cerr << "typenet-inspect: no file given\n" << usage;
    return 2;
  }

  int status = 0;
  bool listed = false;
  for (const std::string& path : paths) {
    // Each listing is made whole before it is printed: a file found faulty half-way prints
    // nothing but its error line.
    std::ostringstream listing;
    try {
      inspect(listing, path);
    } catch (const typenet::Error& e) {  // the readers' messages name the file
      std::cout.flush();
      std::cerr << "typenet-inspect: " << printable(e.what()) << '\n';
      status = 1;
      continue;
    } catch (const std::exception& e) {  // out of memory, most likely: name the file here
      std::cout.flush();
      std::cerr << "typenet-inspect: " << printable(path) << ": " << printable(e.what()) << '\n';
      status = 1;
      continue;
    }
    std::cout << (listed ? "\n" : "") << listing.str();  // a blank line between files
    listed = true;
  }
  return status;
}
