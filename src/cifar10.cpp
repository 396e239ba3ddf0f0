// src/cifar10.cpp: read_cifar10 and cifar10, the readers of CIFAR-10's binary version (files, or their bytes in memory).
#include <typenet/data/cifar10.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
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

// The layout of the binary version, from https://www.cs.toronto.edu/~kriz/cifar.html.
constexpr std::size_t side = 32;
constexpr std::size_t channels = 3;
constexpr std::size_t plane = side * side;               // 1,024 bytes per channel
constexpr std::size_t record_bytes = 1 + channels * plane;  // 3,073
constexpr std::size_t classes = 10;

// Records read per fread: 3 MB, so a whole 30 MB batch never needs a second copy in memory.
constexpr std::size_t chunk_records = 1024;

/// The number of records in `size` bytes of `path`, after checking that they are a non-empty whole number of them.
std::size_t record_count(const std::string& path, std::uintmax_t size) {
  if (size == 0) fail(path, "empty file");
  if (size % record_bytes != 0)
    fail(path, "file size " + std::to_string(size) + " is not a whole number of " + std::to_string(record_bytes) +
                   "-byte records");
  return static_cast<std::size_t>(size / record_bytes);
}

/// The number of records in the file `path`, after checking that it is a non-empty whole number of them.
std::size_t record_count(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) fail(path, "no such file");
  if (status.type() == fs::file_type::directory) fail(path, "is a directory, not a file");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot read its size: " + ec.message());
  return record_count(path, size);
}

/// Decodes `count` records of `path`, numbered from `first` there, into samples from `sample` on.
void decode(const std::string& path, const unsigned char* records, std::size_t count, std::size_t first,
            std::size_t sample, std::vector<std::uint8_t>& inputs, std::vector<float>& targets) {
  for (std::size_t r = 0; r < count; ++r, ++sample) {
    const unsigned char* record = records + r * record_bytes;
    const unsigned label = record[0];
    if (label >= classes)
      fail(path, "record " + std::to_string(first + r) + " has label " + std::to_string(label) + ", expected 0-9");
    targets[sample * classes + label] = 1.0f;
    // The file stores channel planes (CHW); samples are channels-last (HWC).
    const unsigned char* pixels = record + 1;
    std::uint8_t* out = inputs.data() + sample * channels * plane;
    for (std::size_t p = 0; p < plane; ++p)
      for (std::size_t c = 0; c < channels; ++c) out[p * channels + c] = pixels[c * plane + p];
  }
}

}  // namespace

ImageSet32 read_cifar10(const std::vector<std::string>& files) {
  // Every file is checked before any is read, so a bad last file fails before the slow part.
  std::vector<std::size_t> counts;
  std::size_t total = 0;
  for (const std::string& path : files) total += counts.emplace_back(record_count(path));

  // The pixels stay bytes (a quarter of the memory); they read as value / 255.0f.
  std::vector<std::uint8_t> inputs(total * channels * plane);
  std::vector<float> targets(total * classes, 0.0f);

  std::vector<unsigned char> chunk(chunk_records * record_bytes);
  std::size_t sample = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    const std::string& path = files[f];
    File file(std::fopen(path.c_str(), "rb"));
    if (!file) fail(path, "cannot open: " + std::generic_category().message(errno));
    for (std::size_t first = 0; first < counts[f]; first += chunk_records) {
      const std::size_t n = std::min(chunk_records, counts[f] - first);
      if (std::fread(chunk.data(), record_bytes, n, file.get()) != n) {
        if (std::ferror(file.get())) fail(path, "read error: " + std::generic_category().message(errno));
        fail(path, "the file shrank while it was read: it no longer holds " + std::to_string(counts[f]) + " records");
      }
      decode(path, chunk.data(), n, first, sample, inputs, targets);
      sample += n;
    }
  }
  return ImageSet32(std::move(inputs), unit_interval(), std::move(targets));
}

ImageSet32 read_cifar10(std::span<const unsigned char> bytes, const std::string& name) {
  const std::size_t count = record_count(name, bytes.size());
  std::vector<std::uint8_t> inputs(count * channels * plane);
  std::vector<float> targets(count * classes, 0.0f);
  decode(name, bytes.data(), count, 0, 0, inputs, targets);
  return ImageSet32(std::move(inputs), unit_interval(), std::move(targets));
}

Cifar10 cifar10(const std::string& directory) {
  namespace fs = std::filesystem;
  const std::array<std::string, 6> names{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                         "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
  const std::string expected =
      "expected the directory of CIFAR-10's binary version (cifar-10-batches-bin), holding data_batch_1.bin .. "
      "data_batch_5.bin and test_batch.bin";
  std::error_code ec;
  if (!fs::is_directory(directory, ec))
    throw Error("CIFAR-10: " + directory + " is not a directory; " + expected);
  std::string missing;
  std::vector<std::string> paths;
  for (const std::string& name : names) {
    paths.push_back((fs::path(directory) / name).string());
    if (!fs::exists(paths.back(), ec)) missing += (missing.empty() ? "" : ", ") + name;
  }
  if (!missing.empty()) throw Error("CIFAR-10: " + directory + " lacks " + missing + "; " + expected);
  return Cifar10{read_cifar10({paths.begin(), paths.begin() + 5}), read_cifar10({paths[5]})};
}

}  // namespace typenet::data
