// typenet/data/fashion_mnist.hpp: fashion_mnist, the loader of the Fashion-MNIST data set (60,000 + 10,000 28x28 grey images, 10 classes).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include <typenet/core/shape.hpp>
#include <typenet/data/dataset.hpp>

namespace typenet::data {

using ImageSet28 = Dataset<Shape<28, 28, 1>, Shape<10>>;

struct FashionMnist {
  ImageSet28 train;  ///< 60,000 samples
  ImageSet28 test;   ///< 10,000 samples
};

/// Where Debian's package dataset-fashion-mnist installs the files.
inline constexpr std::string_view fashion_mnist_debian_directory = "/usr/share/datasets/fashion-mnist";

/// The environment variable naming a directory that holds the four files.
inline constexpr std::string_view fashion_mnist_variable = "TYPENET_FASHION_MNIST";

inline constexpr std::array<std::string_view, 10> fashion_mnist_classes{
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

/// The directory to read: `directory` if not empty, else $TYPENET_FASHION_MNIST if set, else
/// the Debian location. Throws Error, saying where it looked and how to install the data,
/// when the chosen directory lacks a file.
std::string find_fashion_mnist(const std::string& directory = {});

/// Reads train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz)
/// and t10k-labels-idx1-ubyte(.gz) from `find_fashion_mnist(directory)`: pixels scaled to
/// [0, 1], labels one-hot.
FashionMnist fashion_mnist(const std::string& directory = {});

/// Reads one image file and its label file (IDX, 28x28 images, labels 0-9) into a data set;
/// throws Error if the dimensions or counts disagree or a label is out of range.
ImageSet28 read_idx_images(const std::string& images_path, const std::string& labels_path);

}  // namespace typenet::data
