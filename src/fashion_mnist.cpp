// src/fashion_mnist.cpp: fashion_mnist, find_fashion_mnist and read_idx_images, the Fashion-MNIST loader.
#include <typenet/data/fashion_mnist.hpp>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <typenet/core/error.hpp>

#include "file_errors.hpp"
#include <typenet/data/idx.hpp>

namespace typenet::data {
namespace {

using detail::dims_text;
using detail::fail;
using detail::File;

constexpr std::string_view train_images = "train-images-idx3-ubyte";
constexpr std::string_view train_labels = "train-labels-idx1-ubyte";
constexpr std::string_view test_images = "t10k-images-idx3-ubyte";
constexpr std::string_view test_labels = "t10k-labels-idx1-ubyte";
constexpr std::array<std::string_view, 4> file_names{train_images, train_labels, test_images, test_labels};

constexpr std::size_t side = 28;
constexpr std::size_t classes = 10;

/// The file `name` in `directory`, compressed (".gz", as Debian and the upstream site ship it)
/// or not, the compressed one first when both are there.
std::optional<std::string> locate(const std::string& directory, std::string_view name) {
  namespace fs = std::filesystem;
  for (const std::string_view suffix : {std::string_view(".gz"), std::string_view()}) {
    const fs::path path = fs::path(directory) / (std::string(name) + std::string(suffix));
    std::error_code ec;
    if (fs::exists(path, ec) && !fs::is_directory(path, ec)) return path.string();
  }
  return std::nullopt;
}

}  // namespace

std::string find_fashion_mnist(const std::string& directory) {
  std::string chosen;
  std::string origin;
  const std::string variable(fashion_mnist_variable);
  if (!directory.empty()) {
    chosen = directory;
    origin = "the directory given explicitly";
  } else if (const char* value = std::getenv(variable.c_str()); value && *value) {
    chosen = value;
    origin = "the directory named by $" + variable;
  } else {
    chosen = fashion_mnist_debian_directory;
    origin = "Debian's default location";
  }

  for (const std::string_view name : file_names) {
    if (locate(chosen, name)) continue;
    std::error_code ec;
    const bool directory_exists = std::filesystem::is_directory(chosen, ec);
    throw Error("Fashion-MNIST: found neither " + std::string(name) + ".gz nor " + std::string(name) + " in " + chosen +
                " (" + origin + (directory_exists ? "" : ", which does not exist") +
                "); install Debian's package dataset-fashion-mnist or set " + variable +
                " to a directory holding the four Fashion-MNIST files");
  }
  return chosen;
}

FashionMnist fashion_mnist(const std::string& directory) {
  const std::string chosen = find_fashion_mnist(directory);
  // find_fashion_mnist has seen every file, so locate finds each one.
  const auto path = [&](std::string_view name) { return locate(chosen, name).value(); };
  return FashionMnist{read_idx_images(path(train_images), path(train_labels)),
                      read_idx_images(path(test_images), path(test_labels))};
}

ImageSet28 read_idx_images(const std::string& images_path, const std::string& labels_path) {
  const IdxArray images = read_idx(images_path);
  if (images.dims.size() != 3 || images.dims[1] != side || images.dims[2] != side)
    throw Error(images_path + ": expected images of N x 28 x 28 pixels, but the file holds " + dims_text(images.dims));
  const IdxArray labels = read_idx(labels_path);
  if (labels.dims.size() != 1)
    throw Error(labels_path + ": expected a 1-D array of labels, but the file holds " + dims_text(labels.dims));
  if (labels.dims[0] != images.dims[0])
    throw Error("count mismatch: " + images_path + " holds " + std::to_string(images.dims[0]) + " images but " +
                labels_path + " holds " + std::to_string(labels.dims[0]) + " labels");
  // Checked here, not left to one_hot, so that the message names the file.
  for (std::size_t i = 0; i < labels.values.size(); ++i)
    if (labels.values[i] >= classes)
      throw Error(labels_path + ": label " + std::to_string(labels.values[i]) + " of sample " + std::to_string(i) +
                  " is out of range 0-9");

  // The pixels stay bytes (a quarter of the memory); they read as value / 255.0f.
  std::vector<float> targets = one_hot<classes>(labels.values);
  return ImageSet28(std::vector<std::uint8_t>(images.values.begin(), images.values.end()), unit_interval(),
                    std::move(targets));
}

}  // namespace typenet::data
