// test/unit/test_readers.cpp: run-time tests of the data-file readers (IDX raw and gzip, Fashion-MNIST, CIFAR-10).
#define BOOST_TEST_MODULE readers
#include <boost/test/unit_test.hpp>

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <typenet/core/error.hpp>
#include <typenet/data/cifar10.hpp>
#include <typenet/data/fashion_mnist.hpp>
#include <typenet/data/idx.hpp>

#include "temp_directory.hpp"

// The tests of lying headers use the largest allocation to prove that a header field alone
// never makes the reader allocate much.
#include "allocation_counter.hpp"

using typenet::test::largest_allocation;

namespace {

using typenet::Error;
using typenet::test::file_bytes;
using typenet::test::TempDirectory;
namespace data = typenet::data;
using Bytes = std::vector<unsigned char>;

/// A BOOST_CHECK_EXCEPTION predicate: the Error's message contains every one of `parts`.
auto message_has(std::vector<std::string> parts) {
  return [parts = std::move(parts)](const Error& error) {
    const std::string message = error.what();
    for (const std::string& part : parts)
      if (message.find(part) == std::string::npos) {
        BOOST_ERROR("the message \"" << message << "\" lacks \"" << part << "\"");
        return false;
      }
    BOOST_TEST_MESSAGE("as expected: " << message);
    return true;
  };
}

/// An IDX file's bytes: magic 0x0000<type><rank>, big-endian dimensions, then `values`.
Bytes idx_bytes(const std::vector<std::uint32_t>& dims, const Bytes& values, unsigned char type = 0x08) {
  Bytes bytes{0, 0, type, static_cast<unsigned char>(dims.size())};
  for (const std::uint32_t d : dims)
    for (const int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<unsigned char>(d >> shift));
  bytes.insert(bytes.end(), values.begin(), values.end());
  return bytes;
}

/// `count` bytes that differ from their neighbours and cover 0 and 255.
Bytes pattern(std::size_t count, unsigned seed = 0) {
  Bytes values(count);
  for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<unsigned char>((i * 37 + seed * 101 + 11) % 256);
  if (count > 1) values[0] = 0, values[1] = 255;
  return values;
}

/// `count` bytes from a fixed-seed generator: deflate cannot compress them, so it stores them.
Bytes noise(std::size_t count) {
  Bytes values(count);
  std::uint32_t state = 12345;
  for (auto& v : values) v = static_cast<unsigned char>((state = state * 1664525u + 1013904223u) >> 24);
  return values;
}

void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  BOOST_TEST_REQUIRE(out.good(), "cannot write " << path);
}

/// Writes `bytes` as one gzip member; mode "ab" appends a second member to an existing file.
void write_gzip(const std::string& path, const Bytes& bytes, const char* mode = "wb") {
  gzFile out = gzopen(path.c_str(), mode);
  BOOST_TEST_REQUIRE(out != nullptr, "gzopen " << path);
  const int written = gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size()));
  BOOST_TEST_REQUIRE(gzclose(out) == Z_OK);
  BOOST_TEST_REQUIRE(written == static_cast<int>(bytes.size()));
}


/// Sets (or, with nullopt, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

const std::vector<std::uint32_t> dims_3x2x4{3, 2, 4};

}  // namespace

// ---------------------------------------------------------------------------------------- IDX

BOOST_AUTO_TEST_SUITE(idx)

BOOST_AUTO_TEST_CASE(raw_round_trip) {
  TempDirectory dir("readers");
  const Bytes values = pattern(24);
  write_file(dir.file("a.idx"), idx_bytes(dims_3x2x4, values));
  const data::IdxArray array = data::read_idx(dir.file("a.idx"));
  BOOST_TEST(array.dims == (std::vector<std::size_t>{3, 2, 4}), boost::test_tools::per_element());
  BOOST_TEST(array.values == values, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gzip_round_trip) {
  TempDirectory dir("readers");
  const Bytes values = pattern(24);
  write_gzip(dir.file("a.idx.gz"), idx_bytes(dims_3x2x4, values));
  const data::IdxArray array = data::read_idx(dir.file("a.idx.gz"));
  BOOST_TEST(array.dims == (std::vector<std::size_t>{3, 2, 4}), boost::test_tools::per_element());
  BOOST_TEST(array.values == values, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(one_dimension_and_four_dimensions) {
  TempDirectory dir("readers");
  write_file(dir.file("labels"), idx_bytes({5}, pattern(5)));
  BOOST_TEST(data::read_idx(dir.file("labels")).values == pattern(5), boost::test_tools::per_element());
  write_gzip(dir.file("four.gz"), idx_bytes({2, 3, 1, 2}, pattern(12)));
  const data::IdxArray four = data::read_idx(dir.file("four.gz"));
  BOOST_TEST(four.dims == (std::vector<std::size_t>{2, 3, 1, 2}), boost::test_tools::per_element());
  BOOST_TEST(four.values == pattern(12), boost::test_tools::per_element());
}

// A large, mostly incompressible payload crosses many of the reader's input and output chunks.
BOOST_AUTO_TEST_CASE(gzip_round_trip_large) {
  TempDirectory dir("readers");
  const Bytes values = noise(3'000'000);
  write_gzip(dir.file("big.gz"), idx_bytes({3000, 1000}, values));
  BOOST_TEST((data::read_idx(dir.file("big.gz")).values == values));
}

// `cat a.gz b.gz > c.gz` is valid gzip; the reader must read on through the second member.
BOOST_AUTO_TEST_CASE(gzip_concatenated_members) {
  TempDirectory dir("readers");
  const Bytes whole = idx_bytes(dims_3x2x4, pattern(24));
  const std::string path = dir.file("two.gz");
  write_gzip(path, Bytes(whole.begin(), whole.begin() + 20));
  write_gzip(path, Bytes(whole.begin() + 20, whole.end()), "ab");
  BOOST_TEST(data::read_idx(path).values == pattern(24), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(truncated_raw) {
  TempDirectory dir("readers");
  const std::string path = dir.file("short.idx");
  write_file(path, idx_bytes(dims_3x2x4, pattern(20)));
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error,
                        message_has({path, "truncated: header announces 24 values but the file holds only 20"}));
}

BOOST_AUTO_TEST_CASE(truncated_gzip_content) {
  TempDirectory dir("readers");
  const std::string path = dir.file("short.idx.gz");
  write_gzip(path, idx_bytes(dims_3x2x4, pattern(20)));
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error,
                        message_has({path, "truncated: header announces 24 values but the file holds only 20"}));
}

// The gzip file itself cut short, e.g. by an interrupted download.
BOOST_AUTO_TEST_CASE(truncated_gzip_file) {
  TempDirectory dir("readers");
  const std::string path = dir.file("cut.gz");
  write_gzip(path, idx_bytes({100, 100}, noise(10'000)));
  Bytes bytes = file_bytes(path);
  for (const std::size_t keep : {bytes.size() - 4, bytes.size() / 2, std::size_t{12}}) {
    write_file(path, Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(keep)));
    BOOST_CHECK_EXCEPTION(data::read_idx(path), Error, message_has({path, "truncated gzip stream"}));
  }
}

BOOST_AUTO_TEST_CASE(truncated_header) {
  TempDirectory dir("readers");
  const std::string path = dir.file("tiny");
  write_file(path, Bytes{});
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error, message_has({path, "truncated: the file holds only 0 bytes"}));
  write_file(path, Bytes{0, 0, 8});
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error, message_has({path, "truncated: the file holds only 3 bytes"}));
  write_file(path, Bytes{0, 0, 8, 3, 0, 0, 0, 3, 0, 0});
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error,
                        message_has({path, "truncated: the header announces 3 dimensions but the file ends 6 bytes"}));
}

BOOST_AUTO_TEST_CASE(trailing_data_raw) {
  TempDirectory dir("readers");
  const std::string path = dir.file("long.idx");
  write_file(path, idx_bytes(dims_3x2x4, pattern(27)));
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error,
                        message_has({path, "trailing data: header announces 24 values but the file holds 27"}));
}

BOOST_AUTO_TEST_CASE(trailing_data_gzip) {
  TempDirectory dir("readers");
  const std::string path = dir.file("long.idx.gz");
  write_gzip(path, idx_bytes(dims_3x2x4, pattern(25)));
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error,
                        message_has({path, "trailing data: header announces 24 values but the file holds more"}));
}

// Bytes after the gzip stream that are not another gzip member.
BOOST_AUTO_TEST_CASE(trailing_garbage_after_gzip) {
  TempDirectory dir("readers");
  const std::string path = dir.file("garbage.gz");
  write_gzip(path, idx_bytes(dims_3x2x4, pattern(24)));
  Bytes bytes = file_bytes(path);
  for (const Bytes& tail : {Bytes{0}, Bytes{0x1f}, Bytes{'j', 'u', 'n', 'k'}}) {
    Bytes with_tail = bytes;
    with_tail.insert(with_tail.end(), tail.begin(), tail.end());
    write_file(path, with_tail);
    BOOST_CHECK_EXCEPTION(data::read_idx(path), Error, message_has({path, "trailing garbage"}));
  }
}

BOOST_AUTO_TEST_CASE(wrong_magic) {
  TempDirectory dir("readers");
  const std::string path = dir.file("magic");
  Bytes bytes = idx_bytes(dims_3x2x4, pattern(24));
  bytes[0] = 0x12;
  bytes[1] = 0x34;
  write_file(path, bytes);
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error,
                        message_has({path, "not an IDX file: magic number 0x12340803 does not start with two zero bytes"}));
}

BOOST_AUTO_TEST_CASE(wrong_type_code) {
  TempDirectory dir("readers");
  const std::string path = dir.file("floats");
  write_file(path, idx_bytes(dims_3x2x4, pattern(96), 0x0d));  // 0x0d: IDX's float type
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error,
                        message_has({path, "type code 0x0d in magic number 0x00000d03 is not 0x08"}));
}

BOOST_AUTO_TEST_CASE(bad_dimension_count) {
  TempDirectory dir("readers");
  const std::string path = dir.file("rank");
  write_file(path, Bytes{0, 0, 8, 0, 1, 2, 3});
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error, message_has({path, "dimension count 0", "between 1 and 4"}));
  write_file(path, idx_bytes({1, 1, 1, 1, 1}, pattern(1)));
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error, message_has({path, "dimension count 5", "between 1 and 4"}));
}

BOOST_AUTO_TEST_CASE(zero_dimension) {
  TempDirectory dir("readers");
  const std::string path = dir.file("zero");
  write_file(path, idx_bytes({3, 0, 28}, {}));
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error,
                        message_has({path, "zero dimension: the header announces 3 x 0 x 28"}));
}

// A 20-byte file whose header claims 4e9 x 4e9 values, or 1e9 (under the cap): each must fail
// at once, without allocating anything near what the header claims.
BOOST_AUTO_TEST_CASE(oversized_header) {
  TempDirectory dir("readers");
  const std::string raw = dir.file("huge");
  const std::string gz = dir.file("huge.gz");
  const std::size_t allocation_limit = std::size_t{16} << 20;
  const auto start = std::chrono::steady_clock::now();

  write_file(raw, idx_bytes({4'000'000'000u, 4'000'000'000u}, pattern(8)));
  BOOST_TEST(file_bytes(raw).size() == 20u);
  largest_allocation = 0;
  BOOST_CHECK_EXCEPTION(data::read_idx(raw), Error,
                        message_has({raw, "too large: the header announces 4000000000 x 4000000000 values"}));
  BOOST_TEST(largest_allocation.load() < allocation_limit);

  write_gzip(gz, idx_bytes({4'000'000'000u, 4'000'000'000u}, pattern(8)));
  largest_allocation = 0;
  BOOST_CHECK_EXCEPTION(data::read_idx(gz), Error, message_has({gz, "too large"}));
  BOOST_TEST(largest_allocation.load() < allocation_limit);

  write_file(raw, idx_bytes({1000, 1000, 1000}, pattern(8)));
  largest_allocation = 0;
  BOOST_CHECK_EXCEPTION(data::read_idx(raw), Error,
                        message_has({raw, "truncated: header announces 1000000000 values but the file holds only 8"}));
  BOOST_TEST(largest_allocation.load() < allocation_limit);

  write_gzip(gz, idx_bytes({1000, 1000, 1000}, pattern(8)));
  largest_allocation = 0;
  BOOST_CHECK_EXCEPTION(data::read_idx(gz), Error,
                        message_has({gz, "truncated: header announces 1000000000 values but the file holds only 8"}));
  BOOST_TEST(largest_allocation.load() < allocation_limit);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(seconds < 1.0);
}

// Stored (incompressible) data with bytes flipped in the middle decodes to wrong bytes, which
// the gzip trailer's CRC-32 catches.
BOOST_AUTO_TEST_CASE(corrupt_gzip_crc) {
  TempDirectory dir("readers");
  const std::string path = dir.file("flipped.gz");
  write_gzip(path, idx_bytes({100, 50}, noise(5000)));
  Bytes bytes = file_bytes(path);
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 8; ++i) bytes[i] ^= 0x5a;
  write_file(path, bytes);
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error, message_has({path, "corrupt gzip stream", "incorrect data check"}));
}

// Compressed data with bytes flipped in the middle: whatever inflate makes of it, the reader
// reports an Error naming the file, never a crash or a hang.
BOOST_AUTO_TEST_CASE(corrupt_gzip_compressed) {
  TempDirectory dir("readers");
  const std::string path = dir.file("flipped.gz");
  write_gzip(path, idx_bytes({100, 100}, pattern(10'000)));
  const Bytes good = file_bytes(path);
  for (std::size_t at = 10; at + 4 < good.size(); at += 7) {
    Bytes bytes = good;
    for (std::size_t i = at; i < at + 4; ++i) bytes[i] ^= 0xa5;
    write_file(path, bytes);
    BOOST_CHECK_EXCEPTION(data::read_idx(path), Error, message_has({path}));
  }
  write_file(path, Bytes{0x1f, 0x8b, 'n', 'o', 't', ' ', 'g', 'z', 'i', 'p', '!', '!', '!', '!'});
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error, message_has({path, "corrupt gzip stream"}));
}

BOOST_AUTO_TEST_CASE(missing_file_and_directory) {
  TempDirectory dir("readers");
  const std::string path = dir.file("absent.idx");
  BOOST_CHECK_EXCEPTION(data::read_idx(path), Error, message_has({path, "no such file"}));
  BOOST_CHECK_EXCEPTION(data::read_idx(dir.path().string()), Error,
                        message_has({dir.path().string(), "is a directory"}));
}

// read_idx of bytes in memory (what the fuzz target calls) gives what read_idx of a file holding
// them gives: the same array, or the same message with the name in place of the path.
BOOST_AUTO_TEST_CASE(bytes_in_memory_read_as_the_file_holding_them) {
  TempDirectory dir("readers");
  const std::string path = dir.file("bytes");
  const Bytes raw = idx_bytes(dims_3x2x4, pattern(24));
  write_gzip(path, raw);
  const Bytes gz = file_bytes(path);
  write_gzip(path, idx_bytes({1000, 600}, noise(600'000)));  // more than one 256 KiB input buffer
  const Bytes big_gz = file_bytes(path);
  write_gzip(path, Bytes(raw.begin(), raw.begin() + 20));
  write_gzip(path, Bytes(raw.begin() + 20, raw.end()), "ab");
  const Bytes two_members = file_bytes(path);
  const auto with = [](Bytes bytes, const Bytes& tail) {
    bytes.insert(bytes.end(), tail.begin(), tail.end());
    return bytes;
  };
  const auto cut = [](const Bytes& bytes, std::size_t drop) { return Bytes(bytes.begin(), bytes.end() - drop); };
  const std::vector<Bytes> cases{raw,
                                 gz,
                                 big_gz,
                                 two_members,
                                 {},
                                 cut(raw, 1),
                                 with(raw, {7}),
                                 cut(gz, 4),
                                 cut(big_gz, 1000),
                                 with(gz, {'j', 'u', 'n', 'k'}),
                                 with(gz, gz),
                                 idx_bytes({1000, 1000, 1000}, pattern(8)),
                                 idx_bytes(dims_3x2x4, pattern(24), 0x0d),
                                 Bytes{0x1f, 0x8b, 8, 0, 0}};
  std::size_t arrays = 0;
  for (const Bytes& bytes : cases) {
    write_file(path, bytes);
    std::optional<data::IdxArray> from_file, from_memory;
    std::string file_error, memory_error;
    try {
      from_file = data::read_idx(path);
    } catch (const Error& error) {
      file_error = error.what();
    }
    try {
      from_memory = data::read_idx(bytes, "in memory");
    } catch (const Error& error) {
      memory_error = error.what();
    }
    BOOST_TEST_REQUIRE(from_file.has_value() == from_memory.has_value(), "case of " << bytes.size() << " bytes");
    if (from_file) {
      ++arrays;
      BOOST_TEST(from_memory->dims == from_file->dims, boost::test_tools::per_element());
      BOOST_TEST((from_memory->values == from_file->values));
    } else {
      BOOST_TEST_REQUIRE(file_error.starts_with(path + ": "));
      BOOST_TEST(memory_error == "in memory" + file_error.substr(path.size()));
    }
  }
  BOOST_TEST(arrays == 4u);  // raw, gz, big_gz, two_members
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------------------------------------- IDX images + labels

BOOST_AUTO_TEST_SUITE(idx_images)

BOOST_AUTO_TEST_CASE(round_trip_scales_pixels_and_one_hot_targets) {
  TempDirectory dir("readers");
  const Bytes pixels = pattern(3 * 28 * 28);
  const Bytes labels{7, 0, 9};
  write_gzip(dir.file("images.gz"), idx_bytes({3, 28, 28}, pixels));
  write_file(dir.file("labels"), idx_bytes({3}, labels));
  const data::ImageSet28 set = data::read_idx_images(dir.file("images.gz"), dir.file("labels"));
  BOOST_TEST_REQUIRE(set.size() == 3u);
  for (std::size_t s = 0; s < 3; ++s) {
    const auto input = set.input(s);
    for (std::size_t i = 0; i < input.size(); ++i)
      BOOST_TEST(input[i] == static_cast<float>(pixels[s * 784 + i]) / 255.0f);  // exact, not approximate
    const auto target = set.target(s);
    for (std::size_t c = 0; c < 10; ++c) BOOST_TEST(target[c] == (c == labels[s] ? 1.0f : 0.0f));
  }
  BOOST_TEST(set.input(0)[0] == 0.0f);
  BOOST_TEST(set.input(0)[1] == 1.0f);
}

BOOST_AUTO_TEST_CASE(count_mismatch) {
  TempDirectory dir("readers");
  const std::string images = dir.file("images");
  const std::string labels = dir.file("labels");
  write_file(images, idx_bytes({3, 28, 28}, pattern(3 * 784)));
  write_file(labels, idx_bytes({4}, Bytes{1, 2, 3, 4}));
  BOOST_CHECK_EXCEPTION(data::read_idx_images(images, labels), Error,
                        message_has({images, labels, "count mismatch", "holds 3 images", "holds 4 labels"}));
}

BOOST_AUTO_TEST_CASE(label_out_of_range) {
  TempDirectory dir("readers");
  const std::string images = dir.file("images");
  const std::string labels = dir.file("labels");
  write_file(images, idx_bytes({3, 28, 28}, pattern(3 * 784)));
  write_file(labels, idx_bytes({3}, Bytes{1, 10, 3}));
  BOOST_CHECK_EXCEPTION(data::read_idx_images(images, labels), Error,
                        message_has({labels, "label 10 of sample 1 is out of range 0-9"}));
}

BOOST_AUTO_TEST_CASE(wrong_image_dimensions) {
  TempDirectory dir("readers");
  const std::string images = dir.file("images");
  const std::string labels = dir.file("labels");
  write_file(labels, idx_bytes({3}, Bytes{1, 2, 3}));
  write_file(images, idx_bytes({3, 27, 28}, pattern(3 * 27 * 28)));
  BOOST_CHECK_EXCEPTION(data::read_idx_images(images, labels), Error,
                        message_has({images, "expected images of N x 28 x 28 pixels, but the file holds 3 x 27 x 28"}));
  write_file(images, idx_bytes({3 * 784}, pattern(3 * 784)));
  BOOST_CHECK_EXCEPTION(data::read_idx_images(images, labels), Error,
                        message_has({images, "but the file holds 2352"}));
}

BOOST_AUTO_TEST_CASE(labels_not_one_dimensional) {
  TempDirectory dir("readers");
  const std::string images = dir.file("images");
  const std::string labels = dir.file("labels");
  write_file(images, idx_bytes({3, 28, 28}, pattern(3 * 784)));
  write_file(labels, idx_bytes({3, 1}, Bytes{1, 2, 3}));
  BOOST_CHECK_EXCEPTION(data::read_idx_images(images, labels), Error,
                        message_has({labels, "expected a 1-D array of labels, but the file holds 3 x 1"}));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------- Fashion-MNIST

BOOST_AUTO_TEST_SUITE(fashion_mnist)

/// Writes the four Fashion-MNIST files, small (3 training and 2 test images), mixing .gz and raw.
void write_small_fashion_mnist(const TempDirectory& dir) {
  write_gzip(dir.file("train-images-idx3-ubyte.gz"), idx_bytes({3, 28, 28}, pattern(3 * 784, 1)));
  write_file(dir.file("train-labels-idx1-ubyte"), idx_bytes({3}, Bytes{9, 0, 4}));
  write_file(dir.file("t10k-images-idx3-ubyte"), idx_bytes({2, 28, 28}, pattern(2 * 784, 2)));
  write_gzip(dir.file("t10k-labels-idx1-ubyte.gz"), idx_bytes({2}, Bytes{5, 6}));
}

BOOST_AUTO_TEST_CASE(find_explicit_directory) {
  TempDirectory dir("readers");
  write_small_fashion_mnist(dir);
  const ScopedEnv env("TYPENET_FASHION_MNIST", "/nonexistent/typenet-env");  // the argument wins
  BOOST_TEST(data::find_fashion_mnist(dir.path().string()) == dir.path().string());
}

BOOST_AUTO_TEST_CASE(find_through_environment_variable) {
  TempDirectory dir("readers");
  write_small_fashion_mnist(dir);
  const ScopedEnv env("TYPENET_FASHION_MNIST", dir.path().string());
  BOOST_TEST(data::find_fashion_mnist() == dir.path().string());
  BOOST_TEST(data::find_fashion_mnist("") == dir.path().string());
}

BOOST_AUTO_TEST_CASE(find_empty_variable_means_debian_default) {
  const ScopedEnv env("TYPENET_FASHION_MNIST", "");
  if (std::filesystem::is_directory(data::fashion_mnist_debian_directory))
    BOOST_TEST(data::find_fashion_mnist() == std::string(data::fashion_mnist_debian_directory));
  else
    BOOST_CHECK_EXCEPTION(data::find_fashion_mnist(), Error,
                          message_has({std::string(data::fashion_mnist_debian_directory), "Debian's default location"}));
}

BOOST_AUTO_TEST_CASE(find_reports_missing_file) {
  TempDirectory dir("readers");
  write_small_fashion_mnist(dir);
  std::filesystem::remove(dir.path() / "t10k-images-idx3-ubyte");
  const std::string hint = "install Debian's package dataset-fashion-mnist or set TYPENET_FASHION_MNIST";
  BOOST_CHECK_EXCEPTION(data::find_fashion_mnist(dir.path().string()), Error,
                        message_has({"found neither t10k-images-idx3-ubyte.gz nor t10k-images-idx3-ubyte in " +
                                         dir.path().string(),
                                     "(the directory given explicitly)", hint}));
  {
    const ScopedEnv env("TYPENET_FASHION_MNIST", dir.path().string());
    BOOST_CHECK_EXCEPTION(data::find_fashion_mnist(), Error,
                          message_has({"t10k-images-idx3-ubyte", dir.path().string(),
                                       "(the directory named by $TYPENET_FASHION_MNIST)", hint}));
  }
  const std::string absent = dir.file("absent");
  BOOST_CHECK_EXCEPTION(data::fashion_mnist(absent), Error,
                        message_has({"train-images-idx3-ubyte", absent, "which does not exist", hint}));
}

BOOST_AUTO_TEST_CASE(small_set_round_trip) {
  TempDirectory dir("readers");
  write_small_fashion_mnist(dir);
  const data::FashionMnist set = data::fashion_mnist(dir.path().string());
  BOOST_TEST(set.train.size() == 3u);
  BOOST_TEST(set.test.size() == 2u);
  BOOST_TEST(set.train.input(2)[5] == static_cast<float>(pattern(3 * 784, 1)[2 * 784 + 5]) / 255.0f);
  BOOST_TEST(set.test.input(1)[700] == static_cast<float>(pattern(2 * 784, 2)[784 + 700]) / 255.0f);
  BOOST_TEST(data::argmax(set.train.target(0)) == 9u);
  BOOST_TEST(data::argmax(set.test.target(1)) == 6u);
}

// The real data set, which the test command installs: a missing directory fails, never skips.
BOOST_AUTO_TEST_CASE(real_data_set) {
  const std::string debian(data::fashion_mnist_debian_directory);
  BOOST_TEST_REQUIRE(std::filesystem::is_directory(debian),
                     debian << " does not exist: install Debian's package dataset-fashion-mnist to run this test");
  const ScopedEnv env("TYPENET_FASHION_MNIST", std::nullopt);
  const auto start = std::chrono::steady_clock::now();
  const data::FashionMnist set = data::fashion_mnist();
  BOOST_TEST_MESSAGE("read Fashion-MNIST in "
                     << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
  BOOST_TEST_REQUIRE(set.train.size() == 60000u);
  BOOST_TEST_REQUIRE(set.test.size() == 10000u);
  for (const data::ImageSet28* part : {&set.train, &set.test}) {
    std::size_t pixels_out_of_range = 0;
    std::size_t targets_not_one_hot = 0;
    float largest = 0.0f;
    for (std::size_t s = 0; s < part->size(); ++s) {
      const auto input = part->input(s);
      for (std::size_t i = 0; i < input.size(); ++i) {
        const float p = input[i];
        pixels_out_of_range += !(p >= 0.0f && p <= 1.0f);
        largest = std::max(largest, p);
      }
      std::size_t ones = 0;
      std::size_t zeros = 0;
      for (const float t : part->target(s)) ones += t == 1.0f, zeros += t == 0.0f;
      targets_not_one_hot += !(ones == 1 && zeros == 9);
    }
    BOOST_TEST(pixels_out_of_range == 0u);
    BOOST_TEST(targets_not_one_hot == 0u);
    BOOST_TEST(largest == 1.0f);
  }
  // The first labels of each file (9 = ankle boot), as the data set's own files list them.
  BOOST_TEST(data::argmax(set.train.target(0)) == 9u);
  BOOST_TEST(data::argmax(set.train.target(3)) == 3u);
  BOOST_TEST(data::argmax(set.test.target(0)) == 9u);
  BOOST_TEST(data::argmax(set.test.target(1)) == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------------------------------- CIFAR-10

BOOST_AUTO_TEST_SUITE(cifar10)

/// The byte the test files hold for record `r`, channel `c`, row `y`, column `x`.
unsigned char cifar_pixel(std::size_t r, std::size_t c, std::size_t y, std::size_t x) {
  return static_cast<unsigned char>((r * 11 + c * 85 + y * 3 + x * 5) % 256);
}

/// CIFAR-10 records, label then 1,024 red, 1,024 green and 1,024 blue bytes, numbered from `first`.
Bytes cifar_records(const Bytes& labels, std::size_t first = 0) {
  Bytes bytes;
  for (std::size_t r = 0; r < labels.size(); ++r) {
    bytes.push_back(labels[r]);
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t y = 0; y < 32; ++y)
        for (std::size_t x = 0; x < 32; ++x) bytes.push_back(cifar_pixel(first + r, c, y, x));
  }
  return bytes;
}

/// Checks sample `s` against record `r` of cifar_records: HWC layout, value / 255, one-hot target.
void check_sample(const data::ImageSet32& set, std::size_t s, std::size_t r, unsigned char label) {
  const auto input = set.input(s);
  std::size_t wrong = 0;
  for (std::size_t y = 0; y < 32; ++y)
    for (std::size_t x = 0; x < 32; ++x)
      for (std::size_t c = 0; c < 3; ++c)
        wrong += input[(y * 32 + x) * 3 + c] != static_cast<float>(cifar_pixel(r, c, y, x)) / 255.0f;
  BOOST_TEST(wrong == 0u, "sample " << s << " has " << wrong << " wrong pixels");
  const auto target = set.target(s);
  for (std::size_t c = 0; c < 10; ++c) BOOST_TEST(target[c] == (c == label ? 1.0f : 0.0f));
}

BOOST_AUTO_TEST_CASE(three_records_in_hwc) {
  TempDirectory dir("readers");
  write_file(dir.file("batch.bin"), cifar_records({3, 0, 9}));
  const data::ImageSet32 set = data::read_cifar10({dir.file("batch.bin")});
  BOOST_TEST_REQUIRE(set.size() == 3u);
  check_sample(set, 0, 0, 3);
  check_sample(set, 1, 1, 0);
  check_sample(set, 2, 2, 9);
  // Spelled out once: pixel (y=1, x=2) of record 0 is red 13, green 98, blue 183.
  BOOST_TEST(set.input(0)[(1 * 32 + 2) * 3 + 0] == 13.0f / 255.0f);
  BOOST_TEST(set.input(0)[(1 * 32 + 2) * 3 + 1] == 98.0f / 255.0f);
  BOOST_TEST(set.input(0)[(1 * 32 + 2) * 3 + 2] == 183.0f / 255.0f);
}

BOOST_AUTO_TEST_CASE(files_concatenate_in_order) {
  TempDirectory dir("readers");
  write_file(dir.file("a.bin"), cifar_records({1, 2}, 0));
  write_file(dir.file("b.bin"), cifar_records({7}, 2));
  const data::ImageSet32 set = data::read_cifar10({dir.file("a.bin"), dir.file("b.bin")});
  BOOST_TEST_REQUIRE(set.size() == 3u);
  check_sample(set, 0, 0, 1);
  check_sample(set, 1, 1, 2);
  check_sample(set, 2, 2, 7);
}

// More records than one read chunk (1,024), so the chunk boundary is crossed.
BOOST_AUTO_TEST_CASE(many_records) {
  TempDirectory dir("readers");
  Bytes labels(1500);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<unsigned char>(i % 10);
  write_file(dir.file("many.bin"), cifar_records(labels));
  const data::ImageSet32 set = data::read_cifar10({dir.file("many.bin")});
  BOOST_TEST_REQUIRE(set.size() == 1500u);
  for (const std::size_t s : {0u, 1023u, 1024u, 1499u}) check_sample(set, s, s, labels[s]);
}

BOOST_AUTO_TEST_CASE(wrong_size) {
  TempDirectory dir("readers");
  const std::string path = dir.file("odd.bin");
  Bytes bytes = cifar_records({1, 2});
  bytes.resize(bytes.size() + 5);
  write_file(path, bytes);
  BOOST_CHECK_EXCEPTION(data::read_cifar10({path}), Error,
                        message_has({path, "file size 6151 is not a whole number of 3073-byte records"}));
}

BOOST_AUTO_TEST_CASE(label_out_of_range) {
  TempDirectory dir("readers");
  const std::string good = dir.file("good.bin");
  const std::string bad = dir.file("bad.bin");
  write_file(good, cifar_records({1}));
  write_file(bad, cifar_records({1, 10, 2}));
  BOOST_CHECK_EXCEPTION(data::read_cifar10({good, bad}), Error,
                        message_has({bad, "record 1 has label 10, expected 0-9"}));
}

BOOST_AUTO_TEST_CASE(empty_missing_and_directory) {
  TempDirectory dir("readers");
  const std::string empty = dir.file("empty.bin");
  write_file(empty, {});
  BOOST_CHECK_EXCEPTION(data::read_cifar10({empty}), Error, message_has({empty, "empty file"}));
  const std::string absent = dir.file("absent.bin");
  BOOST_CHECK_EXCEPTION(data::read_cifar10({absent}), Error, message_has({absent, "no such file"}));
  BOOST_CHECK_EXCEPTION(data::read_cifar10({dir.path().string()}), Error,
                        message_has({dir.path().string(), "is a directory"}));
}

// read_cifar10 of bytes in memory (what the fuzz target calls) gives what it gives for a file
// holding them: the same samples, or the same message with the name in place of the path.
BOOST_AUTO_TEST_CASE(bytes_in_memory_read_as_the_file_holding_them) {
  TempDirectory dir("readers");
  const std::string path = dir.file("bytes.bin");
  const Bytes good = cifar_records({3, 0, 9});
  Bytes odd = good;
  odd.resize(odd.size() + 5);
  const std::vector<Bytes> cases{good, {}, odd, Bytes(good.begin(), good.end() - 3073), cifar_records({1, 10, 2})};
  std::size_t sets = 0;
  for (const Bytes& bytes : cases) {
    write_file(path, bytes);
    std::optional<data::ImageSet32> from_file, from_memory;
    std::string file_error, memory_error;
    try {
      from_file = data::read_cifar10({path});
    } catch (const Error& error) {
      file_error = error.what();
    }
    try {
      from_memory = data::read_cifar10(bytes, "in memory");
    } catch (const Error& error) {
      memory_error = error.what();
    }
    BOOST_TEST_REQUIRE(from_file.has_value() == from_memory.has_value(), "case of " << bytes.size() << " bytes");
    if (from_file) {
      ++sets;
      BOOST_TEST_REQUIRE(from_memory->size() == from_file->size());
      for (std::size_t s = 0; s < from_file->size(); ++s) check_sample(*from_memory, s, s, bytes[s * 3073]);
    } else {
      BOOST_TEST_REQUIRE(file_error.starts_with(path + ": "));
      BOOST_TEST(memory_error == "in memory" + file_error.substr(path.size()));
    }
  }
  BOOST_TEST(sets == 2u);
}

BOOST_AUTO_TEST_CASE(directory_of_batches) {
  TempDirectory dir("readers");
  for (std::size_t b = 1; b <= 5; ++b)
    write_file(dir.file("data_batch_" + std::to_string(b) + ".bin"),
               cifar_records({static_cast<unsigned char>(b)}, b));
  write_file(dir.file("test_batch.bin"), cifar_records({8, 9}, 10));
  const data::Cifar10 set = data::cifar10(dir.path().string());
  BOOST_TEST_REQUIRE(set.train.size() == 5u);
  BOOST_TEST_REQUIRE(set.test.size() == 2u);
  for (std::size_t b = 1; b <= 5; ++b) check_sample(set.train, b - 1, b, static_cast<unsigned char>(b));
  check_sample(set.test, 1, 11, 9);
}

BOOST_AUTO_TEST_CASE(directory_missing_files) {
  TempDirectory dir("readers");
  for (std::size_t b = 1; b <= 5; ++b)
    if (b != 3) write_file(dir.file("data_batch_" + std::to_string(b) + ".bin"), cifar_records({1}));
  BOOST_CHECK_EXCEPTION(data::cifar10(dir.path().string()), Error,
                        message_has({dir.path().string(), "lacks data_batch_3.bin, test_batch.bin"}));
  const std::string absent = dir.file("absent");
  BOOST_CHECK_EXCEPTION(data::cifar10(absent), Error,
                        message_has({absent, "is not a directory", "cifar-10-batches-bin"}));
}

BOOST_AUTO_TEST_SUITE_END()
