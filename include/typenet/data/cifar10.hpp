// typenet/data/cifar10.hpp: read_cifar10, the reader of CIFAR-10's binary files (32x32 colour images, 10 classes).
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <typenet/core/shape.hpp>
#include <typenet/data/dataset.hpp>

namespace typenet::data {

using ImageSet32 = Dataset<Shape<32, 32, 3>, Shape<10>>;

struct Cifar10 {
  ImageSet32 train;  ///< data_batch_1.bin .. data_batch_5.bin, 50,000 samples
  ImageSet32 test;   ///< test_batch.bin, 10,000 samples
};

inline constexpr std::array<std::string_view, 10> cifar10_classes{
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};

/// Reads CIFAR-10 binary files: records of 1 label byte (0-9) and 3,072 pixel bytes stored
/// channel by channel (1,024 red, 1,024 green, 1,024 blue, each row-major). Produces
/// channels-last (HWC) samples scaled to [0, 1] and one-hot targets. Throws Error naming the
/// file and the fault: missing, empty, not a whole number of records, a label out of range.
ImageSet32 read_cifar10(const std::vector<std::string>& files);

/// Reads the contents of one CIFAR-10 binary file held in memory, with the same checks;
/// messages name it `name`.
ImageSet32 read_cifar10(std::span<const unsigned char> bytes, const std::string& name);

/// Reads the binary version's directory (cifar-10-batches-bin).
Cifar10 cifar10(const std::string& directory);

}  // namespace typenet::data
