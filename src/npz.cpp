// src/npz.cpp: the .npz reader: a zip's central directory and members (stored or deflated by zlib), each a .npy array with its header checked.
#include <typenet/io/npz.hpp>

#define ZLIB_CONST  // zlib's next_in points to const bytes
#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <set>
#include <string>

#include <typenet/core/error.hpp>

#include "file_errors.hpp"

namespace typenet::io {
namespace {

using detail::fail;

/// Throws an Error reading "<where> <what>", where `where` names the file and the array.
[[noreturn]] void fail_in(const std::string& where, const std::string& what) { throw Error(where + " " + what); }

// Deflate cannot expand data by more than about 1032 to 1: a member that claims more is corrupt,
// and its claim is refused before anything of that size is allocated.
constexpr std::uint64_t max_deflate_ratio = 1032;

std::uint64_t le(std::span<const unsigned char> bytes, std::size_t at, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v |= std::uint64_t{bytes[at + i]} << (8 * i);
  return v;
}

/// `text` shown in a message: printable ASCII, at most 60 characters.
std::string shown(std::string_view text) {
  std::string out = "\"";
  for (const char c : text.substr(0, 60)) out += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
  return out + (text.size() > 60 ? "...\"" : "\"");
}

/// The parser of a .npy header: a Python dict literal such as
/// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }, as numpy.lib.format writes it.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string where) : text_(text), where_(std::move(where)) {}

  void parse(Npz::Array& array) {
    bool descr = false, order = false, shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string();
      expect(':');
      if (key == "descr" && !descr) {
        array.dtype = string();
        descr = true;
      } else if (key == "fortran_order" && !order) {
        array.fortran_order = boolean();
        order = true;
      } else if (key == "shape" && !shape) {
        array.shape = tuple();
        shape = true;
      } else {
        bad("an unexpected key " + shown(key));
      }
      skip_space();
      if (peek() == ',') {
        ++at_;
        continue;
      }
      skip_space();
      if (peek() != '}') bad("',' or '}' expected");
    }
    ++at_;
    skip_space();
    if (at_ != text_.size()) bad("text after its '}'");
    if (!descr || !order || !shape) bad("no " + std::string(!descr ? "descr" : !order ? "fortran_order" : "shape"));
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    throw Error(where_ + ": its .npy header (a Python dict) has " + what + " at character " + std::to_string(at_));
  }
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\t')) ++at_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) bad(std::string("no '") + c + "'");
    ++at_;
  }
  std::string string() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') bad("no string");
    const std::size_t end = text_.find(quote, at_ + 1);
    if (end == std::string_view::npos) bad("an unterminated string");
    std::string out(text_.substr(at_ + 1, end - at_ - 1));
    at_ = end + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    if (text_.substr(at_, 4) == "True") return at_ += 4, true;
    if (text_.substr(at_, 5) == "False") return at_ += 5, false;
    bad("neither True nor False");
  }
  std::vector<std::size_t> tuple() {
    expect('(');
    std::vector<std::size_t> dims;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') bad("no size in its shape");
      std::size_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (v > (std::numeric_limits<std::size_t>::max() - 9) / 10) bad("a size too large");
        v = v * 10 + std::size_t(peek() - '0');
        ++at_;
      }
      if (dims.size() == 32) bad("more than 32 axes");
      dims.push_back(v);
      skip_space();
      if (peek() == ',') ++at_;
      else if (peek() != ')') bad("',' or ')' expected in its shape");
    }
    ++at_;
    return dims;
  }

  std::string_view text_;
  std::string where_;
  std::size_t at_ = 0;
};

/// Bytes per element of a NumPy dtype string such as "<f4" (its last digits), or 0 when it is
/// not of that form (a structured or object dtype).
std::size_t item_size(std::string_view dtype) {
  if (dtype.size() < 3 || dtype.size() > 4 || std::string_view("<>|=").find(dtype[0]) == std::string_view::npos) return 0;
  if (std::string_view("fiubc").find(dtype[1]) == std::string_view::npos) return 0;
  std::size_t v = 0;
  for (const char c : dtype.substr(2)) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + std::size_t(c - '0');
  }
  return v;
}

/// One .npy file, whole, into `array` (name already set).
void read_npy(std::span<const unsigned char> npy, Npz::Array& array, const std::string& where) {
  static constexpr std::array<unsigned char, 6> magic{0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (npy.size() < 10 || !std::equal(magic.begin(), magic.end(), npy.begin()))
    fail_in(where, "is not a .npy file (no \\x93NUMPY magic)");
  const unsigned major = npy[6];
  if (major < 1 || major > 3) fail_in(where, "is .npy format version " + std::to_string(major) + ", not 1, 2 or 3");
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  if (npy.size() < 8 + length_bytes) fail_in(where, "is truncated in its .npy header");
  const std::uint64_t header = le(npy, 8, length_bytes);
  const std::size_t start = 8 + length_bytes;
  if (header > npy.size() - start) fail_in(where, "is truncated in its .npy header");
  const std::string_view text(reinterpret_cast<const char*>(npy.data() + start), static_cast<std::size_t>(header));
  HeaderParser(text, where).parse(array);
  const std::size_t width = item_size(array.dtype);
  if (width == 0) fail_in(where, "has dtype " + shown(array.dtype) + ", which typenet cannot read (it reads numbers)");
  std::size_t bytes = width;
  for (const std::size_t dim : array.shape)
    if (dim != 0 && bytes > std::numeric_limits<std::size_t>::max() / dim) fail_in(where, "has a shape whose size overflows");
    else bytes *= dim;
  const std::size_t data = npy.size() - start - static_cast<std::size_t>(header);
  if (data != bytes)
    fail_in(where, "holds " + std::to_string(data) + " bytes of data, its shape [" + detail::dims_text(array.shape) +
                    "] and dtype " + array.dtype + " need " + std::to_string(bytes));
  array.data.assign(npy.end() - static_cast<std::ptrdiff_t>(data), npy.end());
}

/// Inflates a raw deflate stream into exactly `size` bytes.
std::vector<unsigned char> inflate_member(std::span<const unsigned char> in, std::size_t size, const std::string& where) {
  std::vector<unsigned char> out(size);
  z_stream zs{};
  if (inflateInit2(&zs, -15) != Z_OK) fail_in(where, "cannot be inflated: zlib failed to start");
  std::size_t in_at = 0, out_at = 0;
  int status = Z_OK;
  unsigned char spare = 0;  // room for one byte past the claimed size, to find data that runs over
  while (status == Z_OK) {
    const std::size_t in_step = std::min<std::size_t>(in.size() - in_at, 1u << 30);
    zs.next_in = in.data() + in_at;
    zs.avail_in = static_cast<uInt>(in_step);
    const bool full = out_at == size;
    const std::size_t out_step = full ? 1 : std::min<std::size_t>(size - out_at, 1u << 30);
    zs.next_out = full ? &spare : out.data() + out_at;
    zs.avail_out = static_cast<uInt>(out_step);
    status = inflate(&zs, Z_NO_FLUSH);
    in_at += in_step - zs.avail_in;
    const std::size_t produced = out_step - zs.avail_out;
    if (full && produced > 0) {
      inflateEnd(&zs);
      fail_in(where, "inflates to more than the " + std::to_string(size) + " bytes its directory entry states");
    }
    out_at += produced;
    if (status == Z_BUF_ERROR && in_at == in.size()) break;
    if (status == Z_BUF_ERROR) status = Z_OK;
  }
  inflateEnd(&zs);
  if (status != Z_STREAM_END) fail_in(where, "is corrupt: its deflate data does not inflate");
  if (out_at != size)
    fail_in(where, "inflates to " + std::to_string(out_at) + " bytes, its directory entry states " + std::to_string(size));
  if (in_at != in.size()) fail_in(where, "has data after its deflate stream");
  return out;
}

}  // namespace

std::size_t Npz::Array::elements() const {
  const std::size_t width = item_size(dtype);
  return width ? data.size() / width : 0;
}

Npz Npz::parse(std::span<const unsigned char> bytes, const std::string& name) {
  // The end of central directory record: 22 bytes, then a comment of up to 65,535.
  if (bytes.size() < 22) fail(name, bytes.empty() ? "is empty, not a .npz archive" : "is too short for a .npz (zip) archive");
  std::size_t end = std::string::npos;
  for (std::size_t at = bytes.size() - 22;; --at) {
    if (le(bytes, at, 4) == 0x06054b50 && at + 22 + le(bytes, at + 20, 2) == bytes.size()) {
      end = at;
      break;
    }
    if (at == 0 || bytes.size() - at > 22 + 65535) break;
  }
  if (end == std::string::npos) fail(name, "is not a .npz archive: no zip end of central directory record");
  const std::uint64_t entries = le(bytes, end + 10, 2);
  const std::uint64_t directory_size = le(bytes, end + 12, 4);
  const std::uint64_t directory_at = le(bytes, end + 16, 4);
  if (le(bytes, end + 4, 2) != 0 || le(bytes, end + 6, 2) != 0 || le(bytes, end + 8, 2) != entries)
    fail(name, "is a zip archive split over several disks, which a .npz never is");
  if (entries == 0xffff || directory_size == 0xffffffff || directory_at == 0xffffffff)
    fail(name, "is a zip64 archive of more than 65,535 members or a directory past 4 GiB, which typenet does not read");
  if (directory_at > end || directory_size > end - directory_at)
    fail(name, "is corrupt: its central directory lies outside the file");

  Npz result;
  result.name_ = name;
  std::set<std::string> names;
  std::size_t at = static_cast<std::size_t>(directory_at);
  const std::size_t directory_end = static_cast<std::size_t>(directory_at + directory_size);
  for (std::uint64_t i = 0; i < entries; ++i) {
    if (directory_end - at < 46 || le(bytes, at, 4) != 0x02014b50)
      fail(name, "is corrupt: central directory entry " + std::to_string(i + 1) + " is damaged");
    const std::uint64_t flags = le(bytes, at + 8, 2), method = le(bytes, at + 10, 2);
    const std::uint32_t crc = static_cast<std::uint32_t>(le(bytes, at + 16, 4));
    std::uint64_t packed = le(bytes, at + 20, 4), size = le(bytes, at + 24, 4);
    const std::size_t name_length = le(bytes, at + 28, 2), extra_length = le(bytes, at + 30, 2),
                      comment_length = le(bytes, at + 32, 2);
    std::uint64_t local = le(bytes, at + 42, 4);
    if (directory_end - at - 46 < name_length + extra_length + comment_length)
      fail(name, "is corrupt: central directory entry " + std::to_string(i + 1) + " is damaged");
    const std::string member(reinterpret_cast<const char*>(bytes.data() + at + 46), name_length);
    // Zip64: sizes and offset that do not fit 32 bits are in extra field 0x0001, in this order.
    for (std::size_t e = at + 46 + name_length, extra_end = e + extra_length; extra_end - e >= 4;) {
      const std::uint64_t id = le(bytes, e, 2), length = le(bytes, e + 2, 2);
      if (length > extra_end - e - 4) fail(name, "is corrupt: member " + shown(member) + " has a damaged extra field");
      if (id == 0x0001) {
        std::size_t f = e + 4;
        for (std::uint64_t* field : {&size, &packed, &local})
          if (*field == 0xffffffff) {
            if (f + 8 > e + 4 + length) fail(name, "is corrupt: member " + shown(member) + " has a short zip64 field");
            *field = le(bytes, f, 8);
            f += 8;
          }
      }
      e += 4 + static_cast<std::size_t>(length);
    }
    at += 46 + name_length + extra_length + comment_length;

    const std::string where = name + ": array " + shown(member);
    if (member.size() < 5 || member.substr(member.size() - 4) != ".npy")
      fail(name, "holds member " + shown(member) + ", not a .npy array");
    if (flags & 1) fail_in(where, "is encrypted");
    if (method != 0 && method != 8)
      fail_in(where, "is compressed by zip method " + std::to_string(method) + "; .npz uses 0 (stored) or 8 (deflate)");
    if (method == 0 ? size != packed : size > packed * max_deflate_ratio + 64)
      fail_in(where, "is corrupt: its directory entry states " + std::to_string(size) + " bytes from " +
                      std::to_string(packed) + " compressed");
    // The local header: its name and extra field lengths say where the data starts.
    if (local > bytes.size() || bytes.size() - local < 30 || le(bytes, static_cast<std::size_t>(local), 4) != 0x04034b50)
      fail_in(where, "is corrupt: its local header is missing");
    const std::size_t data_at = static_cast<std::size_t>(local) + 30 + le(bytes, static_cast<std::size_t>(local) + 26, 2) +
                                le(bytes, static_cast<std::size_t>(local) + 28, 2);
    if (data_at > bytes.size() || packed > bytes.size() - data_at) fail_in(where, "is truncated");
    const std::span<const unsigned char> stored = bytes.subspan(data_at, static_cast<std::size_t>(packed));
    std::vector<unsigned char> inflated;
    if (method == 8) inflated = inflate_member(stored, static_cast<std::size_t>(size), where);
    const std::span<const unsigned char> npy = method == 8 ? std::span<const unsigned char>(inflated) : stored;
    if (npy.size() >= (std::size_t{1} << 32)) fail_in(where, "is larger than 4 GiB, which typenet does not read");
    if (static_cast<std::uint32_t>(::crc32(0L, npy.data(), static_cast<uInt>(npy.size()))) != crc) fail_in(where, "is corrupt: its CRC-32 does not match");

    Array array;
    array.name = member.substr(0, member.size() - 4);
    if (!names.insert(array.name).second) fail(name, "holds array " + shown(array.name) + " twice");
    read_npy(npy, array, where);
    result.arrays_.push_back(std::move(array));
  }
  return result;
}

Npz Npz::open(const std::string& path) { return parse(detail::read_whole_file(path, "a .npz archive"), path); }

const Npz::Array* Npz::find(std::string_view name) const {
  const auto at = std::find_if(arrays_.begin(), arrays_.end(), [&](const Array& a) { return a.name == name; });
  return at == arrays_.end() ? nullptr : &*at;
}

template <class S>
void Npz::read_values(const Array& array, std::span<S> out) const {
  const std::string where = "array " + shown(array.name);
  if (array.fortran_order)
    fail(name_, where + " is in Fortran order: save numpy.ascontiguousarray(a) instead");
  const std::string_view d = array.dtype;
  const bool little = d[0] == '<' || d[0] == '=' || (d[0] == '|' && d.substr(2) == "1");
  if (d.substr(1) != "f2" && d.substr(1) != "f4" && d.substr(1) != "f8")
    fail(name_, where + " has dtype " + shown(d) + ", not a float array (float16, float32 or float64)");
  if (!little) fail(name_, where + " is big-endian (" + std::string(d) + "): save a.astype('<" + std::string(d.substr(1)) + "')");
  const std::size_t count = array.elements();
  if (out.size() != count)
    fail(name_, where + " holds " + std::to_string(count) + " values, the destination " + std::to_string(out.size()));
  const std::size_t width = item_size(d);
  const std::span<const unsigned char> raw(array.data);
  if (width == 8 && sizeof(S) < 8)
    for (std::size_t i = 0; i < count; ++i) {
      const double v = std::bit_cast<double>(le(raw, i * 8, 8));
      if (std::isfinite(v) && std::abs(v) > double(std::numeric_limits<S>::max())) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", v);
        fail(name_, where + ": value " + text + " at index " + std::to_string(i) + " is too large for float");
      }
    }
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t bits = le(raw, i * width, width);
    out[i] = width == 2   ? S(detail::half_to_float(std::uint16_t(bits)))
             : width == 4 ? S(std::bit_cast<float>(std::uint32_t(bits)))
                          : S(std::bit_cast<double>(bits));
  }
}

void Npz::read(const Array& array, std::span<float> out) const { read_values(array, out); }
void Npz::read(const Array& array, std::span<double> out) const { read_values(array, out); }

}  // namespace typenet::io
