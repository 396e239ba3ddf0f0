// typenet/io/weights.hpp: the weight-file format (docs/weight-format.md): records, byte encoding, and the file I/O src/ does.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <typenet/core/error.hpp>

namespace typenet::io {

/// What a file holds after its header: a model's parameters, or those and the state to go on
/// training (a checkpoint).
enum class FileKind : std::uint32_t { weights = 1, checkpoint = 2 };

/// The version typenet writes; it reads this one and version 1 (files of networks without
/// blocks, written before nodes had paths).
inline constexpr std::uint32_t format_version = 2;

/// One node (a layer, or a merge of a block's branches) as a file describes it: what the
/// model's type says about it.
struct LayerRecord {
  std::string kind;                  ///< the layer as written in the type, e.g. "Dense<128>"
  std::vector<std::uint64_t> input;  ///< the shape it receives
  std::vector<std::uint64_t> output;
  struct Tensor {
    std::string name;  ///< "kernel", "bias", ...
    std::uint64_t size;
    friend bool operator==(const Tensor&, const Tensor&) = default;
  };
  std::vector<Tensor> tensors;
  std::string path;                     ///< where it sits in the blocks: "3", "5.b0.1", "5.m" (its merge)
  std::vector<std::uint64_t> sources;  ///< the positions it reads (0: the network's input)
  /// How messages name it ("layer 5 (Down<32>) > branch 0 > layer 1"): the model's side only,
  /// not in the file.
  std::string where;
  friend bool operator==(const LayerRecord& a, const LayerRecord& b) {
    return a.kind == b.kind && a.input == b.input && a.output == b.output && a.tensors == b.tensors &&
           a.path == b.path && a.sources == b.sources;
  }
};

/// A network as a file describes it: its layers in order.
using Architecture = std::vector<LayerRecord>;

/// Appends values to a byte string, little-endian whatever the host.
class ByteWriter {
 public:
  void u8(std::uint8_t v) { append(&v, 1); }
  void u32(std::uint32_t v) { unsigned_le(v, 4); }
  void u64(std::uint64_t v) { unsigned_le(v, 8); }
  void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
  /// A string: its length (u32) and its bytes.
  void text(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    append(s.data(), s.size());
  }
  /// Floating-point values, each as the IEEE-754 bits of its type, little-endian.
  template <class S>
  void values(const S* v, std::size_t n) {
    static_assert(std::is_same_v<S, float> || std::is_same_v<S, double>, "weight files hold float or double values");
    if constexpr (std::endian::native == std::endian::little) {
      append(v, n * sizeof(S));
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        if constexpr (sizeof(S) == 4)
          u32(std::bit_cast<std::uint32_t>(v[i]));
        else
          u64(std::bit_cast<std::uint64_t>(v[i]));
      }
    }
  }
  /// Bytes as they are.
  void raw(std::span<const unsigned char> b) { append(b.data(), b.size()); }
  std::vector<unsigned char>& bytes() { return bytes_; }

 private:
  void unsigned_le(std::uint64_t v, std::size_t count) {
    unsigned char le[8];
    for (std::size_t i = 0; i < count; ++i) le[i] = static_cast<unsigned char>(v >> (8 * i));
    append(le, count);
  }
  void append(const void* from, std::size_t n) {
    if (n == 0) return;
    const std::size_t at = bytes_.size();
    bytes_.resize(at + n);
    std::memcpy(bytes_.data() + at, from, n);
  }
  std::vector<unsigned char> bytes_;
};

/// Reads values back from a byte string; every read is checked against its end, so no field
/// can make it read outside the bytes or allocate more than they hold.
class ByteReader {
 public:
  ByteReader(std::span<const unsigned char> bytes, std::string name, std::uint32_t version = format_version)
      : bytes_(bytes), name_(std::move(name)), version_(version) {}

  std::uint8_t u8() { return static_cast<std::uint8_t>(unsigned_le(1, "a byte")); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(unsigned_le(4, "a 32-bit field")); }
  std::uint64_t u64() { return unsigned_le(8, "a 64-bit field"); }
  double f64() { return std::bit_cast<double>(u64()); }
  std::string text() {
    const std::uint32_t n = u32();
    need(n, "a string");
    std::string s(reinterpret_cast<const char*>(bytes_.data() + at_), n);
    at_ += n;
    return s;
  }
  template <class S>
  void values(S* out, std::size_t n) {
    static_assert(std::is_same_v<S, float> || std::is_same_v<S, double>, "weight files hold float or double values");
    need(n, sizeof(S), "parameter values");
    if constexpr (std::endian::native == std::endian::little) {
      if (n > 0) std::memcpy(out, bytes_.data() + at_, n * sizeof(S));
      at_ += n * sizeof(S);
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        if constexpr (sizeof(S) == 4)
          out[i] = std::bit_cast<float>(u32());
        else
          out[i] = std::bit_cast<double>(u64());
      }
    }
  }
  /// A count of items of at least `item_bytes` each that are to follow: checked against the
  /// bytes left before anything is sized by it.
  std::uint64_t count(std::size_t item_bytes, const char* what) {
    const std::uint64_t n = u64();
    if (item_bytes > 0 && n > remaining() / item_bytes)
      fail(std::string("announces ") + std::to_string(n) + " " + what + ", more than its " +
           std::to_string(remaining()) + " remaining bytes can hold");
    return n;
  }

  /// Passes over `n` bytes (checked like any read).
  void skip(std::uint64_t n, const char* what) {
    need(n > remaining() ? remaining() + 1 : std::size_t(n), what);
    at_ += std::size_t(n);
  }

  std::size_t remaining() const { return bytes_.size() - at_; }
  std::size_t position() const { return at_; }
  const std::string& name() const { return name_; }
  /// The format version of the file the bytes come from.
  std::uint32_t version() const { return version_; }
  [[noreturn]] void fail(const std::string& what) const { throw Error(name_ + ": " + what); }

 private:
  void need(std::size_t n, const char* what) const {
    if (n > remaining())
      fail(std::string("ends inside ") + what + " at byte " + std::to_string(at_) + " (truncated or corrupt)");
  }
  void need(std::size_t n, std::size_t each, const char* what) const {
    if (n > remaining() / each) need(remaining() + 1, what);
  }
  std::uint64_t unsigned_le(std::size_t count, const char* what) {
    need(count, what);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < count; ++i) v |= std::uint64_t{bytes_[at_ + i]} << (8 * i);
    at_ += count;
    return v;
  }

  std::span<const unsigned char> bytes_;
  std::size_t at_ = 0;
  std::string name_;
  std::uint32_t version_;
};

/// CRC-32 (the one of zlib, gzip and PNG) of `bytes`.
std::uint32_t crc32(std::span<const unsigned char> bytes);

/// Writes `bytes` to `path` atomically: into a new temporary file in the same directory
/// (`path.tmp-PID-N`), flushed to disk, then renamed over `path`, and the directory flushed.
/// If anything fails, or the process dies on the way, `path` keeps its previous contents.
/// Throws Error naming the path and the fault ("PATH: cannot write: ..."). Every file
/// typenet writes (weights, checkpoints, CSV logs, SVG pictures) goes through it.
void write_file_atomically(const std::string& path, std::span<const unsigned char> bytes);

/// Wraps `body` in the file's header (magic, version, kind, length) and trailer (CRC-32) and
/// writes it to `path` atomically: into a new temporary file in the same directory, flushed
/// to disk, then renamed over `path`. If anything fails, or the process dies on the way,
/// `path` still holds its previous contents. Throws Error naming the path and the fault.
void save_file(const std::string& path, FileKind kind, std::span<const unsigned char> body);

/// A file's contents after its header and trailer have been checked.
struct FileContents {
  std::string name;  ///< the file's path, for messages
  FileKind kind;
  std::uint32_t version;  ///< its format version
  std::vector<unsigned char> bytes;  ///< the whole file
  std::size_t body_begin;            ///< where the body starts in `bytes`
  std::size_t body_end;              ///< where it ends (the CRC follows)
  std::span<const unsigned char> body() const { return {bytes.data() + body_begin, body_end - body_begin}; }
};

/// Reads `path` whole and checks it: magic, format version, kind, the length its header
/// states against its actual length (truncated, or extra bytes), and the CRC. Throws Error
/// naming the path and the fault. Reads at most what the file holds.
FileContents load_file(const std::string& path);

/// The same checks on bytes already in memory, `name` standing for their file in messages.
FileContents check_file(std::vector<unsigned char> bytes, const std::string& name);

/// Writes an architecture as the format lays it out.
void write_architecture(ByteWriter& out, const Architecture& layers);
/// Reads one back (bounds-checked: a corrupt count cannot make it allocate), as the reader's
/// format version lays it out (version 1 has no paths: each layer at the top, reading the one before).
Architecture read_architecture(ByteReader& in);

/// Throws Error unless `file` (read from `name`) describes the same network as `model`,
/// naming the first layer that differs and how ("layer 4: file has Dense<64>, model expects
/// Dense<128>").
void check_architecture(const std::string& name, const Architecture& file, const Architecture& model);

}  // namespace typenet::io
