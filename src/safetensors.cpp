// src/safetensors.cpp: the safetensors reader (header checks as the reference implementation makes them, a mapped file, dtype conversion) and writer.
#include <typenet/io/safetensors.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <system_error>
#include <type_traits>

#include <nlohmann/json.hpp>

#include <typenet/core/error.hpp>
#include <typenet/io/weights.hpp>

#include "file_errors.hpp"

namespace typenet::io {
namespace {

using detail::fail;

// The reference implementation's limit on the JSON header (MAX_HEADER_SIZE).
constexpr std::size_t max_header_bytes = 100'000'000;

struct DtypeEntry {
  Dtype dtype;
  std::string_view name;
  std::size_t size;
};
constexpr std::array<DtypeEntry, 15> dtypes{{{Dtype::BOOL, "BOOL", 1},
                                             {Dtype::U8, "U8", 1},
                                             {Dtype::I8, "I8", 1},
                                             {Dtype::F8_E5M2, "F8_E5M2", 1},
                                             {Dtype::F8_E4M3, "F8_E4M3", 1},
                                             {Dtype::I16, "I16", 2},
                                             {Dtype::U16, "U16", 2},
                                             {Dtype::F16, "F16", 2},
                                             {Dtype::BF16, "BF16", 2},
                                             {Dtype::I32, "I32", 4},
                                             {Dtype::U32, "U32", 4},
                                             {Dtype::F32, "F32", 4},
                                             {Dtype::F64, "F64", 8},
                                             {Dtype::I64, "I64", 8},
                                             {Dtype::U64, "U64", 8}}};

const DtypeEntry& entry(Dtype dtype) { return dtypes[static_cast<std::size_t>(dtype)]; }

std::string errno_text(int code) { return std::generic_category().message(code); }

/// `text` quoted for a message, cut to 60 characters (a name may be anything the file says).
std::string shown(std::string_view text) {
  std::string out = "\"";
  for (const char c : text.substr(0, 60)) out += (static_cast<unsigned char>(c) < 0x20 || c == '"') ? '?' : c;
  return out + (text.size() > 60 ? "...\"" : "\"");
}

/// The little-endian word of type W at `p` (any alignment): one load on a little-endian machine.
template <class W>
W little(const unsigned char* p) {
  W v = 0;
  for (std::size_t i = 0; i < sizeof(W); ++i) v = W(v | W(W(p[i]) << (8 * i)));
  return v;
}

/// An unsigned integer from the header, or a fault naming `what`.
std::size_t unsigned_value(const std::string& file, const nlohmann::json& value, const std::string& what) {
  if (!value.is_number_unsigned()) fail(file, what + " is not an unsigned integer");
  const std::uint64_t v = value.get<std::uint64_t>();
  if (v > std::numeric_limits<std::size_t>::max()) fail(file, what + " is too large");
  return static_cast<std::size_t>(v);
}

TensorInfo tensor_info(const std::string& file, const std::string& name, const nlohmann::json& value) {
  const std::string where = "tensor " + shown(name);
  if (!value.is_object()) fail(file, where + ": its entry is not an object");
  TensorInfo info;
  info.name = name;
  const auto dtype = value.find("dtype");
  if (dtype == value.end() || !dtype->is_string()) fail(file, where + ": no dtype (a string such as \"F32\")");
  const std::string& dtype_text = dtype->get_ref<const std::string&>();
  const auto known = std::find_if(dtypes.begin(), dtypes.end(), [&](const DtypeEntry& e) { return e.name == dtype_text; });
  if (known == dtypes.end()) fail(file, where + ": unknown dtype " + shown(dtype_text));
  info.dtype = known->dtype;
  const auto shape = value.find("shape");
  if (shape == value.end() || !shape->is_array()) fail(file, where + ": no shape (an array of sizes)");
  for (std::size_t i = 0; i < shape->size(); ++i)
    info.shape.push_back(unsigned_value(file, (*shape)[i], where + ": shape[" + std::to_string(i) + "]"));
  const auto offsets = value.find("data_offsets");
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2)
    fail(file, where + ": no data_offsets (an array [begin, end])");
  info.begin = unsigned_value(file, (*offsets)[0], where + ": data_offsets[0]");
  info.end = unsigned_value(file, (*offsets)[1], where + ": data_offsets[1]");
  return info;
}

/// Parses and checks the header (the JSON text after the length), and returns where the data area
/// must end: the last tensor's end.
std::size_t read_header(const std::string& file, std::string_view text, std::vector<TensorInfo>& tensors,
                        std::vector<std::pair<std::string, std::string>>& metadata) {
  if (text.empty() || text.front() != '{') fail(file, "the header does not start with '{': not a safetensors file");
  // Names seen at the top level: a JSON object may repeat a key, and a reader keeps one in silence.
  std::set<std::string> seen;
  std::string duplicate;
  const nlohmann::json::parser_callback_t watch = [&](int depth, nlohmann::json::parse_event_t event,
                                                      nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key && duplicate.empty() &&
        !seen.insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  // JSON has no raw NUL anywhere (in a string it is escaped), and nlohmann's reader takes one for the
  // end of its input: "{}" followed by a NUL and anything would pass.
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos)
    fail(file, "the header is not valid JSON: a NUL byte at offset " + std::to_string(8 + nul));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text.begin(), text.end(), watch);
  } catch (const nlohmann::json::exception& error) {
    // nlohmann's message reads "[json.exception.parse_error.101] parse error at line 1, column 7: ...".
    std::string what = error.what();
    if (const auto at = what.find("] "); at != std::string::npos) what = what.substr(at + 2);
    fail(file, "the header is not valid JSON: " + what);
  }
  if (!duplicate.empty()) fail(file, "the header names " + shown(duplicate) + " twice");
  if (!header.is_object()) fail(file, "the header is not a JSON object");

  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) fail(file, "__metadata__ is not an object of strings");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) fail(file, "__metadata__ entry " + shown(k) + " is not a string");
        metadata.emplace_back(k, v.get<std::string>());
      }
      continue;
    }
    tensors.push_back(tensor_info(file, key, value));
  }
  std::sort(metadata.begin(), metadata.end());
  // The reference reads tensors in the order of their offsets, whatever the order of the header.
  std::sort(tensors.begin(), tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return std::pair(a.begin, a.end) < std::pair(b.begin, b.end);
  });
  std::size_t start = 0;
  for (const TensorInfo& t : tensors) {
    if (t.begin != start || t.end < t.begin) {
      const std::string range = "[" + std::to_string(t.begin) + ", " + std::to_string(t.end) + ")";
      if (t.end < t.begin) fail(file, "tensor " + shown(t.name) + ": data_offsets " + range + " end before they begin");
      fail(file, "tensor " + shown(t.name) + ": data_offsets " + range + (t.begin < start ? " overlap" : " leave a hole after") +
                     " the tensor before it, which ends at " + std::to_string(start));
    }
    start = t.end;
    std::size_t bytes = entry(t.dtype).size;
    for (const std::size_t dim : t.shape)
      if (dim != 0 && bytes > std::numeric_limits<std::size_t>::max() / dim)
        fail(file, "tensor " + shown(t.name) + ": its shape's size overflows");
      else
        bytes *= dim;
    if (t.end - t.begin != bytes)
      fail(file, "tensor " + shown(t.name) + ": " + std::string(entry(t.dtype).name) + " of shape [" +
                     detail::dims_text(t.shape) + "] needs " + std::to_string(bytes) + " bytes, its data_offsets hold " +
                     std::to_string(t.end - t.begin));
  }
  return start;
}

}  // namespace

std::string_view dtype_name(Dtype dtype) { return entry(dtype).name; }
std::size_t dtype_size(Dtype dtype) { return entry(dtype).size; }

struct Safetensors::Mapping {
  void* address = nullptr;
  std::size_t size = 0;
  Mapping(void* a, std::size_t s) : address(a), size(s) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (address) ::munmap(address, size);
  }
};

Safetensors::Safetensors(std::string name, std::shared_ptr<const Mapping> mapping, std::span<const unsigned char> data)
    : name_(std::move(name)), mapping_(std::move(mapping)), data_(data) {}

Safetensors Safetensors::parse(std::span<const unsigned char> bytes, const std::string& name) {
  if (bytes.size() < 8)
    fail(name, bytes.empty() ? "is empty, not a safetensors file"
                             : "is " + std::to_string(bytes.size()) + " bytes: too short for a safetensors header");
  const std::uint64_t n = little<std::uint64_t>(bytes.data());
  if (n > max_header_bytes)
    fail(name, "announces a header of " + std::to_string(n) + " bytes, more than the 100,000,000 safetensors allows");
  if (n > bytes.size() - 8)
    fail(name, "announces a header of " + std::to_string(n) + " bytes, but only " + std::to_string(bytes.size() - 8) +
                   " follow: truncated");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8), static_cast<std::size_t>(n));
  Safetensors result(name, nullptr, bytes.subspan(8 + static_cast<std::size_t>(n)));
  const std::size_t end = read_header(name, text, result.tensors_, result.metadata_);
  if (end != result.data_.size())
    fail(name, end < result.data_.size()
                   ? "holds " + std::to_string(result.data_.size() - end) + " bytes after its last tensor"
                   : "is truncated: its tensors need " + std::to_string(end) + " bytes of data, it holds " +
                         std::to_string(result.data_.size()));
  return result;
}

Safetensors Safetensors::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, errno == ENOENT ? "no such file" : "cannot open: " + errno_text(errno));
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    const int code = errno;
    ::close(fd);
    fail(path, "cannot read: " + errno_text(code));
  }
  if (!S_ISREG(status.st_mode)) {
    ::close(fd);
    fail(path, S_ISDIR(status.st_mode) ? "is a directory, not a safetensors file" : "is not a regular file");
  }
  const auto size = static_cast<std::size_t>(status.st_size);
  std::shared_ptr<const Mapping> mapping;
  if (size > 0) {
    void* address = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (address == MAP_FAILED) {
      const int code = errno;
      ::close(fd);
      fail(path, "cannot map into memory: " + errno_text(code));
    }
    mapping = std::make_shared<const Mapping>(address, size);
  }
  ::close(fd);  // the mapping stays valid
  const std::span<const unsigned char> bytes(mapping ? static_cast<const unsigned char*>(mapping->address) : nullptr, size);
  Safetensors result = parse(bytes, path);
  result.mapping_ = std::move(mapping);
  return result;
}

const TensorInfo* Safetensors::find(std::string_view name) const {
  const auto at = std::find_if(tensors_.begin(), tensors_.end(), [&](const TensorInfo& t) { return t.name == name; });
  return at == tensors_.end() ? nullptr : &*at;
}

std::span<const unsigned char> Safetensors::bytes(const TensorInfo& tensor) const {
  if (tensor.end > data_.size() || tensor.begin > tensor.end)
    fail(name_, "tensor " + shown(tensor.name) + " is not one of this file's");
  return data_.subspan(tensor.begin, tensor.end - tensor.begin);
}

template <class S>
void Safetensors::read_values(const TensorInfo& tensor, std::span<S> out) const {
  const std::span<const unsigned char> raw = bytes(tensor);
  const std::size_t count = tensor.elements();
  const std::string where = "tensor " + shown(tensor.name);
  if (tensor.dtype != Dtype::F16 && tensor.dtype != Dtype::BF16 && tensor.dtype != Dtype::F32 && tensor.dtype != Dtype::F64)
    fail(name_, where + " is " + std::string(dtype_name(tensor.dtype)) + ", not a floating-point tensor (F16, BF16, F32 or F64)");
  if (out.size() != count)
    fail(name_, where + " holds " + std::to_string(count) + " values, the destination " + std::to_string(out.size()));
  const unsigned char* p = raw.data();
  if (tensor.dtype == Dtype::F64 && sizeof(S) < sizeof(double)) {
    // Check every value first: a failed read leaves `out` as it was.
    for (std::size_t i = 0; i < count; ++i) {
      const double v = std::bit_cast<double>(little<std::uint64_t>(p + 8 * i));
      if (std::isfinite(v) && std::abs(v) > double(std::numeric_limits<S>::max()))
      {
        char text[32];
        std::snprintf(text, sizeof text, "%g", v);
        fail(name_, where + ": value " + text + " at index " + std::to_string(i) + " is too large for float");
      }
    }
  }
  // One loop per dtype, each element one little-endian word (a single load), and a plain copy where
  // the file holds the destination's own type: converted byte by byte, with the dtype tested per
  // element, a 100 MB float model loaded in 84 ms, copied in 24 (bench/load_speed.cpp).
  S* o = out.data();
  if (count == 0) return;
  switch (tensor.dtype) {
    case Dtype::F16:
      for (std::size_t i = 0; i < count; ++i) o[i] = S(detail::half_to_float(little<std::uint16_t>(p + 2 * i)));
      break;
    case Dtype::BF16:
      for (std::size_t i = 0; i < count; ++i) o[i] = S(std::bit_cast<float>(std::uint32_t(little<std::uint16_t>(p + 2 * i)) << 16));
      break;
    case Dtype::F32:
      if constexpr (std::is_same_v<S, float> && std::endian::native == std::endian::little) std::memcpy(o, p, raw.size());
      else for (std::size_t i = 0; i < count; ++i) o[i] = S(std::bit_cast<float>(little<std::uint32_t>(p + 4 * i)));
      break;
    default:
      if constexpr (std::is_same_v<S, double> && std::endian::native == std::endian::little) std::memcpy(o, p, raw.size());
      else for (std::size_t i = 0; i < count; ++i) o[i] = S(std::bit_cast<double>(little<std::uint64_t>(p + 8 * i)));
      break;
  }
}

void Safetensors::read(const TensorInfo& tensor, std::span<float> out) const { read_values(tensor, out); }
void Safetensors::read(const TensorInfo& tensor, std::span<double> out) const { read_values(tensor, out); }

template <class S>
  requires std::same_as<S, float> || std::same_as<S, double>
std::optional<std::span<const S>> Safetensors::in_place(const TensorInfo& tensor) const {
  const std::span<const unsigned char> raw = bytes(tensor);
  constexpr Dtype own = std::is_same_v<S, float> ? Dtype::F32 : Dtype::F64;
  if (std::endian::native != std::endian::little || tensor.dtype != own ||
      reinterpret_cast<std::uintptr_t>(raw.data()) % alignof(S) != 0)
    return std::nullopt;
  return std::span<const S>(reinterpret_cast<const S*>(raw.data()), raw.size() / sizeof(S));
}
template std::optional<std::span<const float>> Safetensors::in_place<float>(const TensorInfo&) const;
template std::optional<std::span<const double>> Safetensors::in_place<double>(const TensorInfo&) const;

namespace {

template <class S>
std::vector<unsigned char> serialize(std::span<const NamedTensor<S>> tensors,
                                     const std::vector<std::pair<std::string, std::string>>& metadata) {
  constexpr Dtype dtype = sizeof(S) == 4 ? Dtype::F32 : Dtype::F64;
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json entries = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) entries[k] = v;
    header["__metadata__"] = std::move(entries);
  }
  std::size_t offset = 0;
  std::set<std::string_view> names;
  for (const NamedTensor<S>& t : tensors) {
    if (t.name.empty()) throw Error("write_safetensors: a tensor has an empty name");
    if (t.name == "__metadata__" || !names.insert(t.name).second)
      throw Error("write_safetensors: the name " + shown(t.name) + " is given twice or reserved");
    std::size_t count = 1;
    for (const std::size_t dim : t.shape) count *= dim;
    if (count != t.values.size())
      throw Error("write_safetensors: tensor " + shown(t.name) + " has shape [" + detail::dims_text(t.shape) + "] (" +
                  std::to_string(count) + " values) but " + std::to_string(t.values.size()) + " values");
    const std::size_t bytes = t.values.size() * sizeof(S);
    header[t.name] = {{"dtype", std::string(dtype_name(dtype))}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception&) {
    throw Error("write_safetensors: a tensor's name or a metadata entry is not valid UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<unsigned char> out;
  out.reserve(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<unsigned char>(std::uint64_t(text.size()) >> (8 * i)));
  out.insert(out.end(), text.begin(), text.end());
  for (const NamedTensor<S>& t : tensors)
    for (const S v : t.values) {
      const auto bits = std::bit_cast<std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>>(v);
      for (std::size_t b = 0; b < sizeof(S); ++b) out.push_back(static_cast<unsigned char>(bits >> (8 * b)));
    }
  return out;
}

}  // namespace

std::vector<unsigned char> safetensors_bytes(std::span<const NamedTensor<float>> tensors,
                                             const std::vector<std::pair<std::string, std::string>>& metadata) {
  return serialize(tensors, metadata);
}
std::vector<unsigned char> safetensors_bytes(std::span<const NamedTensor<double>> tensors,
                                             const std::vector<std::pair<std::string, std::string>>& metadata) {
  return serialize(tensors, metadata);
}

void write_safetensors(const std::string& path, std::span<const NamedTensor<float>> tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata) {
  write_file_atomically(path, serialize(tensors, metadata));
}
void write_safetensors(const std::string& path, std::span<const NamedTensor<double>> tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata) {
  write_file_atomically(path, serialize(tensors, metadata));
}

}  // namespace typenet::io
