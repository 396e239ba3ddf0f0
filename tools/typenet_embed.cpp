// tools/typenet_embed.cpp: typenet-embed, which turns a typenet weight file into a header (its architecture as constants) and a source (its values as read-only data, by .incbin) for Embedded<Net, Weights>.
//
// The header declares a type NAME whose constants are the file's architecture, for
// Embedded<Net, NAME> to check against Net at compile time, and whose data() is the file's
// values laid out as the parameter block (each tensor padded to 16 elements, 64-byte aligned,
// 64 readable bytes after it). The source holds those values: by default an assembler .incbin
// of the weight file itself, tensor by tensor, so the compiler never parses them and the
// assembler checks that the file still holds what was read; with --portable a string literal
// for compilers and targets without GNU as (docs/deploying.md).
#include <typenet/core/error.hpp>
#include <typenet/io/weights.hpp>
#include <typenet/layers/layer_concepts.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace io = typenet::io;

constexpr std::string_view usage =
    "usage: typenet-embed WEIGHTS.tnw --name NAME --header NAME.hpp --source NAME.cpp [--portable]\n"
    "Writes NAME.hpp, which declares the type NAME for typenet::Embedded<Net, NAME> (the file's\n"
    "architecture as constants, checked against Net when the program compiles), and NAME.cpp, which\n"
    "holds the file's parameter values as read-only data: an assembler .incbin of WEIGHTS.tnw (GNU as,\n"
    "ELF targets), or with --portable a string literal any C++ compiler takes.\n"
    "Exit status: 0 when both were written; 1 when the file could not be read (one line on stderr);\n"
    "2 for a wrong command line.\n";

struct Usage {
  std::string what;
};

/// `byte` as a three-digit octal escape, which no following character can extend.
void append_octal(std::string& out, unsigned char byte) {
  char escaped[8];
  std::snprintf(escaped, sizeof escaped, "\\%03o", byte);
  out += escaped;
}

/// A C++ string literal of `text`: quotes, backslashes and line breaks escaped, anything else
/// but printable ASCII as an octal escape, so no byte read from a file can end the literal or
/// the line.
std::string literal(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      append_octal(out, byte);
    }
  }
  return out + "\"";
}

bool is_identifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (const char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

template <class Numbers>
std::string number_list(const Numbers& numbers) {
  std::string text;
  for (std::size_t i = 0; i < numbers.size(); ++i) text += (i ? ", " : "") + std::to_string(numbers[i]);
  return text;
}

/// A run of the parameter block: `bytes` bytes of the file from `offset` (a tensor's values),
/// then `padding` zero bytes (to the next 16 elements).
struct Piece {
  std::uint64_t offset, bytes, padding;
};

/// The weight file as the outputs need it.
struct Embedding {
  std::string scalar;  ///< "float32" or "float64"
  io::Architecture layers;
  std::vector<Piece> pieces;
  std::uint64_t block_bytes = 0;  ///< the parameter block, padding included, slack not
  std::vector<unsigned char> file;  ///< the whole file, read once (the portable form copies from it)
};

Embedding read(const std::string& path) {
  io::FileContents file = io::load_file(path);
  io::ByteReader in(file.body(), file.name, file.version);
  Embedding e;
  e.scalar = in.text();
  if (e.scalar != "float32" && e.scalar != "float64") in.fail("holds parameters of an unknown scalar type (corrupt)");
  const std::size_t scalar_bytes = e.scalar == "float32" ? 4 : 8;
  e.layers = io::read_architecture(in);
  for (const io::LayerRecord& layer : e.layers)
    for (const io::LayerRecord::Tensor& tensor : layer.tensors) {
      if (tensor.size > in.remaining() / scalar_bytes) in.skip(in.remaining() + 1, "parameter values");
      const std::uint64_t bytes = tensor.size * scalar_bytes;
      const std::uint64_t padded = typenet::detail::align_elements(tensor.size) * scalar_bytes;
      e.pieces.push_back({file.body_begin + in.position(), bytes, padded - bytes});
      e.block_bytes += padded;
      in.skip(bytes, "parameter values");
    }
  if (file.kind == io::FileKind::weights && in.remaining() != 0)
    in.fail("has " + std::to_string(in.remaining()) + " unexpected bytes after the parameters (corrupt)");
  e.file = std::move(file.bytes);
  return e;
}

std::string header_text(const Embedding& e, const std::string& name, const std::string& file_name,
                        const std::string& symbol) {
  std::string h;
  h += "// " + name + ".hpp: written by typenet-embed from " + file_name + "; do not edit.\n";
  h += "// The type " + name + " for typenet::Embedded<Net, " + name + ">: the file's architecture as constants\n";
  h += "// (checked against Net when the program compiles), its values as read-only data (" + name + ".cpp).\n";
  h += "#pragma once\n\n#include <array>\n#include <cstdint>\n#include <string_view>\n\n";
  h += "#include <typenet/infer/embedded.hpp>\n\n";
  h += "extern \"C\" const unsigned char " + symbol + "[];\n\n";
  h += "namespace " + name + "_records {\n";
  std::string nodes;
  for (std::size_t i = 0; i < e.layers.size(); ++i) {
    const io::LayerRecord& layer = e.layers[i];
    const std::string n = std::to_string(i + 1);
    h += "inline constexpr std::array<std::uint64_t, " + std::to_string(layer.input.size()) + "> input_" + n + "{" +
         number_list(layer.input) + "};\n";
    h += "inline constexpr std::array<std::uint64_t, " + std::to_string(layer.output.size()) + "> output_" + n + "{" +
         number_list(layer.output) + "};\n";
    h += "inline constexpr std::array<typenet::embed::Tensor, " + std::to_string(layer.tensors.size()) + "> tensors_" +
         n + "{{";
    for (std::size_t t = 0; t < layer.tensors.size(); ++t)
      h += std::string(t ? ", " : "") + "{" + literal(layer.tensors[t].name) + ", " +
           std::to_string(layer.tensors[t].size) + "}";
    h += "}};\n";
    h += "inline constexpr std::array<std::uint64_t, " + std::to_string(layer.sources.size()) + "> sources_" + n +
         "{" + number_list(layer.sources) + "};\n";
    const std::string r = name + "_records::";
    nodes += "    {" + literal(layer.kind) + ", " + r + "input_" + n + ", " + r + "output_" + n + ", " + r + "tensors_" + n +
             ", " + literal(layer.path) + ", " + r + "sources_" + n + "},\n";
  }
  h += "}  // namespace " + name + "_records\n\n";
  h += "struct " + name + " {\n";
  h += "  using scalar = " + std::string(e.scalar == "float32" ? "float" : "double") + ";\n";
  h += "  static constexpr std::string_view file = " + literal(file_name) + ";\n";
  h += "  static constexpr std::string_view scalar_name = " + literal(e.scalar) + ";\n";
  h += "  /// The parameter block's bytes, each tensor padded to 16 elements (64 readable bytes follow).\n";
  h += "  static constexpr std::uint64_t bytes = " + std::to_string(e.block_bytes) + ";\n";
  h += "  static constexpr std::array<typenet::embed::Node, " + std::to_string(e.layers.size()) + "> nodes{{\n";
  h += nodes;
  h += "  }};\n";
  h += "  static const unsigned char* data() noexcept { return " + symbol + "; }\n";
  h += "};\n";
  return h;
}

std::string source_text(const Embedding& e, const std::string& name, const std::string& file_name,
                        const std::string& path, const std::string& symbol, bool portable) {
  std::string s;
  s += "// " + name + ".cpp: written by typenet-embed from " + file_name + "; do not edit.\n";
  s += "// The file's parameter values laid out as the parameter block: " + std::to_string(e.block_bytes) +
       " bytes, 64-byte aligned, and 64 zero bytes after them.\n";
  s += "#include <bit>\n\n";
  s += "static_assert(std::endian::native == std::endian::little, \"" + name +
       ": typenet weight files hold little-endian values; this target is not little-endian\");\n\n";
  if (portable) {
    std::vector<unsigned char> bytes;
    for (const Piece& p : e.pieces) {
      bytes.insert(bytes.end(), e.file.begin() + std::ptrdiff_t(p.offset),
                   e.file.begin() + std::ptrdiff_t(p.offset + p.bytes));
      bytes.insert(bytes.end(), p.padding, 0);
    }
    s += "extern \"C\" alignas(64) const unsigned char " + symbol + "[" + std::to_string(e.block_bytes + 64) + "] =\n";
    if (bytes.empty()) s += "    \"\"";
    for (std::size_t at = 0; at < bytes.size(); at += 32) {
      s += "    \"";
      for (std::size_t k = at; k < bytes.size() && k < at + 32; ++k) append_octal(s, bytes[k]);
      s += at + 32 < bytes.size() ? "\"\n" : "\"";
    }
    s += ";\n";
    return s;
  }
  std::string quoted;  // the path as an assembler string
  for (const char c : path) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  s += "#if !defined(__ELF__)\n#error \"" + name +
       ".cpp: this form (.incbin) is for ELF targets: run typenet-embed with --portable\"\n#endif\n\n";
  // GNU as checks that the file still holds what was read (LLVM's integrated assembler cannot
  // evaluate the length in an .if; typenet-embed runs again whenever the file changes anyway).
  s += "#if defined(__clang__)\n#define TYPENET_EMBED_CHECK_LENGTH\n#else\n#define TYPENET_EMBED_CHECK_LENGTH \\\n";
  s += "    " + literal(".if . - " + symbol + " - " + std::to_string(e.block_bytes) + "\n") + " \\\n";
  s += "    " + literal(".error \"" + name + ": " + quoted +
                      " no longer holds the values typenet-embed read (changed or truncated since): run the build "
                      "again\"\n") +
       " \\\n";
  s += "    " + literal(".endif\n") + "\n#endif\n\n";
  s += "__asm__(\n";
  const auto line = [&](const std::string& text) { s += "    " + literal(text + "\n") + "\n"; };
  line(".pushsection .rodata." + symbol + ",\"a\"");
  line(".balign 64");
  line(".globl " + symbol);
  line(".type " + symbol + ", \"object\"");
  line(symbol + ":");
  for (const Piece& p : e.pieces) {
    if (p.bytes > 0) line(".incbin \"" + quoted + "\", " + std::to_string(p.offset) + ", " + std::to_string(p.bytes));
    if (p.padding > 0) line(".zero " + std::to_string(p.padding));
  }
  s += "    TYPENET_EMBED_CHECK_LENGTH\n";
  line(".zero 64");
  line(".size " + symbol + ", . - " + symbol);
  line(".popsection");
  s += ");\n";
  return s;
}

int run(int argc, char** argv) {
  std::string input, name, header, source;
  bool portable = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&](std::string& into) {
      if (i + 1 >= argc) throw Usage{std::string(arg) + " needs a value"};
      into = argv[++i];
    };
    if (arg == "--name") value(name);
    else if (arg == "--header") value(header);
    else if (arg == "--source") value(source);
    else if (arg == "--portable") portable = true;
    else if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    } else if (arg.starts_with("-")) throw Usage{"unknown option " + std::string(arg)};
    else if (input.empty()) input = arg;
    else throw Usage{"one weight file at a time (got " + input + " and " + std::string(arg) + ")"};
  }
  if (input.empty() || name.empty() || header.empty() || source.empty())
    throw Usage{"needs WEIGHTS, --name, --header and --source"};
  if (!is_identifier(name)) throw Usage{"--name " + name + " is not a C++ identifier"};
  const std::string absolute = std::filesystem::absolute(input).lexically_normal().string();
  if (absolute.find('\n') != std::string::npos) throw Usage{"the weight file's path holds a line break"};
  const Embedding e = read(input);
  const std::string file_name = std::filesystem::path(input).filename().string();
  const std::string symbol = "typenet_embedded_" + name;
  const std::string h = header_text(e, name, file_name, symbol);
  const std::string s = source_text(e, name, file_name, absolute, symbol, portable);
  io::write_file_atomically(header, {reinterpret_cast<const unsigned char*>(h.data()), h.size()});
  io::write_file_atomically(source, {reinterpret_cast<const unsigned char*>(s.data()), s.size()});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Usage& u) {
    std::cerr << "typenet-embed: " << u.what << "\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "typenet-embed: " << e.what() << "\n";
    return 1;
  }
}
