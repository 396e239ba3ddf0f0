// typenet/data/idx.hpp: read_idx, the reader of IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or raw.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace typenet::data {

/// An IDX array of unsigned bytes: its dimensions, outermost first, and its values.
struct IdxArray {
  std::vector<std::size_t> dims;
  std::vector<unsigned char> values;
};

/// Reads an IDX file of unsigned bytes (type code 0x08), gzip-compressed or raw (told apart
/// by the gzip magic bytes). Validates the magic number, the dimension count and sizes, and
/// that the file holds exactly the values its header announces: no more, no fewer. Never
/// allocates more than the file can justify. Throws Error naming the file and the fault.
IdxArray read_idx(const std::string& path);

/// Reads the contents of an IDX file held in memory, gzip-compressed or raw, with the same
/// checks; messages name it `name`.
IdxArray read_idx(std::span<const unsigned char> bytes, const std::string& name);

}  // namespace typenet::data
