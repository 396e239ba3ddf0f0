// test/unit/test_safetensors.cpp: the safetensors reader and writer: the reference implementation's bytes, dtype conversion, and every fault named.
#define BOOST_TEST_MODULE safetensors
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <typenet/core/error.hpp>
#include <typenet/io/safetensors.hpp>

#include "temp_directory.hpp"

// A lying header must not make the reader allocate what it announces.
#include "allocation_counter.hpp"

namespace {

using typenet::Error;
using typenet::io::Dtype;
using typenet::io::NamedTensor;
using typenet::io::Safetensors;
using typenet::test::file_bytes;
using typenet::test::TempDirectory;
using Bytes = std::vector<unsigned char>;

/// A file: the 8-byte length of `header`, `header`, then `data`.
Bytes file_with(std::string_view header, const Bytes& data = {}) {
  Bytes out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<unsigned char>(std::uint64_t(header.size()) >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

/// The message of the Error that parsing `bytes` throws (fails the test if none is thrown).
std::string parse_error(const Bytes& bytes) {
  try {
    (void)Safetensors::parse(bytes, "file.safetensors");
  } catch (const Error& error) {
    return error.what();
  }
  BOOST_ERROR("no Error was thrown");
  return {};
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

Bytes floats(std::initializer_list<float> values) {
  Bytes out;
  for (const float v : values)
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<unsigned char>(std::bit_cast<std::uint32_t>(v) >> (8 * b)));
  return out;
}


}  // namespace

// The reference implementation's own serialisation tests (safetensors/src/tensor.rs): the same
// tensors give the same bytes, padding included.
BOOST_AUTO_TEST_CASE(writes_the_bytes_the_reference_implementation_writes) {
  const std::vector<float> values{0, 1, 2, 3, 4, 5};
  const std::vector<NamedTensor<float>> one{{"attn.0", {1, 2, 3}, values}};
  const Bytes expected = file_with(R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})", floats({0, 1, 2, 3, 4, 5}));
  BOOST_TEST(typenet::io::safetensors_bytes(std::span<const NamedTensor<float>>(one)) == expected);

  // Padded with spaces so that the data starts on a multiple of 8.
  const std::vector<NamedTensor<float>> padded{{"attn0", {1, 1, 2, 3}, values}};
  BOOST_TEST(typenet::io::safetensors_bytes(std::span<const NamedTensor<float>>(padded)) ==
             file_with(R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       )",
                       floats({0, 1, 2, 3, 4, 5})));

  const std::vector<NamedTensor<float>> none;
  BOOST_TEST(typenet::io::safetensors_bytes(std::span<const NamedTensor<float>>(none)) == file_with("{}      "));
  BOOST_TEST(typenet::io::safetensors_bytes(std::span<const NamedTensor<float>>(none), {{"framework", "pt"}}) ==
             file_with(R"({"__metadata__":{"framework":"pt"}}     )"));
}

BOOST_AUTO_TEST_CASE(reads_what_it_writes_in_float_and_double) {
  TempDirectory dir("safetensors");
  const std::vector<float> w{0.5f, -1.25f, 3.0f, 1e-30f, -0.0f, std::numeric_limits<float>::denorm_min()};
  const std::vector<float> b{7.5f, -8.0f};
  const std::vector<float> scalar{42.0f};
  const std::vector<NamedTensor<float>> tensors{{"layer.weight", {2, 3}, w}, {"layer.bias", {2}, b}, {"s", {}, scalar},
                                                {"empty", {0, 4}, {}}};
  const std::string path = dir.file("f.safetensors");
  typenet::io::write_safetensors(path, std::span<const NamedTensor<float>>(tensors), {{"framework", "typenet"}});
  const Safetensors file = Safetensors::open(path);
  BOOST_TEST(file.name() == path);
  BOOST_TEST_REQUIRE(file.tensors().size() == 4u);
  BOOST_TEST(file.tensors()[0].name == "layer.weight");  // the order written is the order of the data
  BOOST_TEST(file.tensors()[3].name == "empty");
  BOOST_TEST(file.metadata() == (std::vector<std::pair<std::string, std::string>>{{"framework", "typenet"}}));
  const typenet::io::TensorInfo* weight = file.find("layer.weight");
  BOOST_TEST_REQUIRE(weight != nullptr);
  BOOST_TEST((weight->dtype == Dtype::F32));
  BOOST_TEST(weight->shape == (std::vector<std::size_t>{2, 3}));
  std::vector<float> back(6);
  file.read(*weight, std::span<float>(back));
  BOOST_TEST(std::memcmp(back.data(), w.data(), sizeof(float) * 6) == 0);
  std::vector<double> wide(6);
  file.read(*weight, std::span<double>(wide));
  BOOST_TEST(wide[1] == -1.25);
  BOOST_TEST(file.find("s")->shape.empty());
  BOOST_TEST(file.find("empty")->elements() == 0u);
  BOOST_TEST(file.find("missing") == nullptr);
  BOOST_TEST(reinterpret_cast<std::uintptr_t>(file.bytes(*weight).data()) % 8 == 0);  // mapped, and aligned

  const std::vector<double> d{1.0 / 3.0, -1e300};
  const std::vector<NamedTensor<double>> doubles{{"d", {2}, d}};
  typenet::io::write_safetensors(dir.file("d.safetensors"), std::span<const NamedTensor<double>>(doubles));
  const Safetensors f64 = Safetensors::open(dir.file("d.safetensors"));
  BOOST_TEST((f64.tensors()[0].dtype == Dtype::F64));
  std::vector<double> dback(2);
  f64.read(f64.tensors()[0], std::span<double>(dback));
  BOOST_TEST(dback == d);
}

// A tensor stored in the destination's own type and aligned is used where it lies (the mapped
// file); any other is left to read(), which copies and converts.
BOOST_AUTO_TEST_CASE(an_aligned_tensor_of_the_scalar_type_is_used_in_place) {
  TempDirectory dir("safetensors_in_place");
  const std::vector<float> w{0.5f, -1.25f, 3.0f, 1e-30f};
  const std::vector<NamedTensor<float>> tensors{{"w", {2, 2}, w}, {"empty", {0}, {}}};
  const std::string path = dir.file("f.safetensors");
  typenet::io::write_safetensors(path, std::span<const NamedTensor<float>>(tensors));
  std::optional<Safetensors> copy;
  {
    const Safetensors file = Safetensors::open(path);
    copy.emplace(file);
  }  // the original is gone; its copy keeps the mapping
  const auto view = copy->in_place<float>(*copy->find("w"));
  BOOST_TEST_REQUIRE(view.has_value());
  BOOST_TEST(static_cast<const void*>(view->data()) == static_cast<const void*>(copy->bytes(*copy->find("w")).data()));
  BOOST_TEST(view->size() == 4u);
  BOOST_TEST(std::equal(view->begin(), view->end(), w.begin(), w.end()));
  BOOST_TEST(!copy->in_place<double>(*copy->find("w")).has_value());  // F32 is not a double's own type
  const auto empty = copy->in_place<float>(*copy->find("empty"));
  BOOST_TEST_REQUIRE(empty.has_value());
  BOOST_TEST(empty->empty());
  // Not aligned: a header of 13 bytes puts the data at offset 21.
  const Bytes odd = file_with(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", floats({1.5f, -2.0f}));
  BOOST_TEST_REQUIRE((odd.size() - 8) % 4 != 0);
  Bytes storage(odd.size() + 64);
  const auto base = reinterpret_cast<std::uintptr_t>(storage.data());
  unsigned char* start = storage.data() + (64 - base % 64) % 64;  // the file starts 64-byte aligned
  std::memcpy(start, odd.data(), odd.size());
  const Safetensors unaligned = Safetensors::parse(std::span<const unsigned char>(start, odd.size()), "mem");
  BOOST_TEST(!unaligned.in_place<float>(unaligned.tensors()[0]).has_value());
  std::vector<float> copied(2);
  unaligned.read(unaligned.tensors()[0], std::span<float>(copied));
  BOOST_TEST(copied == (std::vector<float>{1.5f, -2.0f}));
  // F16 and F64 tensors convert; a double destination sees an F64 tensor in place.
  const std::vector<double> d{1.0 / 3.0, -1e300};
  const std::vector<NamedTensor<double>> doubles{{"d", {2}, d}};
  typenet::io::write_safetensors(dir.file("d.safetensors"), std::span<const NamedTensor<double>>(doubles));
  const Safetensors f64 = Safetensors::open(dir.file("d.safetensors"));
  const auto wide = f64.in_place<double>(f64.tensors()[0]);
  BOOST_TEST_REQUIRE(wide.has_value());
  BOOST_TEST(std::equal(wide->begin(), wide->end(), d.begin(), d.end()));
  BOOST_TEST(!f64.in_place<float>(f64.tensors()[0]).has_value());
}

BOOST_AUTO_TEST_CASE(converts_half_and_bfloat16_exactly) {
  // F16: 1, -2, 65504 (the largest), 2^-24 (the smallest subnormal), 2^-14 (the smallest normal), infinity, NaN.
  const std::vector<std::uint16_t> halves{0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0x7e00, 0x8000};
  // BF16: 1, -3, the bits of 3.140625.
  const std::vector<std::uint16_t> brains{0x3f80, 0xc040, 0x4049};
  Bytes data;
  for (const auto h : halves) data.insert(data.end(), {static_cast<unsigned char>(h), static_cast<unsigned char>(h >> 8)});
  for (const auto h : brains) data.insert(data.end(), {static_cast<unsigned char>(h), static_cast<unsigned char>(h >> 8)});
  const Bytes bytes = file_with(R"({"h":{"dtype":"F16","shape":[8],"data_offsets":[0,16]},)"
                                R"("b":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]}})",
                                data);
  const Safetensors file = Safetensors::parse(bytes, "mem");
  std::vector<float> h(8), b(3);
  file.read(*file.find("h"), std::span<float>(h));
  file.read(*file.find("b"), std::span<float>(b));
  BOOST_TEST(h[0] == 1.0f);
  BOOST_TEST(h[1] == -2.0f);
  BOOST_TEST(h[2] == 65504.0f);
  BOOST_TEST(h[3] == std::ldexp(1.0f, -24));
  BOOST_TEST(h[4] == std::ldexp(1.0f, -14));
  BOOST_TEST(std::isinf(h[5]));
  BOOST_TEST(std::isnan(h[6]));
  BOOST_TEST((h[7] == 0.0f && std::signbit(h[7])));
  BOOST_TEST(b[0] == 1.0f);
  BOOST_TEST(b[1] == -3.0f);
  BOOST_TEST(b[2] == 3.140625f);
  // Every one of the 65,536 halves converts to the value its bits stand for: (-1)^s 2^(e - 15) (1 + m / 1024),
  // or 2^-14 (m / 1024) for e = 0.
  for (unsigned bits = 0; bits < 65536; ++bits) {
    const Bytes one = file_with(R"({"x":{"dtype":"F16","shape":[],"data_offsets":[0,2]}})",
                                {static_cast<unsigned char>(bits), static_cast<unsigned char>(bits >> 8)});
    const Safetensors f = Safetensors::parse(one, "mem");
    float v = 0;
    f.read(f.tensors()[0], std::span<float>(&v, 1));
    const unsigned e = (bits >> 10) & 0x1f, m = bits & 0x3ff;
    const double magnitude = e == 0x1f ? (m ? std::nan("") : HUGE_VAL)
                             : e == 0  ? std::ldexp(double(m) / 1024, -14)
                                       : std::ldexp(1 + double(m) / 1024, int(e) - 15);
    const float expected = static_cast<float>((bits & 0x8000) ? -magnitude : magnitude);
    if (std::isnan(expected)) {
      BOOST_TEST(std::isnan(v));
    } else if (std::bit_cast<std::uint32_t>(v) != std::bit_cast<std::uint32_t>(expected)) {
      BOOST_ERROR("half " << bits << " converts to " << v << ", not " << expected);
      break;
    }
  }
}

// The reference implementation's own example: an I32 tensor. It is a valid file, but not one to
// load weights from.
BOOST_AUTO_TEST_CASE(an_integer_tensor_is_read_as_a_fault_naming_it) {
  const Bytes bytes = file_with(R"({"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}})", Bytes(16, 0));
  const Safetensors file = Safetensors::parse(bytes, "mem");
  BOOST_TEST((file.tensors()[0].dtype == Dtype::I32));
  std::vector<float> out(4, 9.0f);
  try {
    file.read(file.tensors()[0], std::span<float>(out));
    BOOST_ERROR("an I32 tensor was converted to float");
  } catch (const Error& error) {
    BOOST_TEST(std::string(error.what()) == "mem: tensor \"test\" is I32, not a floating-point tensor (F16, BF16, F32 or F64)");
  }
  BOOST_TEST(out == std::vector<float>(4, 9.0f));
}

BOOST_AUTO_TEST_CASE(a_read_into_the_wrong_size_or_out_of_range_changes_nothing) {
  const std::vector<double> d{1.0, 1e300};
  const std::vector<NamedTensor<double>> doubles{{"d", {2}, d}};
  const Bytes bytes = typenet::io::safetensors_bytes(std::span<const NamedTensor<double>>(doubles));
  const Safetensors file = Safetensors::parse(bytes, "mem");
  std::vector<float> out(2, 7.0f);
  BOOST_CHECK_EXCEPTION(file.read(file.tensors()[0], std::span<float>(out)), Error, [](const Error& e) {
    return std::string(e.what()) == "mem: tensor \"d\": value 1e+300 at index 1 is too large for float";
  });
  BOOST_TEST(out == std::vector<float>(2, 7.0f));
  std::vector<float> three(3);
  BOOST_CHECK_EXCEPTION(file.read(file.tensors()[0], std::span<float>(three)), Error, [](const Error& e) {
    return std::string(e.what()) == "mem: tensor \"d\" holds 2 values, the destination 3";
  });
}

BOOST_AUTO_TEST_CASE(every_fault_of_the_container_is_named) {
  const Bytes four = floats({1, 2});
  BOOST_TEST(parse_error({}) == "file.safetensors: is empty, not a safetensors file");
  BOOST_TEST(parse_error({1, 2, 3}) == "file.safetensors: is 3 bytes: too short for a safetensors header");
  BOOST_TEST(parse_error(Bytes{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, '{', '}'}) ==
             "file.safetensors: announces a header of 4294967295 bytes, more than the 100,000,000 safetensors allows");
  BOOST_TEST(parse_error(Bytes{20, 0, 0, 0, 0, 0, 0, 0, '{', '}'}) ==
             "file.safetensors: announces a header of 20 bytes, but only 2 follow: truncated");
  BOOST_TEST(contains(parse_error(file_with("[1, 2]")), "the header does not start with '{'"));
  BOOST_TEST(contains(parse_error(file_with(R"({"a":1,})")), "the header is not valid JSON: parse error at line 1, column 8"));
  BOOST_TEST(contains(parse_error(file_with("{\"a\xff\":1}")), "the header is not valid JSON"));  // not UTF-8
  BOOST_TEST(parse_error(file_with(std::string_view("{}\0\0", 4), four)) ==
             "file.safetensors: the header is not valid JSON: a NUL byte at offset 10");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                   R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                   four)) == "file.safetensors: the header names \"a\" twice");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                   four)) ==
             "file.safetensors: tensor \"b\": data_offsets [4, 8) overlap the tensor before it, which ends at 8");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", four)) ==
             "file.safetensors: tensor \"a\": data_offsets [4, 8) leave a hole after the tensor before it, which ends at 0");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", four)) ==
             "file.safetensors: tensor \"a\": data_offsets [4, 0) end before they begin");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", four)) ==
             "file.safetensors: tensor \"a\": F32 of shape [3] needs 12 bytes, its data_offsets hold 8");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}})")) ==
             "file.safetensors: tensor \"a\": its shape's size overflows");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", four)) ==
             "file.safetensors: holds 4 bytes after its last tensor");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", four)) ==
             "file.safetensors: is truncated: its tensors need 16 bytes of data, it holds 8");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}})", four)) ==
             "file.safetensors: tensor \"a\": unknown dtype \"F31\"");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[2]}})", four)) ==
             "file.safetensors: tensor \"a\": no data_offsets (an array [begin, end])");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", four)) ==
             "file.safetensors: tensor \"a\": shape[0] is not an unsigned integer");
  BOOST_TEST(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}})", four)) ==
             "file.safetensors: tensor \"a\": data_offsets[1] is not an unsigned integer");
  BOOST_TEST(parse_error(file_with(R"({"a":[1,2]})", four)) == "file.safetensors: tensor \"a\": its entry is not an object");
  BOOST_TEST(parse_error(file_with(R"({"__metadata__":{"k":1}})")) ==
             "file.safetensors: __metadata__ entry \"k\" is not a string");
}

BOOST_AUTO_TEST_CASE(a_lying_header_allocates_nothing_it_announces) {
  // A header announcing 99 MB (within the limit) in a file of a few bytes, and a tensor of 2^40
  // bytes in a file without them: both refused before anything of that size is allocated.
  const Bytes lying_length{0x00, 0x00, 0xe0, 0x05, 0, 0, 0, 0, '{', '}'};
  const Bytes huge_tensor = file_with(R"({"a":{"dtype":"F32","shape":[262144,1048576],"data_offsets":[0,1099511627776]}})");
  typenet::test::largest_allocation = 0;
  const std::string first = parse_error(lying_length);
  const std::string second = parse_error(huge_tensor);
  const std::size_t largest = typenet::test::largest_allocation.load();
  BOOST_TEST(contains(first, "but only 2 follow: truncated"));
  BOOST_TEST(contains(second, "is truncated: its tensors need 1099511627776 bytes of data, it holds 0"));
  BOOST_TEST(largest < 4096u);
}

BOOST_AUTO_TEST_CASE(open_names_the_path_and_the_fault) {
  TempDirectory dir("safetensors");
  BOOST_CHECK_EXCEPTION(Safetensors::open(dir.file("missing.safetensors")), Error, [&](const Error& e) {
    return std::string(e.what()) == dir.file("missing.safetensors") + ": no such file";
  });
  BOOST_CHECK_EXCEPTION(Safetensors::open(dir.path().string()), Error, [&](const Error& e) {
    return std::string(e.what()) == dir.path().string() + ": is a directory, not a safetensors file";
  });
  std::ofstream(dir.file("empty.safetensors")).close();
  BOOST_CHECK_EXCEPTION(Safetensors::open(dir.file("empty.safetensors")), Error, [&](const Error& e) {
    return std::string(e.what()) == dir.file("empty.safetensors") + ": is empty, not a safetensors file";
  });
  // A truncated copy of a good file.
  const std::vector<float> w{1, 2, 3};
  const std::vector<NamedTensor<float>> tensors{{"w", {3}, w}};
  typenet::io::write_safetensors(dir.file("good.safetensors"), std::span<const NamedTensor<float>>(tensors));
  Bytes good = file_bytes(dir.file("good.safetensors"));
  good.pop_back();
  std::ofstream(dir.file("cut.safetensors"), std::ios::binary).write(reinterpret_cast<const char*>(good.data()),
                                                                     static_cast<std::streamsize>(good.size()));
  BOOST_CHECK_EXCEPTION(Safetensors::open(dir.file("cut.safetensors")), Error, [&](const Error& e) {
    return std::string(e.what()) == dir.file("cut.safetensors") + ": is truncated: its tensors need 12 bytes of data, it holds 11";
  });
}

BOOST_AUTO_TEST_CASE(a_refused_save_leaves_the_previous_file) {
  TempDirectory dir("safetensors");
  const std::string path = dir.file("w.safetensors");
  const std::vector<float> w{1, 2, 3};
  const std::vector<NamedTensor<float>> good{{"w", {3}, w}};
  typenet::io::write_safetensors(path, std::span<const NamedTensor<float>>(good));
  const Bytes before = file_bytes(path);
  const std::vector<NamedTensor<float>> twice{{"w", {3}, w}, {"w", {3}, w}};
  BOOST_CHECK_EXCEPTION(typenet::io::write_safetensors(path, std::span<const NamedTensor<float>>(twice)), Error,
                        [](const Error& e) {
                          return std::string(e.what()) == "write_safetensors: the name \"w\" is given twice or reserved";
                        });
  const std::vector<NamedTensor<float>> wrong{{"w", {2, 2}, w}};
  BOOST_CHECK_EXCEPTION(typenet::io::write_safetensors(path, std::span<const NamedTensor<float>>(wrong)), Error,
                        [](const Error& e) {
                          return std::string(e.what()) == "write_safetensors: tensor \"w\" has shape [2 x 2] (4 values) but 3 values";
                        });
  const std::vector<NamedTensor<float>> unnamed{{"", {3}, w}};
  BOOST_CHECK_THROW(typenet::io::write_safetensors(path, std::span<const NamedTensor<float>>(unnamed)), Error);
  BOOST_TEST(file_bytes(path) == before);
  BOOST_CHECK_THROW(typenet::io::write_safetensors(dir.file("no/such/dir/w.safetensors"), std::span<const NamedTensor<float>>(good)),
                    Error);
}

// ---- a model's parameters as a safetensors file ---------------------------------------------------

#include <typenet/typenet.hpp>

namespace {

namespace tn = typenet;
struct Block : tn::Residual<tn::Conv2D<4, 3, 3, tn::Padding::same>, tn::BatchNormalization> {};
struct Small : tn::Sequential<tn::Input<6, 6, 2>, tn::Conv2D<4, 3, 3, tn::Padding::same>, tn::BatchNormalization, tn::ReLU,
                              Block, tn::Flatten, tn::Dense<3>, tn::Softmax> {};
struct Wider : tn::Sequential<tn::Input<6, 6, 2>, tn::Conv2D<5, 3, 3, tn::Padding::same>, tn::BatchNormalization, tn::ReLU,
                              tn::Flatten, tn::Dense<3>, tn::Softmax> {};
using SmallModel = tn::Model<Small, tn::loss::CrossEntropy, tn::optim::Adam>;

template <class M>
std::vector<typename M::scalar> parameters_of(const M& model) {
  return {model.parameters().begin(), model.parameters().end()};
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_model_saves_named_tensors_in_keras_layout_and_loads_them_back) {
  TempDirectory dir("safetensors-model");
  const std::string path = dir.file("small.safetensors");
  SmallModel saved({}, 1);
  saved.save_safetensors(path);
  const Safetensors file = Safetensors::open(path);
  std::vector<std::string> names;
  for (const auto& t : file.tensors()) names.push_back(t.name);
  BOOST_TEST(names == (std::vector<std::string>{"1.kernel", "1.bias", "2.gamma", "2.beta", "2.moving_mean",
                                                "2.moving_variance", "4.b0.1.kernel", "4.b0.1.bias", "4.b0.2.gamma",
                                                "4.b0.2.beta", "4.b0.2.moving_mean", "4.b0.2.moving_variance",
                                                "6.kernel", "6.bias"}));
  BOOST_TEST(file.find("1.kernel")->shape == (std::vector<std::size_t>{3, 3, 2, 4}));  // HWIO, as Keras
  BOOST_TEST(file.find("6.kernel")->shape == (std::vector<std::size_t>{144, 3}));     // inputs x units
  BOOST_TEST((file.find("1.kernel")->dtype == Dtype::F32));
  // The kernel's values are the model's, in the order of its parameter block.
  std::vector<float> kernel(72);
  file.read(*file.find("1.kernel"), std::span<float>(kernel));
  BOOST_TEST((kernel == std::vector<float>(saved.parameters().begin(), saved.parameters().begin() + 72)));

  SmallModel loaded({}, 2);
  BOOST_TEST((parameters_of(loaded) != parameters_of(saved)));
  loaded.load_safetensors(path);
  BOOST_TEST((parameters_of(loaded) == parameters_of(saved)));
  std::array<float, 72> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 7) / 7.0f - 0.4f;
  BOOST_TEST((loaded.predict(x) == saved.predict(x)));  // the packed copies followed

  // A double model writes F64, and reads the float file too.
  tn::Model<Small, tn::loss::CrossEntropy, tn::optim::Adam, double> wide({}, 3);
  wide.load_safetensors(path);
  BOOST_TEST(wide.parameters()[5] == double(saved.parameters()[5]));
  wide.save_safetensors(dir.file("double.safetensors"));
  BOOST_TEST((Safetensors::open(dir.file("double.safetensors")).tensors()[0].dtype == Dtype::F64));
}

BOOST_AUTO_TEST_CASE(a_model_refuses_a_file_that_does_not_fit_and_keeps_its_parameters) {
  TempDirectory dir("safetensors-model");
  SmallModel model({}, 1);
  const std::vector<float> before = parameters_of(model);
  const auto refused = [&](const std::string& path, const std::string& expected) {
    try {
      model.load_safetensors(path);
      BOOST_ERROR("loaded " << path);
    } catch (const Error& error) {
      BOOST_TEST(std::string(error.what()) == path + ": " + expected);
    }
    BOOST_TEST((parameters_of(model) == before));
  };
  // Another architecture: the first tensor whose shape differs is named, with its layer.
  tn::Model<Wider, tn::loss::CrossEntropy, tn::optim::Adam>({}, 1).save_safetensors(dir.file("wider.safetensors"));
  refused(dir.file("wider.safetensors"),
          "tensor \"1.kernel\" has shape [3 x 3 x 2 x 5], layer 1 (Conv2D<4, 3, 3, same>)'s kernel is [3 x 3 x 2 x 4]");

  // A tensor missing, one too many.
  SmallModel({}, 1).save_safetensors(dir.file("good.safetensors"));
  const Safetensors good = Safetensors::open(dir.file("good.safetensors"));
  std::vector<std::vector<float>> values;
  std::vector<NamedTensor<float>> tensors;
  for (const auto& t : good.tensors()) {
    values.emplace_back(t.elements());
    good.read(t, std::span<float>(values.back()));
  }
  for (std::size_t i = 0; i < values.size(); ++i) tensors.push_back({good.tensors()[i].name, good.tensors()[i].shape, values[i]});
  auto without = tensors;
  without.erase(without.begin() + 8);  // 4.b0.2.gamma
  typenet::io::write_safetensors(dir.file("missing.safetensors"), std::span<const NamedTensor<float>>(without));
  refused(dir.file("missing.safetensors"), "has no tensor \"4.b0.2.gamma\" (layer 4 (Block) > branch 0 > layer 2 "
                                           "(BatchNormalization)'s gamma, shape [4])");
  auto extra = tensors;
  const std::vector<float> one{1.0f};
  extra.push_back({"7.kernel", {1}, one});
  typenet::io::write_safetensors(dir.file("extra.safetensors"), std::span<const NamedTensor<float>>(extra));
  refused(dir.file("extra.safetensors"),
          "holds tensor \"7.kernel\", which is none of the model's (they are named \"1.kernel\" and so on: position.tensor; a PyTorch state_dict needs Layout::pytorch)");
  refused(dir.file("absent.safetensors"), "no such file");
}

// ---- a model's parameters from a NumPy .npz archive, as Keras's weights are saved ---------------

#include <zlib.h>

#include <typenet/io/npz.hpp>

namespace {

/// A .npz archive (a zip, members stored) of float32 arrays, as numpy.savez writes one.
Bytes npz_of(const std::vector<std::pair<std::string, const typenet::io::TensorInfo*>>& arrays, const Safetensors& from) {
  Bytes out, directory;
  const auto put = [](Bytes& b, std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) b.push_back(static_cast<unsigned char>(v >> (8 * i)));
  };
  for (const auto& [name, tensor] : arrays) {
    std::string dims = "(";
    for (const std::size_t d : tensor->shape) dims += std::to_string(d) + ", ";
    if (tensor->shape.size() > 1) dims.resize(dims.size() - 2);
    else if (tensor->shape.size() == 1) dims.resize(dims.size() - 1);
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + dims + "), }";
    header.append(63 - (10 + header.size()) % 64, ' ');
    header += '\n';
    Bytes npy{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    put(npy, header.size(), 2);
    npy.insert(npy.end(), header.begin(), header.end());
    const auto raw = from.bytes(*tensor);
    npy.insert(npy.end(), raw.begin(), raw.end());
    const std::string member = name + ".npy";
    const auto crc = ::crc32(0L, npy.data(), static_cast<uInt>(npy.size()));
    const std::size_t local = out.size();
    for (Bytes* b : {&out, &directory}) {
      const bool central = b == &directory;
      put(*b, central ? 0x02014b50 : 0x04034b50, 4);
      if (central) put(*b, 20, 2);  // made by
      put(*b, 20, 2);               // version needed
      put(*b, 0, 2);                // flags
      put(*b, 0, 2);                // stored
      put(*b, 0, 4);                // time and date
      put(*b, crc, 4);
      put(*b, npy.size(), 4);
      put(*b, npy.size(), 4);
      put(*b, member.size(), 2);
      put(*b, 0, 2);  // extra
      if (central) {
        put(*b, 0, 2);  // comment
        put(*b, 0, 2);  // disk
        put(*b, 0, 2);  // internal attributes
        put(*b, 0, 4);  // external attributes
        put(*b, local, 4);
      }
      b->insert(b->end(), member.begin(), member.end());
      if (!central) b->insert(b->end(), npy.begin(), npy.end());
    }
  }
  const std::size_t directory_at = out.size();
  out.insert(out.end(), directory.begin(), directory.end());
  put(out, 0x06054b50, 4);
  put(out, 0, 4);
  put(out, arrays.size(), 2);
  put(out, arrays.size(), 2);
  put(out, directory.size(), 4);
  put(out, directory_at, 4);
  put(out, 0, 2);
  return out;
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_model_loads_keras_weights_saved_with_numpy_in_either_order) {
  TempDirectory dir("npz-model");
  SmallModel keras({}, 7);
  keras.save_safetensors(dir.file("keras.safetensors"));
  const Safetensors source = Safetensors::open(dir.file("keras.safetensors"));
  // Keras 3's model.weights: layer after layer, named by path.
  std::vector<std::pair<std::string, const typenet::io::TensorInfo*>> layered, trainable_first, unnamed;
  for (const auto& t : source.tensors()) {
    const std::string layer = t.name.substr(0, t.name.rfind('.'));
    layered.emplace_back("model/layer_" + layer + "/" + t.name.substr(t.name.rfind('.') + 1), &t);
  }
  // tf.keras's: every trainable weight first, the moving statistics after, named "layer/kernel:0".
  for (const auto& [name, t] : layered)
    if (!name.ends_with("moving_mean") && !name.ends_with("moving_variance")) trainable_first.emplace_back(name + ":0", t);
  for (const auto& [name, t] : layered)
    if (name.ends_with("moving_mean") || name.ends_with("moving_variance")) trainable_first.emplace_back(name + ":0", t);
  // numpy.savez(path, *arrays): arr_0, arr_1, ... in the model's order.
  for (std::size_t i = 0; i < layered.size(); ++i) unnamed.emplace_back("arr_" + std::to_string(i), layered[i].second);

  for (const auto* arrays : {&layered, &trainable_first, &unnamed}) {
    write_bytes(dir.file("w.npz"), npz_of(*arrays, source));
    SmallModel model({}, 8);
    BOOST_TEST((parameters_of(model) != parameters_of(keras)));
    model.load_npz(dir.file("w.npz"));
    BOOST_TEST((parameters_of(model) == parameters_of(keras)));
  }

  // The arrays of an unnamed archive out of order: the first shape that differs is named, with its layer.
  auto swapped = unnamed;
  std::swap(swapped[0], swapped[1]);
  write_bytes(dir.file("swapped.npz"), npz_of(swapped, source));
  SmallModel model({}, 8);
  const std::vector<float> before = parameters_of(model);
  BOOST_CHECK_EXCEPTION(model.load_npz(dir.file("swapped.npz")), Error, [&](const Error& e) {
    return std::string(e.what()) == dir.file("swapped.npz") +
                                        ": array \"arr_1\" has shape [4], layer 1 (Conv2D<4, 3, 3, same>)'s kernel "
                                        "(tensor 1 of the model) is [3 x 3 x 2 x 4]";
  });
  auto fewer = unnamed;
  fewer.pop_back();
  write_bytes(dir.file("fewer.npz"), npz_of(fewer, source));
  BOOST_CHECK_EXCEPTION(model.load_npz(dir.file("fewer.npz")), Error, [&](const Error& e) {
    return std::string(e.what()) == dir.file("fewer.npz") + ": holds 13 arrays, the model has 14 parameter tensors";
  });
  BOOST_TEST((parameters_of(model) == before));
}

// convert_npz writes the weight file Model::save would write after load_npz; an archive that does
// not fit leaves the previous weight file as it was.
BOOST_AUTO_TEST_CASE(convert_npz_writes_the_weight_file_of_what_load_npz_loads) {
  TempDirectory dir("npz-convert");
  SmallModel keras({}, 7);
  keras.save_safetensors(dir.file("keras.safetensors"));
  const Safetensors source = Safetensors::open(dir.file("keras.safetensors"));
  std::vector<std::pair<std::string, const typenet::io::TensorInfo*>> arrays;
  for (const auto& t : source.tensors()) arrays.emplace_back("arr_" + std::to_string(arrays.size()), &t);
  write_bytes(dir.file("w.npz"), npz_of(arrays, source));
  typenet::convert_npz<Small>(dir.file("w.npz"), dir.file("w.tnw"));
  keras.save(dir.file("saved.tnw"));
  BOOST_TEST((file_bytes(dir.file("w.tnw")) == file_bytes(dir.file("saved.tnw"))));
  SmallModel model({}, 8);
  model.load(dir.file("w.tnw"));
  BOOST_TEST((parameters_of(model) == parameters_of(keras)));

  std::swap(arrays[0], arrays[1]);
  write_bytes(dir.file("swapped.npz"), npz_of(arrays, source));
  BOOST_CHECK_THROW(typenet::convert_npz<Small>(dir.file("swapped.npz"), dir.file("w.tnw")), Error);
  BOOST_TEST((file_bytes(dir.file("w.tnw")) == file_bytes(dir.file("saved.tnw"))));
}
