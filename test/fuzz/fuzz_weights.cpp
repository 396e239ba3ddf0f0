// test/fuzz/fuzz_weights.cpp: the fuzz target of weight files and checkpoints: any bytes load, or give an Error and leave the model as it was.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <typenet/typenet.hpp>

#include "fuzz_target.hpp"

namespace tn = typenet;
using typenet::fuzz::require;

namespace {

// The networks make_corpus.py writes files for.
struct FuzzNet : tn::Sequential<tn::Input<4>, tn::Dense<3>, tn::ReLU, tn::Dense<2>, tn::Softmax> {};
using FuzzModel = tn::Model<FuzzNet, tn::loss::CrossEntropy, tn::optim::Adam>;
struct FuzzBlocks : tn::Sequential<tn::Input<4>, tn::Residual<tn::Dense<4>, tn::ReLU>, tn::Dense<2>, tn::Softmax> {};
using FuzzBlocksModel = tn::Model<FuzzBlocks, tn::loss::CrossEntropy, tn::optim::Adam>;

/// The same bytes with the header's length and the trailing CRC-32 made right, so that the
/// parser behind the checksum sees the mutations too.
std::vector<unsigned char> with_valid_checksum(std::span<const std::uint8_t> data) {
  std::vector<unsigned char> bytes(data.begin(), data.end());
  if (bytes.size() < 28) return bytes;
  for (std::size_t i = 0; i < 8; ++i) bytes[16 + i] = static_cast<unsigned char>(std::uint64_t(bytes.size()) >> (8 * i));
  const std::uint32_t crc = tn::io::crc32(std::span<const unsigned char>(bytes.data(), bytes.size() - 4));
  for (std::size_t i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<unsigned char>(crc >> (8 * i));
  return bytes;
}

/// Loads `bytes`: the model must either take them or keep exactly its parameters.
template <class Model>
void load(Model& model, std::vector<unsigned char> bytes) {
  const std::vector<float> before(model.parameters().begin(), model.parameters().end());
  try {
    model.load(std::move(bytes), typenet::fuzz::input_name);
  } catch (const tn::Error& error) {
    typenet::fuzz::require_named(error);
    // Bit for bit: a file may load NaN values, and NaN != NaN.
    require(std::memcmp(model.parameters().data(), before.data(), before.size() * sizeof(float)) == 0,
            "a failed load leaves the model as it was");
  }
}

/// Resumes a one-epoch fit from `bytes` as a checkpoint (through a file: fit reads paths).
void resume(const std::vector<unsigned char>& bytes) {
  static const std::string path = (std::filesystem::temp_directory_path() /
                                   ("typenet-fuzz-" + std::to_string(::getpid()) + ".tnc")).string();
  if (std::FILE* file = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), file);
    std::fclose(file);
  } else {
    return;
  }
  static const tn::data::Dataset<tn::Shape<4>, tn::Shape<2>> data(
      std::vector<float>{0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0}, std::vector<float>{1, 0, 0, 1, 1, 0, 0, 1});
  FuzzModel model;
  try {
    model.fit(data, {.epochs = 2, .batch_size = 2, .seed = 3, .threads = 1, .verbose = false, .checkpoint = path,
                     .resume = true});
  } catch (const tn::Error& error) {
    const std::string message = error.what();
    require(message.starts_with(path + ": ") || message.starts_with("fit: "), "a resume's Error names the file");
  }
  std::filesystem::remove(path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FuzzModel model;
  static FuzzBlocksModel blocks;
  load(model, std::vector<unsigned char>(data, data + size));
  const auto fixed = with_valid_checksum(std::span(data, size));
  load(model, fixed);
  load(blocks, fixed);
  if (fixed.size() >= 16 && fixed[12] == 2) resume(fixed);  // kind 2: a checkpoint
  return 0;
}
