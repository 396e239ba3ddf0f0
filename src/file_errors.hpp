// src/file_errors.hpp: the helpers src/'s file readers share: fail (an Error naming the file), File, read_whole_file, dims_text, half_to_float.
#pragma once

#include <array>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <typenet/core/error.hpp>

namespace typenet::detail {

/// Throws an Error reading "<path>: <what>".
[[noreturn]] inline void fail(const std::string& path, const std::string& what) { throw Error(path + ": " + what); }

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
/// A C stream closed when it goes out of scope.
using File = std::unique_ptr<std::FILE, FileCloser>;

/// The bytes of the file at `path`, read in pieces: never more than the file holds, whatever a
/// header in it claims. A missing file, a directory (`what` says what was expected: "a weight
/// file") and a read error each throw an Error naming the path.
inline std::vector<unsigned char> read_whole_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) fail(path, "no such file");
  if (status.type() == std::filesystem::file_type::directory) fail(path, "is a directory, not " + what);
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) fail(path, "cannot open: " + std::generic_category().message(errno));
  std::vector<unsigned char> bytes;
  std::array<unsigned char, 1 << 16> piece;
  for (;;) {
    const std::size_t got = std::fread(piece.data(), 1, piece.size(), file.get());
    bytes.insert(bytes.end(), piece.data(), piece.data() + got);
    if (got < piece.size()) {
      if (std::ferror(file.get())) fail(path, "cannot read: " + std::generic_category().message(errno));
      return bytes;
    }
  }
}

/// "3 x 28 x 28".
inline std::string dims_text(const std::vector<std::size_t>& dims) {
  std::string text;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) text += " x ";
    text += std::to_string(dims[i]);
  }
  return text;
}

/// IEEE binary16 to float, exactly (every half is a float).
inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  std::uint32_t mantissa = h & 0x3ffu;
  std::uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // infinity or NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal: shift the mantissa up until its leading 1 is the implicit bit.
    std::uint32_t e = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

}  // namespace typenet::detail
