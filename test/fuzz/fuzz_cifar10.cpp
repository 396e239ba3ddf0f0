// test/fuzz/fuzz_cifar10.cpp: the fuzz target of read_cifar10: any bytes give one sample per 3,073-byte record, or an Error.
#include <cstddef>
#include <cstdint>
#include <span>
#include <typenet/core/error.hpp>
#include <typenet/data/cifar10.hpp>

#include "fuzz_target.hpp"

using typenet::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const typenet::data::ImageSet32 set = typenet::data::read_cifar10(std::span(data, size), typenet::fuzz::input_name);
    require(set.size() * 3073 == size, "one sample per 3,073-byte record");
    for (std::size_t s = 0; s < set.size(); ++s) {
      float sum = 0.0f;
      for (const float t : set.target(s)) {
        require(t == 0.0f || t == 1.0f, "targets are one-hot");
        sum += t;
      }
      require(sum == 1.0f, "each target has exactly one class");
      require(set.target(s)[data[s * 3073]] == 1.0f, "the target's class is the record's label");
    }
  } catch (const typenet::Error& error) {
    typenet::fuzz::require_named(error);
  }
  return 0;
}
