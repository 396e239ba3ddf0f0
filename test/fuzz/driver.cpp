// test/fuzz/driver.cpp: main() for a fuzz target built without libFuzzer: runs the corpus, then seeded random mutations
// of it.
//
// usage: fuzz_NAME [-runs=N] [-max_total_time=S] [-seed=N] [-max_len=N] [-timeout=S] [-artifact_prefix=P] CORPUS...
//
// Runs LLVMFuzzerTestOneInput on every file of the CORPUS directories (or files), then on N inputs
// made from them by stacked mutations (bit flips, byte and integer overwrites, truncations,
// insertions, erasures, duplications, splices of two corpus inputs), from a fixed seed, so a run
// is repeatable. It stops after N mutations (-runs, -1: no limit) or S seconds (-max_total_time,
// 0: no limit), whichever comes first. Any exception escaping the target is a finding: the input
// is saved as P + "exception-input" and the exit status is 1. A crash, an abort (a failed check in
// the target) or an input running longer than -timeout saves it as P + "crash-input" or
// P + "timeout-input" and ends the process by that signal; under a sanitizer, its report does the
// same. The corpus is only read.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.hpp"

// Sanitizer runtimes define it; without one it stays null.
extern "C" [[gnu::weak]] void __sanitizer_set_death_callback(void (*callback)());

namespace {

using Bytes = std::vector<std::uint8_t>;

struct Options {
  long long runs = -1;
  double max_total_time = 0;
  std::uint64_t seed = 1;
  std::size_t max_len = 0;  // 0: the longest corpus input, at least 4096 (libFuzzer's rule)
  unsigned timeout = 60;
  std::string artifact_prefix;
  std::vector<std::string> corpus;
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "%s\nusage: fuzz_NAME [-runs=N] [-max_total_time=S] [-seed=N] [-max_len=N] [-timeout=S] "
               "[-artifact_prefix=P] CORPUS...\n",
               problem.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!arg.starts_with("-")) {
      options.corpus.emplace_back(arg);
      continue;
    }
    const std::size_t equals = arg.find('=');
    const std::string_view name = arg.substr(0, equals);
    const std::string value(equals == std::string_view::npos ? "" : arg.substr(equals + 1));
    try {
      if (name == "-artifact_prefix") {
        options.artifact_prefix = value;
        continue;
      }
      std::size_t used = 0;
      if (name == "-runs") {
        options.runs = std::stoll(value, &used);
      } else if (name == "-max_total_time") {
        options.max_total_time = std::stod(value, &used);
      } else if (name == "-seed") {
        options.seed = std::stoull(value, &used);
      } else if (name == "-max_len") {
        options.max_len = std::stoull(value, &used);
      } else if (name == "-timeout") {
        options.timeout = static_cast<unsigned>(std::stoul(value, &used));
      } else {
        usage("unknown option " + std::string(arg));
      }
      if (used != value.size()) throw std::invalid_argument(value);
    } catch (const std::logic_error&) {  // std::invalid_argument, std::out_of_range
      usage("bad value in " + std::string(arg));
    }
  }
  if (options.corpus.empty()) usage("no corpus given");
  return options;
}

/// Every corpus file, directories' files in name order, so a run does not depend on the file system's order.
std::vector<Bytes> read_corpus(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const std::string& path : paths) {
    if (fs::is_directory(path)) {
      std::vector<fs::path> found;
      for (const fs::directory_entry& entry : fs::directory_iterator(path))
        if (entry.is_regular_file()) found.push_back(entry.path());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(path)) {
      files.emplace_back(path);
    } else {
      usage("no such corpus directory or file: " + path);
    }
  }
  std::vector<Bytes> corpus;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return corpus;
}

// --- saving the input that failed: prepared in advance, so the signal handler only calls write ---

const std::uint8_t* current_data = nullptr;
std::size_t current_size = 0;
std::string crash_path, timeout_path;

void save_input(const char* path) {
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  for (std::size_t done = 0; done < current_size;) {
    const ssize_t n = ::write(fd, current_data + done, current_size - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  const char note[] = "fuzz driver: the input is saved as ";
  [[maybe_unused]] ssize_t ignored = ::write(2, note, sizeof note - 1);
  ignored = ::write(2, path, std::char_traits<char>::length(path));
  ignored = ::write(2, "\n", 1);
}

void on_fatal_signal(int signal) {
  save_input(signal == SIGALRM ? timeout_path.c_str() : crash_path.c_str());
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

void on_sanitizer_death() { save_input(crash_path.c_str()); }

/// Saves the input on a crash, an abort or a timeout; a handler a sanitizer installed stays (its
/// report is worth more), and saving then happens in its death callback.
void catch_crashes(const std::string& prefix) {
  crash_path = prefix + "crash-input";
  timeout_path = prefix + "timeout-input";
  for (const int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM}) {
    struct sigaction current {};
    if (sigaction(signal, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) continue;
    std::signal(signal, on_fatal_signal);
  }
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(on_sanitizer_death);
}

// --- mutations ---

class Mutator {
 public:
  Mutator(const std::vector<Bytes>& corpus, std::size_t max_len, std::uint64_t seed)
      : corpus_(corpus), max_len_(max_len), random_(seed) {}

  /// A corpus input with 1 to 8 mutations applied in turn.
  Bytes next() {
    Bytes input = corpus_[below(corpus_.size())];
    for (std::size_t n = 1 + below(8); n > 0; --n) mutate(input);
    if (input.size() > max_len_) input.resize(max_len_);
    return input;
  }

 private:
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(random_() % n) : 0; }

  /// A position in an input of `size` bytes, the first ones likelier: headers sit there.
  std::size_t position(std::size_t size) { return below(below(size) + 1); }

  void mutate(Bytes& input) {
    // Values at the edges of ranges, where size and bounds checks go wrong.
    static constexpr std::uint8_t bytes[] = {0x1f, 0x20, 0x7f, 0x80, 0x8b, 0xfe, 0xff};
    static constexpr std::uint32_t words[] = {0,       1,          2,          3,          4,          28,
                                              255,     256,        3072,       3073,       0x7fff,     0xffff,
                                              0x10000, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xffffffff};
    const std::size_t size = input.size();
    switch (below(10)) {
      case 0:  // flip a bit
        if (size) input[position(size)] ^= static_cast<std::uint8_t>(1u << below(8));
        break;
      case 1:  // any byte value
        if (size) input[position(size)] = static_cast<std::uint8_t>(random_());
        break;
      case 2:  // a small or an edge byte value
        if (size)
          input[position(size)] = below(2) ? static_cast<std::uint8_t>(below(17)) : bytes[below(std::size(bytes))];
        break;
      case 3:  // an edge 32-bit value, big-endian (IDX's byte order), or a value near the input's size
        if (size >= 4) {
          const std::uint32_t word =
              below(4) ? words[below(std::size(words))] : static_cast<std::uint32_t>(size + below(9) - 4);
          const std::size_t at = position(size - 3);
          for (std::size_t i = 0; i < 4; ++i) input[at + i] = static_cast<std::uint8_t>(word >> (24 - 8 * i));
        }
        break;
      case 4:  // truncate
        input.resize(below(size + 1));
        break;
      case 5: {  // erase a range
        const std::size_t at = below(size + 1);
        const std::size_t count = below(std::min<std::size_t>(size - at, 64) + 1);
        input.erase(input.begin() + static_cast<std::ptrdiff_t>(at),
                    input.begin() + static_cast<std::ptrdiff_t>(at + count));
        break;
      }
      case 6: {  // insert random bytes
        const std::size_t at = below(size + 1);
        Bytes inserted(1 + below(16));
        for (std::uint8_t& b : inserted) b = static_cast<std::uint8_t>(random_());
        input.insert(input.begin() + static_cast<std::ptrdiff_t>(at), inserted.begin(), inserted.end());
        break;
      }
      case 7: {  // duplicate a range of the input elsewhere in it
        if (!size) break;
        const std::size_t from = below(size);
        const std::size_t count = 1 + below(std::min<std::size_t>(size - from, 256));
        const Bytes copy(input.begin() + static_cast<std::ptrdiff_t>(from),
                         input.begin() + static_cast<std::ptrdiff_t>(from + count));
        input.insert(input.begin() + static_cast<std::ptrdiff_t>(below(size + 1)), copy.begin(), copy.end());
        break;
      }
      case 8: {  // splice: this input's head, another corpus input's tail
        const Bytes& other = corpus_[below(corpus_.size())];
        const std::size_t from = below(other.size() + 1);
        input.resize(below(size + 1));
        input.insert(input.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      default:  // append random bytes: trailing data
        for (std::size_t n = 1 + below(8); n > 0; --n) input.push_back(static_cast<std::uint8_t>(random_()));
        break;
    }
  }

  const std::vector<Bytes>& corpus_;
  std::size_t max_len_;
  std::mt19937_64 random_;  // the standard fixes its sequence, so a seed means the same inputs everywhere
};

/// Runs the target on one input; false if an exception escaped it (the input is then saved).
bool run_one(const Bytes& input, const Options& options) {
  current_data = input.data();
  current_size = input.size();
  ::alarm(options.timeout);
  bool escaped = true;
  try {
    LLVMFuzzerTestOneInput(input.data(), input.size());
    escaped = false;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "fuzz driver: an exception escaped the target: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "fuzz driver: an exception of unknown type escaped the target\n");
  }
  ::alarm(0);
  if (escaped) save_input((options.artifact_prefix + "exception-input").c_str());
  current_data = nullptr;
  current_size = 0;
  return !escaped;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  std::vector<Bytes> corpus = read_corpus(options.corpus);
  const std::size_t corpus_inputs = corpus.size();
  catch_crashes(options.artifact_prefix);
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };

  for (const Bytes& input : corpus)
    if (!run_one(input, options)) return 1;

  std::size_t max_len = options.max_len;
  if (max_len == 0) {
    max_len = 4096;
    for (const Bytes& input : corpus) max_len = std::max(max_len, input.size());
  }
  if (corpus.empty()) corpus.emplace_back();  // mutations of the empty input
  Mutator mutator(corpus, max_len, options.seed);
  long long runs = 0;
  while ((options.runs < 0 || runs < options.runs) &&
         (options.max_total_time <= 0 || seconds() < options.max_total_time)) {
    if (!run_one(mutator.next(), options)) return 1;
    ++runs;
  }
  std::printf("fuzz driver: %zu corpus inputs and %lld mutations (seed %llu) in %.1f s, no findings\n", corpus_inputs,
              runs, static_cast<unsigned long long>(options.seed), seconds());
  return 0;
}
