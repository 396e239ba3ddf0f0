// test/unit/temp_directory.hpp: TempDirectory, a fresh directory under the system's temporary directory, removed with its contents at scope exit; file_bytes, a file's bytes.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace typenet::test {

class TempDirectory {
 public:
  /// Creates <tmp>/typenet-<tag>-<pid>-<random>; the pid and a random number keep parallel test
  /// runs, and reruns after a crash that left a directory behind, from colliding.
  explicit TempDirectory(std::string_view tag = "test") {
    std::random_device entropy;
    for (int attempt = 0;; ++attempt) {
      path_ = std::filesystem::temp_directory_path() /
              ("typenet-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" + std::to_string(entropy()));
      if (std::filesystem::create_directory(path_)) break;  // false: it existed already, draw again
      if (attempt == 100) throw std::filesystem::filesystem_error("cannot create a fresh directory", path_, {});
    }
  }
  ~TempDirectory() {
    std::error_code ignored;  // cleanup must not throw from a destructor
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// The path of `name` inside the directory, as the string the readers take.
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// The bytes of the file at `path` (none if it cannot be read).
inline std::vector<unsigned char> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace typenet::test
