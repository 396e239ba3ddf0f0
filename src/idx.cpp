// src/idx.cpp: read_idx, the IDX reader of files and of bytes in memory; gzip is decoded by zlib's inflate as the bytes arrive.
#include <typenet/data/idx.hpp>

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <typenet/core/error.hpp>

#include "file_errors.hpp"

namespace typenet::data {
namespace {

using detail::dims_text;
using detail::fail;
using detail::File;

// The largest array read_idx accepts, in values. A header field must never decide alone how much
// we allocate; the largest IDX files in use (EMNIST ByClass training images, 697,932 x 28 x 28 =
// 547 M values) stay below it.
constexpr std::size_t max_values = std::size_t{1} << 30;

// What a file whose size does not bound its values (gzip, or a pipe) may reserve before its data
// proves it holds more: inflated Fashion-MNIST images are 1.8 times their compressed size, so 4
// times covers typical image data in one allocation, while a small file that claims a huge array
// starts from the 1 MiB floor and grows only as its values actually arrive.
constexpr std::size_t gzip_reserve_ratio = 4;
constexpr std::size_t reserve_floor = std::size_t{1} << 20;

// Input buffer for inflate: large enough that fread and inflate calls are rare.
constexpr std::size_t gzip_input_bytes = std::size_t{1} << 18;

// zlib counts in uInt; one inflate call gets at most this much output room.
constexpr std::size_t inflate_chunk = std::size_t{1} << 30;

std::string errno_text(int code) { return std::generic_category().message(code); }

std::string hex(unsigned value, int digits) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%0*x", digits, value);
  return text;
}

/// The bytes of an IDX file, or of a file's contents in memory, inflated when they are gzip:
/// `read` fills a buffer in large steps, so there is no per-byte call. A gzip file must end
/// exactly where its last gzip member ends (concatenated members are valid gzip and are read
/// on); anything else after it is an error.
class ByteStream {
 public:
  explicit ByteStream(const std::string& path) : path_(path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found) fail(path, "no such file");
    if (status.type() == fs::file_type::directory) fail(path, "is a directory, not a file");
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) fail(path, "cannot open: " + errno_text(errno));
    if (status.type() == fs::file_type::regular) {
      const std::uintmax_t size = fs::file_size(path, ec);
      if (!ec) file_size_ = size;
    }
    start();
  }

  /// Reads `bytes`, naming them `name` in messages.
  ByteStream(std::span<const unsigned char> bytes, const std::string& name)
      : path_(name), memory_(bytes), file_size_(bytes.size()) {
    start();
  }

  ~ByteStream() {
    if (inflating_) inflateEnd(&zs_);
  }
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  bool gzip() const { return gzip_; }

  /// Bytes on disk, when the file is a regular file; the byte count, when they are in memory.
  std::optional<std::uintmax_t> file_size() const { return file_size_; }

  /// Fills `size` bytes at `out` unless the data ends first; returns how many it filled.
  std::size_t read(unsigned char* out, std::size_t size) {
    if (!gzip_) {
      const std::size_t from_prefix = std::min(size, prefix_length_ - prefix_used_);
      std::copy_n(prefix_ + prefix_used_, from_prefix, out);
      prefix_used_ += from_prefix;
      return from_prefix + read_file(out + from_prefix, size - from_prefix);
    }
    return inflate_into(out, size);
  }

 private:
  void start() {
    // A raw IDX file starts with two zero bytes, a gzip file with 1f 8b: two bytes tell them apart.
    prefix_length_ = read_file(prefix_, 2);
    if (prefix_length_ == 2 && prefix_[0] == 0x1f && prefix_[1] == 0x8b) {
      gzip_ = true;
      input_.resize(gzip_input_bytes);
      std::copy_n(prefix_, 2, input_.data());
      prefix_length_ = 0;
      if (inflateInit2(&zs_, 15 + 16) != Z_OK)  // 15 + 16: a 32 KiB window, gzip wrapper only
        fail(path_, "cannot start gzip decoding: " + std::string(zs_.msg ? zs_.msg : "zlib could not initialise"));
      zs_.next_in = input_.data();
      zs_.avail_in = 2;
      inflating_ = true;
    }
  }

  // The next raw (undecoded) bytes, from the file or from memory.
  std::size_t read_file(unsigned char* out, std::size_t size) {
    std::size_t got;
    if (file_) {
      got = std::fread(out, 1, size, file_.get());
      if (got < size && std::ferror(file_.get())) fail(path_, "read error: " + errno_text(errno));
    } else {
      got = std::min<std::size_t>(size, memory_.size() - file_offset_);
      std::copy_n(memory_.data() + file_offset_, got, out);
    }
    file_offset_ += got;
    return got;
  }

  // Moves the unread input to the front of the buffer and reads more after it; false at the end of the file.
  bool refill() {
    if (zs_.avail_in > 0 && zs_.next_in != input_.data()) std::memmove(input_.data(), zs_.next_in, zs_.avail_in);
    const std::size_t got = read_file(input_.data() + zs_.avail_in, input_.size() - zs_.avail_in);
    zs_.next_in = input_.data();
    zs_.avail_in += static_cast<uInt>(got);
    return got > 0;
  }

  std::size_t inflate_into(unsigned char* out, std::size_t size) {
    std::size_t done = 0;
    while (done < size && !finished_) {
      if (between_members_) {
        while (zs_.avail_in < 2 && refill()) {
        }
        if (zs_.avail_in == 0) {
          finished_ = true;
          break;
        }
        if (zs_.avail_in < 2 || zs_.next_in[0] != 0x1f || zs_.next_in[1] != 0x8b)
          fail(path_, "trailing garbage: bytes after the end of the gzip stream (at byte " +
                          std::to_string(file_offset_ - zs_.avail_in) + ") that are not another gzip member");
        inflateReset(&zs_);
        between_members_ = false;
      }
      if (zs_.avail_in == 0 && !refill())
        fail(path_, "truncated gzip stream: the file ends after " + std::to_string(file_offset_) +
                        " bytes, before the gzip stream does");
      zs_.next_out = out + done;
      zs_.avail_out = static_cast<uInt>(std::min(size - done, inflate_chunk));
      const int status = inflate(&zs_, Z_NO_FLUSH);
      done = static_cast<std::size_t>(zs_.next_out - out);
      switch (status) {
        case Z_OK:
          break;
        case Z_STREAM_END:
          between_members_ = true;
          break;
        case Z_MEM_ERROR:
          fail(path_, "out of memory while decompressing");
        default:  // Z_DATA_ERROR (bad header, bad block, bad check value), Z_NEED_DICT, Z_BUF_ERROR
          fail(path_, "corrupt gzip stream: " + std::string(zs_.msg ? zs_.msg : "zlib error " + std::to_string(status)) +
                          " (near compressed byte " + std::to_string(file_offset_ - zs_.avail_in) + ")");
      }
    }
    return done;
  }

  const std::string& path_;         // the file's path, or the name given to bytes in memory
  File file_;                       // null when the bytes are in memory
  std::span<const unsigned char> memory_;
  std::optional<std::uintmax_t> file_size_;
  std::uintmax_t file_offset_ = 0;  // bytes read from the file (or memory) so far
  unsigned char prefix_[2] = {};    // the raw bytes read to tell gzip from raw
  std::size_t prefix_length_ = 0;
  std::size_t prefix_used_ = 0;
  bool gzip_ = false;
  bool inflating_ = false;  // inflateInit2 succeeded, so inflateEnd is owed
  bool between_members_ = false;
  bool finished_ = false;
  std::vector<unsigned char> input_;
  z_stream zs_{};
};

std::string truncated(std::size_t announced, std::uintmax_t held) {
  return "truncated: header announces " + std::to_string(announced) + " values but the file holds only " +
         std::to_string(held);
}

/// Reads the IDX array `in` holds; `path` names it in messages.
IdxArray parse(ByteStream& in, const std::string& path) {
  unsigned char magic[4];
  if (const std::size_t got = in.read(magic, 4); got < 4)
    fail(path, "truncated: the file holds only " + std::to_string(got) + " bytes, fewer than the 4-byte IDX magic number");
  const unsigned magic_value = (unsigned{magic[0]} << 24) | (unsigned{magic[1]} << 16) | (unsigned{magic[2]} << 8) | magic[3];
  if (magic[0] != 0 || magic[1] != 0)
    fail(path, "not an IDX file: magic number " + hex(magic_value, 8) + " does not start with two zero bytes");
  if (magic[2] != 0x08)
    fail(path, "type code " + hex(magic[2], 2) + " in magic number " + hex(magic_value, 8) +
                   " is not 0x08 (unsigned byte), the only type this reader supports");
  const std::size_t rank = magic[3];
  if (rank < 1 || rank > 4)
    fail(path, "dimension count " + std::to_string(rank) + " in magic number " + hex(magic_value, 8) +
                   " is not between 1 and 4");

  unsigned char dim_bytes[16];
  if (const std::size_t got = in.read(dim_bytes, 4 * rank); got < 4 * rank)
    fail(path, "truncated: the header announces " + std::to_string(rank) + " dimensions but the file ends " +
                   std::to_string(got) + " bytes into their " + std::to_string(4 * rank));
  IdxArray array;
  array.dims.resize(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const unsigned char* b = dim_bytes + 4 * i;
    array.dims[i] = (std::size_t{b[0]} << 24) | (std::size_t{b[1]} << 16) | (std::size_t{b[2]} << 8) | b[3];
  }
  if (std::find(array.dims.begin(), array.dims.end(), 0) != array.dims.end())
    fail(path, "zero dimension: the header announces " + dims_text(array.dims));
  // Each dimension is below 2^32 and the running product stays at most max_values (2^30) before the
  // next multiplication, so no product here can overflow 64 bits.
  std::size_t count = 1;
  for (const std::size_t dim : array.dims) {
    count *= dim;
    if (count > max_values)
      fail(path, "too large: the header announces " + dims_text(array.dims) + " values, more than the " +
                     std::to_string(max_values) + " this reader accepts");
  }

  const std::size_t header_bytes = 4 + 4 * rank;
  std::size_t reserve = count;
  if (!in.gzip() && in.file_size()) {
    // A raw file's size tells how many values it holds before anything is allocated.
    const std::uintmax_t held = *in.file_size() - std::min<std::uintmax_t>(*in.file_size(), header_bytes);
    if (held < count) fail(path, truncated(count, held));
    if (held > count)
      fail(path, "trailing data: header announces " + std::to_string(count) + " values but the file holds " +
                     std::to_string(held));
  } else if (in.gzip() && in.file_size()) {
    reserve = std::min<std::uintmax_t>(count, std::max<std::uintmax_t>(reserve_floor, *in.file_size() * gzip_reserve_ratio));
  } else {
    reserve = std::min(count, reserve_floor);
  }

  // The buffer grows (doubling, up to the announced count) only as values arrive, so a header
  // that lies costs at most the initial reservation or twice the data that is really there.
  array.values.resize(reserve);
  std::size_t filled = 0;
  while (filled < count) {
    if (filled == array.values.size()) array.values.resize(std::min(count, 2 * array.values.size()));
    const std::size_t wanted = array.values.size() - filled;
    const std::size_t got = in.read(array.values.data() + filled, wanted);
    filled += got;
    if (got < wanted) fail(path, truncated(count, filled));
  }

  // Reading on also makes inflate reach the gzip trailer, so its CRC and length are checked.
  unsigned char extra;
  if (in.read(&extra, 1) != 0)
    fail(path, "trailing data: header announces " + std::to_string(count) + " values but the file holds more");
  return array;
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  ByteStream in(path);
  return parse(in, path);
}

IdxArray read_idx(std::span<const unsigned char> bytes, const std::string& name) {
  ByteStream in(bytes, name);
  return parse(in, name);
}

}  // namespace typenet::data
