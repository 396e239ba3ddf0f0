// test/fuzz/fuzz_idx.cpp: the fuzz target of read_idx: any bytes, raw or gzip, give the array their header announces or an Error.
#define ZLIB_CONST  // zlib's next_in points to const bytes
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <typenet/core/error.hpp>
#include <typenet/data/idx.hpp>

#include "fuzz_target.hpp"

namespace {

using typenet::data::IdxArray;
using typenet::fuzz::require;

/// What read_idx makes of `bytes`: the array, or nothing when it throws an Error (which must name the input).
std::optional<IdxArray> read(std::span<const std::uint8_t> bytes) {
  try {
    IdxArray array = typenet::data::read_idx(bytes, typenet::fuzz::input_name);
    require(array.dims.size() >= 1 && array.dims.size() <= 4, "an IDX array has 1 to 4 dimensions");
    require(std::find(array.dims.begin(), array.dims.end(), 0) == array.dims.end(), "no dimension is 0");
    std::size_t count = 1;
    for (const std::size_t dim : array.dims) count *= dim;  // read_idx caps the count at 2^30: no overflow
    require(array.values.size() == count, "an IDX array holds as many values as its dimensions announce");
    return array;
  } catch (const typenet::Error& error) {
    typenet::fuzz::require_named(error);
    return std::nullopt;
  }
}

/// `bytes` as one gzip member, as gzip writes it.
std::vector<std::uint8_t> gzip(std::span<const std::uint8_t> bytes) {
  z_stream zs{};
  require(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK,
          "zlib starts compressing");
  std::vector<std::uint8_t> out(deflateBound(&zs, static_cast<uLong>(bytes.size())));
  zs.next_in = bytes.data();
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  require(status == Z_STREAM_END, "zlib compresses the input in one call");
  out.resize(zs.total_out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const std::optional<IdxArray> array = read(input);
  // Bytes that are not gzip already must read the same once compressed: so every mutation of the raw
  // format also drives the inflating path, with a valid gzip stream around it.
  if (size < 2 || data[0] != 0x1f || data[1] != 0x8b) {
    const std::optional<IdxArray> inflated = read(gzip(input));
    require(inflated.has_value() == array.has_value(), "gzip-compressed bytes are accepted or rejected as raw ones");
    if (array) require(inflated->dims == array->dims && inflated->values == array->values, "and give the same array");
  }
  return 0;
}
