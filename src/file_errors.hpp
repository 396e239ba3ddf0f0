// src/file_errors.hpp: the helpers src/'s file readers share: fail (an Error naming the file), File, dims_text.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <typenet/core/error.hpp>

namespace typenet::detail {

/// Throws an Error reading "<path>: <what>".
[[noreturn]] inline void fail(const std::string& path, const std::string& what) { throw Error(path + ": " + what); }

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
/// A C stream closed when it goes out of scope.
using File = std::unique_ptr<std::FILE, FileCloser>;

/// "3 x 28 x 28".
inline std::string dims_text(const std::vector<std::size_t>& dims) {
  std::string text;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) text += " x ";
    text += std::to_string(dims[i]);
  }
  return text;
}

}  // namespace typenet::detail
