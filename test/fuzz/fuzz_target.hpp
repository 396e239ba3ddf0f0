// test/fuzz/fuzz_target.hpp: what the fuzz targets share: libFuzzer's entry point, the input's name, and the checks whose failure is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <typenet/core/error.hpp>

/// Runs the code under test on one input. libFuzzer calls it (with -fsanitize=fuzzer), or driver.cpp.
/// A typenet::Error is the expected outcome of bad input; anything else that escapes, a crash, a
/// hang or a sanitizer report is a finding.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace typenet::fuzz {

/// The name the readers are given for the input, and must put in their messages.
inline const std::string input_name = "fuzz-input";

/// Aborts, which libFuzzer and driver.cpp both report as a crash, unless `condition` holds.
inline void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz target: check failed: %s\n", what);
  std::abort();
}

/// An Error must name the input it rejects, as "<name>: <fault>".
inline void require_named(const Error& error) {
  const std::string_view message = error.what();
  require(message.starts_with(input_name + ": ") && message.size() > input_name.size() + 2,
          "an Error's message names the input and the fault");
}

}  // namespace typenet::fuzz
