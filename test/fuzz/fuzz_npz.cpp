// test/fuzz/fuzz_npz.cpp: the fuzz target of Npz::parse: any bytes give arrays whose data fits their shape and dtype, or an Error.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <typenet/core/error.hpp>
#include <typenet/io/npz.hpp>

#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using typenet::fuzz::require;
  std::optional<typenet::io::Npz> npz;
  try {
    npz.emplace(typenet::io::Npz::parse(std::span<const unsigned char>(data, size), typenet::fuzz::input_name));
  } catch (const typenet::Error& error) {
    typenet::fuzz::require_named(error);
    return 0;
  }
  for (const typenet::io::Npz::Array& array : npz->arrays()) {
    require(npz->find(array.name) == &array, "every name is found, and names one array");
    std::size_t count = 1;
    for (const std::size_t dim : array.shape) count *= dim;  // checked against overflow by the reader
    require(count == array.elements(), "an array holds what its shape announces");
    std::vector<double> out(count);
    try {
      npz->read(array, std::span<double>(out));
    } catch (const typenet::Error& error) {
      typenet::fuzz::require_named(error);
    }
  }
  return 0;
}
