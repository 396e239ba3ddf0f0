// typenet/io/safetensors.hpp: Safetensors, the reader of safetensors files (checked as the reference implementation checks them), and write_safetensors.
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typenet::io {

/// The element types of the safetensors format, by their names in a header ("F32", "BF16", ...).
enum class Dtype { BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

/// "F32" for Dtype::F32, and so on.
std::string_view dtype_name(Dtype dtype);
/// Bytes per element: 1 to 8.
std::size_t dtype_size(Dtype dtype);

/// One tensor of a safetensors file, as its header describes it.
struct TensorInfo {
  std::string name;
  Dtype dtype = Dtype::F32;
  std::vector<std::size_t> shape;  // outermost first (row-major); empty for a scalar
  std::size_t begin = 0;           // its bytes in the data area, [begin, end)
  std::size_t end = 0;

  std::size_t elements() const { return (end - begin) / dtype_size(dtype); }
};

/// A safetensors file (https://github.com/huggingface/safetensors: an 8-byte little-endian
/// header length N, N bytes of JSON describing each tensor's dtype, shape and data offsets, then
/// the tensors' bytes, little-endian and row-major), checked as the reference implementation
/// checks it: a header of at most 100,000,000 bytes, valid UTF-8 JSON that starts with `{`, each
/// tensor with a known dtype, a shape and two offsets of unsigned integers; the tensors, in
/// the order of their offsets, cover the data area from its start to the end of the file with no
/// hole and no overlap, each exactly as many bytes as its shape and dtype need (the products
/// checked against overflow); `__metadata__`, if present, maps strings to strings. typenet also
/// refuses a name given twice (JSON readers keep one of the two in silence). Every fault throws
/// Error naming the file and what is wrong; no size in the header is allocated before the file is
/// known to hold it.
///
/// `open` maps the file into memory (mmap) rather than reading it: a tensor's bytes are read
/// from the map when it is converted, once.
class Safetensors {
 public:
  /// Opens and checks the file at `path`.
  static Safetensors open(const std::string& path);
  /// Checks the bytes of a safetensors file held in memory, which must outlive the result; its
  /// messages name it `name`.
  static Safetensors parse(std::span<const unsigned char> bytes, const std::string& name);

  /// The file's path (or the name given to parse).
  const std::string& name() const { return name_; }
  /// Every tensor, in the order of their data in the file.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  /// The tensor called `name`, or nullptr.
  const TensorInfo* find(std::string_view name) const;
  /// The `__metadata__` entries, sorted by key (empty if the header has none).
  const std::vector<std::pair<std::string, std::string>>& metadata() const { return metadata_; }

  /// The raw bytes of `tensor` (little-endian, row-major); they need not be aligned.
  std::span<const unsigned char> bytes(const TensorInfo& tensor) const;

  /// Converts the values of `tensor` (F16, BF16, F32 or F64) into `out`, which must hold exactly
  /// its element count. Throws Error, with `out` unchanged, for any other dtype (an integer
  /// tensor where a float one belongs), a wrong size, or a finite F64 value too large for float.
  void read(const TensorInfo& tensor, std::span<float> out) const;
  void read(const TensorInfo& tensor, std::span<double> out) const;

  /// The values of `tensor` where they lie, with no copy (in the mapped file, for `open`): when the
  /// file holds them in `S`'s own type (F32 for float, F64 for double), this machine is
  /// little-endian, and they are aligned for `S` (every writer that pads its header to 8 bytes, as
  /// typenet's and the reference implementation's do, aligns them). Otherwise std::nullopt, and
  /// read() copies and converts them. The span is valid while this object, or a copy, lives.
  template <class S>
    requires std::same_as<S, float> || std::same_as<S, double>
  std::optional<std::span<const S>> in_place(const TensorInfo& tensor) const;

 private:
  struct Mapping;
  Safetensors(std::string name, std::shared_ptr<const Mapping> mapping, std::span<const unsigned char> data);
  template <class S>
  void read_values(const TensorInfo& tensor, std::span<S> out) const;

  std::string name_;
  std::shared_ptr<const Mapping> mapping_;  // the mapped file, for `open`; null for `parse`
  std::span<const unsigned char> data_;     // the data area, after the header
  std::vector<TensorInfo> tensors_;
  std::vector<std::pair<std::string, std::string>> metadata_;
};

/// A tensor to write: its name, its shape (outermost first) and its values, row-major.
template <class S>
struct NamedTensor {
  std::string name;
  std::vector<std::size_t> shape;
  std::span<const S> values;
};

/// The bytes of a safetensors file holding `tensors` in the given order (F32 for float, F64 for
/// double), with `metadata` as `__metadata__` (none when empty), its header padded with spaces
/// to a multiple of 8 bytes so that every tensor is aligned when the file is mapped. Throws
/// Error if a name is empty or given twice, or a shape does not match its values.
std::vector<unsigned char> safetensors_bytes(std::span<const NamedTensor<float>> tensors,
                                             const std::vector<std::pair<std::string, std::string>>& metadata = {});
std::vector<unsigned char> safetensors_bytes(std::span<const NamedTensor<double>> tensors,
                                             const std::vector<std::pair<std::string, std::string>>& metadata = {});

/// Writes those bytes to `path` atomically: into a new file beside it, flushed, then renamed over
/// it, so that a failed save leaves the previous file as it was.
void write_safetensors(const std::string& path, std::span<const NamedTensor<float>> tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata = {});
void write_safetensors(const std::string& path, std::span<const NamedTensor<double>> tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata = {});

}  // namespace typenet::io
