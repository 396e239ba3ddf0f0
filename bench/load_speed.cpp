// bench/load_speed.cpp: what loading a 100 MB safetensors file costs, beside a plain read() of the same file.
//
// usage: load_speed [ROUNDS] [DIR]   (ROUNDS: default 15; DIR: where the files go, default the temp directory)
//
// Saves a network of 25 million float parameters (100 MB) once in typenet's layout and once in
// PyTorch's, then times, interleaved, ROUNDS times each, with the files in the page cache:
//   read             open, read() into a buffer allocated for the round, close, free: the floor;
//   load             Model::load_safetensors(path): map, check, convert, swap in, pack;
//   load (pytorch)   load_safetensors(path, Layout::pytorch): the same with the kernel transposed;
//   load (packed)    a network whose 100 MB Dense is not the first layer, so a load also packs
//                    (transposes) its kernel for the input gradient (exec/packed_weights.hpp).
// A first-layer Dense is not packed, so `load` is the reader's own cost. Prints a markdown
// table: median and fastest time, and the ratio of medians to the read's (issue 17 asks for at
// most 1.10 for `load`). Not a test: the figures depend on the machine and its load.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <typenet/typenet.hpp>

namespace tn = typenet;

namespace {

// 5000 x 5000 + 5000 floats: 100.0 MB. Its only Dense is the first layer: nothing to pack.
struct Big : tn::Sequential<tn::Input<5000>, tn::Dense<5000>> {};
// The same Dense behind a small one: it is packed after every load.
struct Stacked : tn::Sequential<tn::Input<8>, tn::Dense<5000>, tn::Dense<5000>> {};

template <class Net>
using ModelOf = tn::Model<Net, tn::loss::MeanSquaredError, tn::optim::SGD>;

/// The plain read a load is measured against: a fresh buffer (new[], or 2 MiB-aligned and advised
/// to use transparent huge pages as a model's parameters are), filled by read(), then freed.
std::size_t plain_read(const std::string& path, bool huge_pages) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  const auto size = static_cast<std::size_t>(std::filesystem::file_size(path));
  constexpr std::size_t huge = std::size_t(2) << 20;
  const std::size_t align = huge_pages ? huge : alignof(std::max_align_t);
  const auto free = [align](unsigned char* p) { ::operator delete[](p, std::align_val_t{align}); };
  std::unique_ptr<unsigned char[], decltype(free)> buffer(
      static_cast<unsigned char*>(::operator new[](size, std::align_val_t{align})), free);
  if (huge_pages) ::madvise(buffer.get(), size / huge * huge, MADV_HUGEPAGE);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, buffer.get() + done, size - done);
    if (n <= 0) throw std::runtime_error("cannot read " + path);
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return done + buffer[size / 2];  // keeps the read from being dropped
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

struct Series {
  const char* what;
  std::vector<double> ms;
  double median() const {
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }
  double fastest() const { return *std::min_element(ms.begin(), ms.end()); }
};

template <class F>
double time_ms(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  const std::filesystem::path dir = (argc > 2 ? std::filesystem::path(argv[2]) : std::filesystem::temp_directory_path()) /
                                    ("typenet_load_speed_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string keras = dir / "big.safetensors", torch = dir / "big_pytorch.safetensors",
                    stacked_file = dir / "stacked.safetensors";

  auto big = std::make_unique<ModelOf<Big>>(tn::optim::SGD::Options{}, 1);
  auto stacked = std::make_unique<ModelOf<Stacked>>(tn::optim::SGD::Options{}, 1);
  big->save_safetensors(keras);
  big->save_safetensors(torch, tn::Layout::pytorch);
  stacked->save_safetensors(stacked_file);
  const std::vector<float> saved(big->parameters().begin(), big->parameters().end());
  const double mb = double(std::filesystem::file_size(keras)) / 1e6;

  std::size_t sink = 0;
  Series read{"read", {}}, read_huge{"read (huge pages)", {}}, load{"load", {}}, load_torch{"load (pytorch)", {}},
      load_packed{"load (packed)", {}};
  for (int r = -1; r < rounds; ++r) {  // round -1 warms the page cache and the allocator, untimed
    const double a = time_ms([&] { sink += plain_read(keras, false); });
    const double h = time_ms([&] { sink += plain_read(keras, true); });
    const double b = time_ms([&] { big->load_safetensors(keras); });
    const double c = time_ms([&] { big->load_safetensors(torch, tn::Layout::pytorch); });
    const double d = time_ms([&] { stacked->load_safetensors(stacked_file); });
    if (r < 0) continue;
    read.ms.push_back(a), read_huge.ms.push_back(h), load.ms.push_back(b), load_torch.ms.push_back(c),
        load_packed.ms.push_back(d);
  }
  const bool same = std::equal(saved.begin(), saved.end(), std::as_const(*big).parameters().begin());
  std::filesystem::remove_all(dir);
  if (!same || sink == 0) {
    std::fputs("load_speed: the loaded parameters differ from the saved ones\n", stderr);
    return 1;
  }

  std::printf("CPU: %s; file %.1f MB (25,005,000 floats), page cache warm, %d rounds, interleaved\n\n",
              cpu_model().c_str(), mb, rounds);
  std::printf("| what | median ms | fastest ms | median / read | median / read (huge pages) | GB/s (median) |\n"
              "|---|---|---|---|---|---|\n");
  for (const Series* s : {&read, &read_huge, &load, &load_torch, &load_packed})
    std::printf("| %s | %.1f | %.1f | %.2fx | %.2fx | %.1f |\n", s->what, s->median(), s->fastest(),
                s->median() / read.median(), s->median() / read_huge.median(), mb / s->median());
  return 0;
}
