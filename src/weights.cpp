// src/weights.cpp: the weight-file container (header, CRC, atomic save, checked load) and architecture records.
#include <typenet/io/weights.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include <typenet/graph/architecture_check.hpp>

#include "file_errors.hpp"

namespace typenet::io {
namespace {

using detail::fail;

// "\x89TNW\r\n\x1a\n": not text (the high byte), and a file passed through a text-mode
// transfer (line endings rewritten, or cut at ^Z) no longer matches. PNG's trick.
constexpr std::array<unsigned char, 8> magic{0x89, 'T', 'N', 'W', '\r', '\n', 0x1a, '\n'};
constexpr std::size_t header_bytes = 8 + 4 + 4 + 8;  // magic, version, kind, length
constexpr std::size_t trailer_bytes = 4;             // CRC-32

std::string errno_text(int code) { return std::generic_category().message(code); }

std::string hex32(std::uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

/// Writes all of `bytes` to `fd`, through short writes and interrupted calls.
bool write_all(int fd, const unsigned char* bytes, std::size_t n) {
  while (n > 0) {
    const ssize_t written = ::write(fd, bytes, n);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes += written;
    n -= std::size_t(written);
  }
  return true;
}

}  // namespace

std::uint32_t crc32(std::span<const unsigned char> bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes lengths as uInt: feed it in pieces that fit.
  constexpr std::size_t piece = std::size_t{1} << 30;
  for (std::size_t at = 0; at < bytes.size(); at += piece)
    crc = ::crc32(crc, bytes.data() + at, static_cast<uInt>(std::min(piece, bytes.size() - at)));
  return static_cast<std::uint32_t>(crc);
}

void save_file(const std::string& path, FileKind kind, std::span<const unsigned char> body) {
  ByteWriter file;
  for (const unsigned char c : magic) file.u8(c);
  file.u32(format_version);
  file.u32(static_cast<std::uint32_t>(kind));
  file.u64(header_bytes + body.size() + trailer_bytes);
  file.raw(body);
  file.u32(crc32(file.bytes()));

  write_file_atomically(path, file.bytes());
}

void write_file_atomically(const std::string& path, std::span<const unsigned char> bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail(path, "cannot write: is a directory");
  const fs::path target(path);
  const fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");
  // A name no other save (this process or another) uses at the same time.
  static std::atomic<unsigned> counter{0};
  const std::string temporary =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "cannot write: cannot create " + temporary + ": " + errno_text(errno));
  const auto abandon = [&](const std::string& step) {
    const int code = errno;
    ::close(fd);
    ::unlink(temporary.c_str());
    fail(path, "cannot write: " + step + ": " + errno_text(code) + " (the previous file, if any, is untouched)");
  };
  if (!write_all(fd, bytes.data(), bytes.size())) abandon("writing " + temporary);
  if (::fsync(fd) != 0) abandon("flushing " + temporary + " to disk");
  if (::close(fd) != 0) {
    const int code = errno;
    ::unlink(temporary.c_str());
    fail(path, "cannot write: closing " + temporary + ": " + errno_text(code));
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int code = errno;
    ::unlink(temporary.c_str());
    fail(path, "cannot write: renaming " + temporary + " over it: " + errno_text(code));
  }
  // The rename itself is durable once the directory is flushed.
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

FileContents load_file(const std::string& path) {
  return check_file(detail::read_whole_file(path, "a weight file"), path);
}

FileContents check_file(std::vector<unsigned char> bytes, const std::string& name) {
  if (bytes.size() < magic.size() || !std::equal(magic.begin(), magic.end(), bytes.begin()))
    fail(name, bytes.empty() ? "is empty, not a typenet weight file"
                             : "is not a typenet weight file (it does not start with typenet's magic bytes)");
  if (bytes.size() < header_bytes + trailer_bytes)
    fail(name, "is truncated: " + std::to_string(bytes.size()) + " bytes, fewer than a header and checksum take");
  ByteReader header(bytes, name);
  for (std::size_t i = 0; i < magic.size(); ++i) header.u8();
  const std::uint32_t version = header.u32();
  if (version != format_version && version != 1)
    fail(name, "is in format version " + std::to_string(version) + "; this typenet reads versions 1 to " +
                   std::to_string(format_version));
  const std::uint32_t kind = header.u32();
  if (kind != std::uint32_t(FileKind::weights) && kind != std::uint32_t(FileKind::checkpoint))
    fail(name, "has an unknown kind " + std::to_string(kind) + " (1 is weights, 2 is a checkpoint)");
  const std::uint64_t length = header.u64();
  if (bytes.size() < length)
    fail(name, "is truncated: " + std::to_string(bytes.size()) + " bytes of the " + std::to_string(length) +
                   " its header states");
  if (bytes.size() > length)
    fail(name, "has " + std::to_string(bytes.size() - length) + " bytes after its end (its header states " +
                   std::to_string(length) + " bytes)");
  const std::size_t end = bytes.size() - trailer_bytes;
  ByteReader trailer(std::span<const unsigned char>(bytes).subspan(end), name);
  const std::uint32_t stored = trailer.u32();
  const std::uint32_t computed = crc32(std::span<const unsigned char>(bytes.data(), end));
  if (stored != computed)
    fail(name, "is corrupt: its checksum does not match its contents (CRC-32 stored " + hex32(stored) +
                   ", computed " + hex32(computed) + ")");
  return {name, FileKind(kind), version, std::move(bytes), header_bytes, end};
}

void write_architecture(ByteWriter& out, const Architecture& layers) {
  out.u32(static_cast<std::uint32_t>(layers.size()));
  for (const LayerRecord& layer : layers) {
    out.text(layer.kind);
    for (const auto* shape : {&layer.input, &layer.output}) {
      out.u8(static_cast<std::uint8_t>(shape->size()));
      for (const std::uint64_t d : *shape) out.u64(d);
    }
    out.u32(static_cast<std::uint32_t>(layer.tensors.size()));
    for (const auto& tensor : layer.tensors) {
      out.text(tensor.name);
      out.u64(tensor.size);
    }
    out.text(layer.path);
    out.u32(static_cast<std::uint32_t>(layer.sources.size()));
    for (const std::uint64_t source : layer.sources) out.u64(source);
  }
}

Architecture read_architecture(ByteReader& in) {
  // Each layer takes at least 14 bytes (an empty kind, two rank-0 shapes, no tensors; in version
  // 2 also an empty path and no sources, 8 more), each tensor at least 12, each source 8:
  // counts are checked against what is left before anything is sized.
  const bool paths = in.version() >= 2;
  const std::uint32_t count = in.u32();
  if (count > in.remaining() / (paths ? 22 : 14))
    in.fail("announces " + std::to_string(count) + " layers, more than its remaining bytes can hold (corrupt)");
  Architecture layers(count);
  for (LayerRecord& layer : layers) {
    layer.kind = in.text();
    for (auto* shape : {&layer.input, &layer.output}) {
      const std::uint8_t rank = in.u8();
      for (std::uint8_t d = 0; d < rank; ++d) shape->push_back(in.u64());
    }
    const std::uint32_t tensors = in.u32();
    if (tensors > in.remaining() / 12)
      in.fail("announces " + std::to_string(tensors) + " tensors in layer " + layer.kind +
              ", more than its remaining bytes can hold (corrupt)");
    layer.tensors.resize(tensors);
    for (auto& tensor : layer.tensors) {
      tensor.name = in.text();
      tensor.size = in.u64();
    }
    if (paths) {
      layer.path = in.text();
      const std::uint32_t sources = in.u32();
      if (sources > in.remaining() / 8)
        in.fail("announces " + std::to_string(sources) + " inputs of layer " + layer.kind +
                ", more than its remaining bytes can hold (corrupt)");
      layer.sources.resize(sources);
      for (auto& source : layer.sources) source = in.u64();
    }
  }
  if (!paths)  // version 1: every layer at the top, each reading the one before
    for (std::size_t i = 0; i < layers.size(); ++i) {
      layers[i].path = std::to_string(i + 1);
      layers[i].sources = {i};
    }
  return layers;
}

void check_architecture(const std::string& name, const Architecture& file, const Architecture& model) {
  std::string what;
  if (detail::describe_difference(what, file, model, [&](std::size_t i) { return std::string_view(model[i].where); }))
    fail(name, "was saved from a different network: " + what);
}

}  // namespace typenet::io
