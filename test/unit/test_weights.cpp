// Weight files and checkpoints: round trips, the format's header, a clear error for every kind
// of bad file (and the model untouched after it), atomic saves that survive SIGKILL, resuming a
// killed training run bitwise, and training stopped by a NaN or infinite loss or gradient.
#define BOOST_TEST_MODULE weights
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <typenet/typenet.hpp>

#include "temp_directory.hpp"
#include "weights_child.hpp"

namespace tn = typenet;
namespace fs = std::filesystem;
using tn::Shape;
using tn::test::file_bytes;

namespace {


void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

std::uint64_t field(const std::vector<unsigned char>& bytes, std::size_t at, std::size_t size) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < size; ++i) v |= std::uint64_t{bytes[at + i]} << (8 * i);
  return v;
}

/// Rewrites the trailing CRC-32 so that a deliberately edited file passes the checksum and
/// reaches the check under test.
void fix_crc(std::vector<unsigned char>& bytes) {
  const std::uint32_t crc = tn::io::crc32(std::span<const unsigned char>(bytes.data(), bytes.size() - 4));
  for (std::size_t i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<unsigned char>(crc >> (8 * i));
}

template <class M>
std::vector<float> parameters_of(const M& model) {
  return {model.parameters().begin(), model.parameters().end()};
}

/// Checks that loading `path` into `model` throws an Error whose message contains each of
/// `parts`, and leaves the model's parameters exactly as they were.
template <class M>
void expect_load_error(M& model, const std::string& path, std::initializer_list<std::string> parts) {
  const auto before = parameters_of(model);
  try {
    model.load(path);
    BOOST_ERROR("loading " << path << " succeeded; expected an error");
  } catch (const tn::Error& e) {
    const std::string message = e.what();
    for (const auto& part : parts) BOOST_TEST(message.find(part) != std::string::npos, "'" << part << "' not in: " << message);
  }
  BOOST_TEST((parameters_of(model) == before), "a failed load changed the model");
}

struct MlpA : tn::Sequential<tn::Input<20>, tn::Dense<16>, tn::ReLU, tn::Dense<64>, tn::ReLU, tn::Dense<4>, tn::Softmax> {};
struct MlpB : tn::Sequential<tn::Input<20>, tn::Dense<16>, tn::ReLU, tn::Dense<128>, tn::ReLU, tn::Dense<4>, tn::Softmax> {};
struct MlpWider : tn::Sequential<tn::Input<40>, tn::Dense<16>, tn::ReLU, tn::Dense<64>, tn::ReLU, tn::Dense<4>, tn::Softmax> {};
struct MlpShorter : tn::Sequential<tn::Input<20>, tn::Dense<16>, tn::ReLU, tn::Dense<64>, tn::ReLU> {};
struct Cnn : tn::Sequential<tn::Input<8, 8, 2>, tn::Conv2D<3, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<5>> {};

using ModelA = tn::Model<MlpA, tn::loss::CrossEntropy, tn::optim::Adam>;

/// The path of the child program (weights_child.cpp), from the test's environment.
std::string child_program() {
  const char* path = std::getenv("TYPENET_WEIGHTS_CHILD");
  BOOST_REQUIRE_MESSAGE(path && fs::exists(path), "TYPENET_WEIGHTS_CHILD must name the weights_child program");
  return path;
}

/// A child process running the child program, its stdout readable through a pipe.
struct Child {
  pid_t pid = -1;
  std::FILE* out = nullptr;

  explicit Child(const std::vector<std::string>& args) {
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {  // only async-signal-safe calls until exec
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out = ::fdopen(fds[0], "r");
  }
  ~Child() {
    if (out) std::fclose(out);
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  /// The next line of its stdout, or "" at its end.
  std::string line() {
    char buffer[1024];
    return std::fgets(buffer, sizeof buffer, out) ? std::string(buffer) : std::string();
  }
  /// Waits for it to end; returns its exit status, or -signal when a signal ended it.
  int wait() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  void kill() { ::kill(pid, SIGKILL); }
};

}  // namespace

// ---- round trips and the format ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(save_then_load_gives_the_same_model) {
  tn::test::TempDirectory dir("weights-roundtrip");
  ModelA saved({}, 1);
  saved.save(dir.file("a.tnw"));
  ModelA loaded({}, 2);
  BOOST_TEST((parameters_of(loaded) != parameters_of(saved)));
  loaded.load(dir.file("a.tnw"));
  BOOST_TEST((parameters_of(loaded) == parameters_of(saved)));
  std::array<float, 20> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i) / 20.0f - 0.5f;
  BOOST_TEST((loaded.predict(x) == saved.predict(x)));  // the packed copies followed

  tn::Model<Cnn, tn::loss::MeanSquaredError, tn::optim::SGD, double> cnn({}, 3), cnn_loaded({}, 4);
  cnn.save(dir.file("cnn.tnw"));
  cnn_loaded.load(dir.file("cnn.tnw"));
  BOOST_TEST((std::vector<double>(cnn_loaded.parameters().begin(), cnn_loaded.parameters().end()) ==
              std::vector<double>(cnn.parameters().begin(), cnn.parameters().end())));
}

BOOST_AUTO_TEST_CASE(header_is_as_documented) {
  tn::test::TempDirectory dir("weights-header");
  ModelA model({}, 1);
  model.save(dir.file("a.tnw"));
  const auto bytes = file_bytes(dir.file("a.tnw"));
  const unsigned char magic[] = {0x89, 'T', 'N', 'W', '\r', '\n', 0x1a, '\n'};
  BOOST_TEST(std::equal(std::begin(magic), std::end(magic), bytes.begin()));
  BOOST_TEST(field(bytes, 8, 4) == 2u);             // format version
  BOOST_TEST(field(bytes, 12, 4) == 1u);            // kind: weights
  BOOST_TEST(field(bytes, 16, 8) == bytes.size());  // total length
  BOOST_TEST(field(bytes, bytes.size() - 4, 4) == tn::io::crc32(std::span(bytes.data(), bytes.size() - 4)));
  // The body: the scalar type, then the architecture, then the values.
  BOOST_TEST(field(bytes, 24, 4) == 7u);
  BOOST_TEST(std::string(bytes.begin() + 28, bytes.begin() + 35) == "float32");
  BOOST_TEST(field(bytes, 35, 4) == MlpA::layer_count);
  // Every parameter is there once, as 4 bytes, and nothing else is large.
  BOOST_TEST(bytes.size() > MlpA::parameter_count * 4);
  BOOST_TEST(bytes.size() < MlpA::parameter_count * 4 + 600);
  // A known CRC-32: the check value of the standard ("123456789").
  const std::string check = "123456789";
  BOOST_TEST(tn::io::crc32(std::span(reinterpret_cast<const unsigned char*>(check.data()), check.size())) == 0xcbf43926u);
}

BOOST_AUTO_TEST_CASE(architecture_names_every_layer) {
  const auto layers = tn::Model<Cnn, tn::loss::MeanSquaredError, tn::optim::SGD>::architecture();
  BOOST_REQUIRE(layers.size() == 5u);
  BOOST_TEST(layers[0].kind == "Conv2D<3, 3, 3>");
  BOOST_TEST((layers[0].input == std::vector<std::uint64_t>{8, 8, 2}));
  BOOST_TEST((layers[0].output == std::vector<std::uint64_t>{6, 6, 3}));
  BOOST_REQUIRE(layers[0].tensors.size() == 2u);
  BOOST_TEST(layers[0].tensors[0].name == "kernel");
  BOOST_TEST(layers[0].tensors[0].size == 3u * 3 * 2 * 3);
  BOOST_TEST(layers[2].kind == "MaxPool2D<2, 2>");
  BOOST_TEST(layers[2].tensors.empty());
  BOOST_TEST(layers[4].kind == "Dense<5>");
}

// ---- bad files ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(another_architecture_names_the_first_differing_layer) {
  tn::test::TempDirectory dir("weights-architecture");
  tn::Model<MlpB, tn::loss::CrossEntropy, tn::optim::Adam>({}, 1).save(dir.file("b.tnw"));
  tn::Model<MlpWider, tn::loss::CrossEntropy, tn::optim::Adam>({}, 1).save(dir.file("wider.tnw"));
  tn::Model<MlpShorter, tn::loss::MeanSquaredError, tn::optim::Adam>({}, 1).save(dir.file("shorter.tnw"));
  tn::Model<Cnn, tn::loss::MeanSquaredError, tn::optim::Adam>({}, 1).save(dir.file("cnn.tnw"));
  ModelA model({}, 7);
  expect_load_error(model, dir.file("b.tnw"), {dir.file("b.tnw"), "layer 3: file has Dense<128>, model expects Dense<64>"});
  expect_load_error(model, dir.file("wider.tnw"), {"layer 1 (Dense<16>): in the file it receives (40,), in the model (20,)"});
  expect_load_error(model, dir.file("shorter.tnw"),
                    {"file has 4 layers, model has 6: layer 5 (Dense<4>) is missing from the file"});
  expect_load_error(model, dir.file("cnn.tnw"), {"layer 1: file has Conv2D<3, 3, 3>, model expects Dense<16>"});
  tn::Model<MlpShorter, tn::loss::MeanSquaredError, tn::optim::Adam> shorter({}, 1);
  model.save(dir.file("a.tnw"));
  expect_load_error(shorter, dir.file("a.tnw"), {"file has 6 layers, model has 4: layer 5 (Dense<4>) is not in the model"});
}

// ---- networks with blocks ----------------------------------------------------------------------

template <std::size_t C>
struct Down : tn::Residual<tn::Chain<tn::Conv2D<C, 3, 3, tn::Padding::same, 2>, tn::BatchNormalization, tn::ReLU,
                                     tn::Conv2D<C, 3, 3, tn::Padding::same>>,
                           tn::Shortcut<tn::Conv2D<C, 1, 1, tn::Padding::valid, 2>>> {};
template <std::size_t C>
struct DownWide : tn::Residual<tn::Chain<tn::Conv2D<2 * C, 3, 3, tn::Padding::same, 2>, tn::BatchNormalization,
                                         tn::ReLU, tn::Conv2D<C, 3, 3, tn::Padding::same>>,
                               tn::Shortcut<tn::Conv2D<C, 1, 1, tn::Padding::valid, 2>>> {};
struct Blocky : tn::Sequential<tn::Input<8, 8, 2>, tn::Conv2D<4, 3, 3, tn::Padding::same>, tn::ReLU, Down<6>, tn::ReLU,
                               tn::Flatten, tn::Dense<3>, tn::Softmax> {};
struct BlockyWide : tn::Sequential<tn::Input<8, 8, 2>, tn::Conv2D<4, 3, 3, tn::Padding::same>, tn::ReLU, DownWide<6>,
                                   tn::ReLU, tn::Flatten, tn::Dense<3>, tn::Softmax> {};
struct Side : tn::Concat<tn::Dense<3>, tn::Dense<3>> {};
struct Pair : tn::Add<tn::Dense<3>, tn::Dense<3>> {};
struct Joined : tn::Sequential<tn::Input<6>, Side, tn::Dense<2>> {};
struct Summed : tn::Sequential<tn::Input<6>, Pair, tn::Dense<2>> {};
struct Deeper : tn::Add<tn::Dense<3>, tn::Chain<tn::Dense<3>, tn::ReLU>> {};
struct SummedDeeper : tn::Sequential<tn::Input<6>, Deeper, tn::Dense<2>> {};

BOOST_AUTO_TEST_CASE(blocks_round_trip_and_are_named_by_their_path) {
  tn::test::TempDirectory dir("weights-blocks");
  using M = tn::Model<Blocky, tn::loss::CrossEntropy, tn::optim::Adam>;
  M saved({}, 3);
  saved.save(dir.file("blocky.tnw"));
  M loaded({}, 4);
  loaded.load(dir.file("blocky.tnw"));
  BOOST_TEST((parameters_of(loaded) == parameters_of(saved)));
  const auto records = M::architecture();
  BOOST_TEST(records[3].path == "3.b0.2");  // Down's BatchNormalization
  BOOST_TEST(records[7].path == "3.m");
  BOOST_TEST((records[7].sources == std::vector<std::uint64_t>{6, 7}));

  // The first differing layer, by its path: the body's first convolution.
  tn::Model<BlockyWide, tn::loss::CrossEntropy, tn::optim::Adam> wide({}, 5);
  expect_load_error(wide, dir.file("blocky.tnw"),
                    {"layer 3 (DownWide<6>) > branch 0 > layer 1: file has Conv2D<6, 3, 3, same, 2, 2>, model expects "
                     "Conv2D<12, 3, 3, same, 2, 2>"});
}

BOOST_AUTO_TEST_CASE(the_same_layers_joined_otherwise_are_refused) {
  tn::test::TempDirectory dir("weights-joins");
  tn::Model<Joined, tn::loss::MeanSquaredError, tn::optim::Adam>({}, 1).save(dir.file("joined.tnw"));
  tn::Model<Summed, tn::loss::MeanSquaredError, tn::optim::Adam>({}, 1).save(dir.file("summed.tnw"));
  tn::Model<Summed, tn::loss::MeanSquaredError, tn::optim::Adam> summed({}, 2);
  expect_load_error(summed, dir.file("joined.tnw"), {"layer 1 (Pair) > Add: file has Concat, model expects Add"});
  tn::Model<SummedDeeper, tn::loss::MeanSquaredError, tn::optim::Adam> deeper({}, 2);
  expect_load_error(deeper, dir.file("summed.tnw"), {"layer 1 (Deeper) > branch 1 > layer 2: file has Add, model expects ReLU"});
}

/// A weight file of format version 1 (docs/weight-format.md: no paths, no sources), written by
/// hand from a model's records and values.
template <class M>
std::vector<unsigned char> version_one_file(const M& model) {
  tn::io::ByteWriter body;
  body.text("float32");
  const auto records = M::architecture();
  body.u32(static_cast<std::uint32_t>(records.size()));
  for (const auto& layer : records) {
    body.text(layer.kind);
    for (const auto* shape : {&layer.input, &layer.output}) {
      body.u8(static_cast<std::uint8_t>(shape->size()));
      for (const std::uint64_t d : *shape) body.u64(d);
    }
    body.u32(static_cast<std::uint32_t>(layer.tensors.size()));
    for (const auto& tensor : layer.tensors) {
      body.text(tensor.name);
      body.u64(tensor.size);
    }
  }
  tn::detail::for_each_tensor(tn::detail::network_facts<typename M::network>, model.parameters().data(),
                              [&](const float* values, std::size_t size) { body.values(values, size); });
  tn::io::ByteWriter file;
  const unsigned char magic[] = {0x89, 'T', 'N', 'W', '\r', '\n', 0x1a, '\n'};
  for (const unsigned char c : magic) file.u8(c);
  file.u32(1);
  file.u32(1);
  file.u64(24 + body.bytes().size() + 4);
  file.raw(body.bytes());
  file.u32(tn::io::crc32(file.bytes()));
  return file.bytes();
}

BOOST_AUTO_TEST_CASE(version_one_files_still_load) {
  tn::test::TempDirectory dir("weights-v1");
  const ModelA saved({}, 6);
  write_bytes(dir.file("v1.tnw"), version_one_file(saved));
  ModelA loaded({}, 7);
  loaded.load(dir.file("v1.tnw"));
  BOOST_TEST((parameters_of(loaded) == parameters_of(saved)));
  // A network with blocks cannot have been saved in version 1: its first block is refused.
  tn::Model<Summed, tn::loss::MeanSquaredError, tn::optim::Adam> summed({}, 2);
  const tn::Model<Joined, tn::loss::MeanSquaredError, tn::optim::Adam> joined({}, 1);
  write_bytes(dir.file("joined-v1.tnw"), version_one_file(joined));
  expect_load_error(summed, dir.file("joined-v1.tnw"), {"layer 1 (Pair) > branch 0 > layer 1 (Dense<3>)",
                                                        "in the file it sits at 1 of the blocks, in the model at 1.b0.1"});
}

BOOST_AUTO_TEST_CASE(bad_files_get_clear_errors_and_leave_the_model_alone) {
  tn::test::TempDirectory dir("weights-bad");
  const std::string good = dir.file("good.tnw");
  ModelA({}, 1).save(good);
  const auto bytes = file_bytes(good);
  ModelA model({}, 9);

  expect_load_error(model, dir.file("missing.tnw"), {"missing.tnw", "no such file"});
  expect_load_error(model, dir.path().string(), {"is a directory"});
  write_bytes(dir.file("empty.tnw"), {});
  expect_load_error(model, dir.file("empty.tnw"), {"empty.tnw", "is empty"});
  write_bytes(dir.file("text.tnw"), {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'});
  expect_load_error(model, dir.file("text.tnw"), {"is not a typenet weight file"});

  // Truncated anywhere: inside the header, the body, the checksum.
  for (const std::size_t length : {std::size_t{10}, std::size_t{30}, bytes.size() / 2, bytes.size() - 1}) {
    write_bytes(dir.file("cut.tnw"), std::vector<unsigned char>(bytes.begin(), bytes.begin() + std::ptrdiff_t(length)));
    expect_load_error(model, dir.file("cut.tnw"), {"cut.tnw", "truncated"});
  }
  auto longer = bytes;
  longer.push_back(0);
  write_bytes(dir.file("long.tnw"), longer);
  expect_load_error(model, dir.file("long.tnw"), {"1 bytes after its end"});

  // One flipped bit anywhere after the header is caught by the checksum.
  for (const std::size_t at : {std::size_t{30}, std::size_t{100}, bytes.size() / 2, bytes.size() - 2}) {
    auto corrupt = bytes;
    corrupt[at] ^= 0x10;
    write_bytes(dir.file("corrupt.tnw"), corrupt);
    expect_load_error(model, dir.file("corrupt.tnw"), {"corrupt.tnw", "is corrupt", "checksum"});
  }

  auto version = bytes;
  version[8] = 9;
  write_bytes(dir.file("version.tnw"), version);
  expect_load_error(model, dir.file("version.tnw"), {"format version 9", "reads versions 1 to 2"});

  auto kind = bytes;
  kind[12] = 7;
  write_bytes(dir.file("kind.tnw"), kind);
  expect_load_error(model, dir.file("kind.tnw"), {"unknown kind 7"});

  // A well-formed file of doubles, for a float model.
  tn::Model<MlpA, tn::loss::CrossEntropy, tn::optim::Adam, double>({}, 1).save(dir.file("double.tnw"));
  expect_load_error(model, dir.file("double.tnw"), {"holds float64 parameters", "float32"});

  // Lies that pass the checksum: the parser still checks every count against the bytes left.
  auto layers = bytes;
  layers[35] = 0xff, layers[36] = 0xff, layers[37] = 0xff, layers[38] = 0x7f;
  fix_crc(layers);
  write_bytes(dir.file("layers.tnw"), layers);
  expect_load_error(model, dir.file("layers.tnw"), {"layers, more than its remaining bytes can hold"});
  auto trailing = bytes;
  trailing.insert(trailing.end() - 4, {1, 2, 3});
  for (std::size_t i = 0; i < 8; ++i) trailing[16 + i] = static_cast<unsigned char>(trailing.size() >> (8 * i));
  fix_crc(trailing);
  write_bytes(dir.file("trailing.tnw"), trailing);
  expect_load_error(model, dir.file("trailing.tnw"), {"3 unexpected bytes after the parameters"});

  // After all that, the good file still loads.
  model.load(good);
  BOOST_TEST((parameters_of(model) == parameters_of(ModelA({}, 1))));
}

BOOST_AUTO_TEST_CASE(saving_where_it_cannot_is_an_error) {
  tn::test::TempDirectory dir("weights-unwritable");
  ModelA model({}, 1);
  BOOST_CHECK_EXCEPTION(model.save(dir.file("no/such/dir/a.tnw")), tn::Error, [](const tn::Error& e) {
    return std::string(e.what()).find("cannot write") != std::string::npos;
  });
  BOOST_CHECK_EXCEPTION(model.save(dir.path().string()), tn::Error, [](const tn::Error& e) {
    return std::string(e.what()).find("is a directory") != std::string::npos;
  });
}

// ---- atomic saves ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_save_killed_midway_leaves_the_previous_file) {
  tn::test::TempDirectory dir("weights-killed-save");
  const std::string path = dir.file("big.tnw");
  auto model = std::make_unique<tn::testing::BigModel>();
  model->save(path);  // the previous good file
  const auto temporaries = [&] {
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(dir.path()))
      if (entry.path().filename().string().starts_with("big.tnw.tmp-")) found.push_back(entry.path());
    return found;
  };
  constexpr int attempts = 6;
  std::size_t interrupted = 0;  // kills that left a temporary file: they came mid-save
  for (int attempt = 0; attempt < attempts; ++attempt) {
    {
      Child child({child_program(), "save-loop", path});
      // Kill as soon as a save's temporary file exists: while it is written, flushed or renamed
      // (however slow a sanitizer makes the child), never by luck of timing.
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (temporaries().empty() && std::chrono::steady_clock::now() < give_up) {
      }
      if (attempt % 2) std::this_thread::sleep_for(std::chrono::milliseconds(attempt));  // a little later in the save
      child.kill();
      BOOST_TEST(child.wait() == -SIGKILL);
    }
    const auto left = temporaries();
    interrupted += !left.empty();
    for (const auto& file : left) fs::remove(file);
    // Whatever the moment of the kill, the file is a whole save: the old one or a newer one.
    BOOST_CHECK_NO_THROW(model->load(path));
  }
  BOOST_TEST_MESSAGE(interrupted << " of " << attempts << " kills came during a save");
  BOOST_TEST(interrupted > 0u, "no kill came during a save: the test proved nothing");
}

// ---- checkpoints -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(resuming_a_checkpoint_ends_bitwise_as_an_uninterrupted_run) {
  tn::test::TempDirectory dir("weights-resume");
  const auto data = tn::testing::quarters(600, 11);
  using M = tn::testing::SmallModel;
  auto options = tn::testing::checkpoint_options("");
  options.epochs = 6;
  options.resume = false;
  M straight({}, 3);
  const tn::History full = straight.fit(data, options);

  options.checkpoint = dir.file("run.tnc");
  options.checkpoint_every = 2;
  options.epochs = 4;
  M first({}, 3);
  first.fit(data, options);  // checkpoints after epochs 2 and 4
  options.epochs = 6;
  options.resume = true;
  M second({}, 99);  // another seed: everything must come from the checkpoint
  const tn::History resumed = second.fit(data, options);
  BOOST_TEST(resumed.resumed_after == 4u);
  BOOST_REQUIRE(resumed.epochs.size() == 6u);
  BOOST_TEST((parameters_of(second) == parameters_of(straight)));
  BOOST_TEST(second.optimizer().iterations == straight.optimizer().iterations);
  for (std::size_t e = 0; e < 6; ++e) {
    BOOST_TEST(resumed.epochs[e].epoch == e + 1);
    BOOST_TEST(resumed.epochs[e].loss == full.epochs[e].loss);
  }
  // A checkpoint holds the weights too: load takes them.
  M weights({}, 5);
  weights.load(dir.file("run.tnc"));
  BOOST_TEST((parameters_of(weights) == parameters_of(straight)));
}

BOOST_AUTO_TEST_CASE(a_checkpoint_from_another_run_is_refused) {
  tn::test::TempDirectory dir("weights-refused");
  const auto data = tn::testing::quarters(200, 11);
  using M = tn::testing::SmallModel;
  auto options = tn::testing::checkpoint_options(dir.file("run.tnc"));
  options.epochs = 2;
  M({}, 3).fit(data, options);
  const auto refuse = [&](auto change, const std::string& part) {
    auto changed = options;
    change(changed);
    M model({}, 4);
    const auto before = parameters_of(model);
    try {
      model.fit(data, changed);
      BOOST_ERROR("resuming with a changed fit succeeded; expected: " << part);
    } catch (const tn::Error& e) {
      BOOST_TEST(std::string(e.what()).find(part) != std::string::npos, e.what());
    }
    BOOST_TEST((parameters_of(model) == before));
  };
  refuse([](auto& o) { o.batch_size = 8; }, "batch_size 16, this one has 8");
  refuse([](auto& o) { o.seed = 6; }, "seed 5, this one has 6");
  refuse([](auto& o) { o.epochs = 1; }, "is at epoch 2, beyond the 1 epochs");
  M other({}, 1);
  other.save(dir.file("weights.tnw"));
  refuse([&](auto& o) { o.checkpoint = dir.file("weights.tnw"); }, "holds weights only");
  // Another optimizer.
  tn::Model<tn::testing::SmallNet, tn::loss::CrossEntropy, tn::optim::SGD> sgd({}, 1);
  try {
    sgd.fit(data, {.epochs = 3, .batch_size = 16, .seed = 5, .verbose = false, .checkpoint = dir.file("run.tnc"), .resume = true});
    BOOST_ERROR("an SGD model resumed an Adam checkpoint");
  } catch (const tn::Error& e) {
    BOOST_TEST(std::string(e.what()).find("optimizer Adam, this model uses SGD") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_training_run_killed_between_checkpoints_resumes_bitwise) {
  tn::test::TempDirectory dir("weights-killed-run");
  // Uninterrupted.
  {
    Child child({child_program(), "train", dir.file("straight.tnc"), dir.file("straight.tnw")});
    while (!child.line().empty()) {
    }
    BOOST_REQUIRE(child.wait() == 0);
  }
  // Killed as epoch 4 starts (after epoch 3's checkpoint), then run again with the same command.
  {
    Child child({child_program(), "train", dir.file("run.tnc"), dir.file("run.tnw")});
    for (std::string line = child.line(); !line.empty() && !line.starts_with("Epoch 4/"); line = child.line()) {
    }
    child.kill();
    BOOST_TEST(child.wait() == -SIGKILL);
  }
  BOOST_REQUIRE(fs::exists(dir.file("run.tnc")));
  BOOST_TEST(!fs::exists(dir.file("run.tnw")));
  std::size_t resumed_after = 0;
  {
    Child child({child_program(), "train", dir.file("run.tnc"), dir.file("run.tnw")});
    for (std::string line = child.line(); !line.empty(); line = child.line())
      std::sscanf(line.c_str(), "resumed after %zu", &resumed_after);
    BOOST_REQUIRE(child.wait() == 0);
  }
  BOOST_TEST(resumed_after >= 3u);
  BOOST_TEST(resumed_after < tn::testing::checkpoint_epochs);
  tn::testing::SmallModel straight({}, 1), resumed({}, 2);
  straight.load(dir.file("straight.tnw"));
  resumed.load(dir.file("run.tnw"));
  BOOST_TEST((parameters_of(resumed) == parameters_of(straight)));
}

// ---- numerical faults --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_non_finite_loss_or_gradient_stops_training_with_its_place) {
  // A linear regression with a learning rate far too high: the parameters grow without bound.
  struct Linear : tn::Sequential<tn::Input<32>, tn::Dense<16>, tn::Dense<4>> {};
  const auto data = tn::testing::quarters(64, 11);
  tn::Model<Linear, tn::loss::MeanSquaredError, tn::optim::SGD> model({.learning_rate = 1e3f}, 1);
  try {
    model.fit(data, {.epochs = 20, .batch_size = 16, .verbose = false});
    BOOST_ERROR("training with a learning rate of 1e3 went on");
  } catch (const tn::Error& e) {
    const std::string message = e.what();
    BOOST_TEST_MESSAGE(message);
    BOOST_TEST(message.starts_with("fit: epoch "), message);
    BOOST_TEST(message.find(", batch ") != std::string::npos, message);
    BOOST_TEST((message.find("not finite") != std::string::npos || message.find("overflowed") != std::string::npos), message);
    BOOST_TEST(message.find("layer ") != std::string::npos, message);
    BOOST_TEST(message.find("clip_norm") != std::string::npos, message);
  }
  // The step that found it was not applied: the parameters are still finite.
  for (const float v : model.parameters()) BOOST_REQUIRE(std::isfinite(v));

  // An infinite weight: the first layer's output is where it shows.
  tn::Model<Linear, tn::loss::MeanSquaredError, tn::optim::SGD> broken({}, 1);
  broken.tensor(1, 0)[3] = std::numeric_limits<float>::infinity();
  broken.parameters_changed();
  try {
    broken.fit(data, {.epochs = 1, .batch_size = 16, .verbose = false});
    BOOST_ERROR("training with an infinite weight went on");
  } catch (const tn::Error& e) {
    BOOST_TEST(std::string(e.what()).starts_with(
                   "fit: epoch 1, batch 1: the loss is not finite: layer 1 (Dense<16>)'s output holds a NaN or infinite value"),
               e.what());
  }
  // A NaN in the data.
  std::vector<float> x(16 * 32, 0.5f), t(16 * 4, 0.0f);
  for (std::size_t i = 0; i < 16; ++i) t[i * 4] = 1.0f;
  x[5 * 32 + 7] = std::numeric_limits<float>::quiet_NaN();
  const tn::data::Dataset<Shape<32>, Shape<4>> poisoned(std::move(x), std::move(t));
  tn::testing::SmallModel clean({}, 1);
  try {
    clean.fit(poisoned, {.epochs = 1, .batch_size = 8, .shuffle = false, .verbose = false});
    BOOST_ERROR("training on a NaN input went on");
  } catch (const tn::Error& e) {
    BOOST_TEST(std::string(e.what()).find("epoch 1, batch 1: sample 5 of the training data holds a NaN or infinite value") !=
                   std::string::npos,
               e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_non_finite_output_in_a_chunk_work_area_is_found_again) {
  // A CNN's convolution outputs live in the work areas of the chunks running, and the chunks
  // after overwrite them: the check runs the forward pass again to name where it started. A
  // batch of 64 makes 8 chunks of 8; on 1 thread they share one work area.
  struct Cnn : tn::Sequential<tn::Input<16, 16, 1>, tn::Conv2D<16, 3, 3>, tn::ReLU, tn::Conv2D<4, 3, 3>, tn::Flatten,
                              tn::Dense<4>, tn::Softmax> {};
  static_assert(!tn::exec::Plan<Cnn>::batch_output[2] && !tn::exec::Plan<Cnn>::batch_output[3]);
  BOOST_REQUIRE(tn::exec::Plan<Cnn>::chunk_count(64) == 8);
  using M = tn::Model<Cnn, tn::loss::CrossEntropy, tn::optim::SGD>;
  const auto make_data = [](std::size_t poisoned, float value) {
    std::vector<float> x(64 * 256, 0.5f), t(64 * 4, 0.0f);
    for (std::size_t i = 0; i < 64; ++i) t[i * 4 + i % 4] = 1.0f;
    for (std::size_t j = 0; j < 256; ++j) x[poisoned * 256 + j] = value;
    return tn::data::Dataset<Shape<16, 16, 1>, Shape<4>>(std::move(x), std::move(t));
  };
  const auto message_of = [](M& model, const auto& data, std::size_t threads) -> std::string {
    try {
      model.fit(data, {.epochs = 1, .batch_size = 64, .shuffle = false, .threads = threads, .verbose = false});
    } catch (const tn::Error& e) {
      return e.what();
    }
    return "no error";
  };
  for (const std::size_t threads : {1u, 2u}) {
    // Sample 50 (the seventh chunk's) alone overflows the first convolution: its ReLU's output.
    M overflowing({}, 1);
    for (float& w : overflowing.tensor(1, 0)) w = 1e10f;
    overflowing.parameters_changed();
    BOOST_TEST(message_of(overflowing, make_data(50, 1e30f), threads)
                   .starts_with("fit: epoch 1, batch 1: the loss is not finite: layer 2 (ReLU)'s output holds a NaN or "
                                "infinite value"));
    // An infinite weight in the second convolution: every sample's output there.
    M broken({}, 1);
    broken.tensor(3, 0)[5] = std::numeric_limits<float>::infinity();
    broken.parameters_changed();
    BOOST_TEST(message_of(broken, make_data(0, 0.5f), threads)
                   .starts_with("fit: epoch 1, batch 1: the loss is not finite: layer 3 (Conv2D<4, 3, 3>)'s output holds a "
                                "NaN or infinite value"));
    // A NaN in the fifth chunk's data.
    M clean({}, 1);
    BOOST_TEST(message_of(clean, make_data(37, std::numeric_limits<float>::quiet_NaN()), threads)
                   .find("epoch 1, batch 1: sample 37 of the training data holds a NaN or infinite value") !=
               std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(clip_norm_bounds_each_step) {
  const auto data = tn::testing::quarters(16, 11);
  using M = tn::Model<tn::testing::SmallNet, tn::loss::CrossEntropy, tn::optim::SGD, double>;
  M clipped({.learning_rate = 1.0f}, 1), reference({.learning_rate = 1.0f}, 1);
  // The unclipped gradient's norm, from the same first batch.
  std::vector<std::uint32_t> all(16);
  std::iota(all.begin(), all.end(), 0u);
  reference.compute_gradients(data, all);
  double norm = 0;
  for (const double g : reference.gradients()) norm += g * g;
  norm = std::sqrt(norm);
  const double limit = norm / 4;
  const auto before = std::vector<double>(clipped.parameters().begin(), clipped.parameters().end());
  clipped.fit(data, {.epochs = 1, .batch_size = 16, .shuffle = false, .verbose = false, .clip_norm = limit});
  double step = 0;
  for (std::size_t i = 0; i < before.size(); ++i) step += (clipped.parameters()[i] - before[i]) * (clipped.parameters()[i] - before[i]);
  BOOST_TEST(std::sqrt(step) == limit, boost::test_tools::tolerance(1e-6));
}

// ---- a layer's parameters are part of the architecture -----------------------------------------

struct LeakyTenth : tn::Sequential<tn::Input<6>, tn::Dense<4>, tn::LeakyReLU<1, 10>, tn::Dense<2>> {};
struct LeakyFifth : tn::Sequential<tn::Input<6>, tn::Dense<4>, tn::LeakyReLU<2, 10>, tn::Dense<2>> {};

BOOST_AUTO_TEST_CASE(a_file_saved_with_another_leaky_relu_slope_is_refused) {
  tn::test::TempDirectory dir("weights-leaky-slope");
  tn::Model<LeakyTenth, tn::loss::MeanSquaredError, tn::optim::SGD>({}, 1).save(dir.file("tenth.tnw"));
  tn::Model<LeakyFifth, tn::loss::MeanSquaredError, tn::optim::SGD> model({}, 2);
  const std::array<float, 6> x{-1.0f, -0.5f, 0.0f, 0.25f, 0.5f, 1.0f};
  const auto before = model.predict(x);
  expect_load_error(model, dir.file("tenth.tnw"), {dir.file("tenth.tnw"), "layer 2: file has LeakyReLU<1>, model expects LeakyReLU<2>"});
  BOOST_TEST((model.predict(x) == before));  // nor its packed copies
  // The same slope loads.
  tn::Model<LeakyTenth, tn::loss::MeanSquaredError, tn::optim::SGD> same({}, 3);
  same.load(dir.file("tenth.tnw"));
  BOOST_TEST((parameters_of(same) == parameters_of(tn::Model<LeakyTenth, tn::loss::MeanSquaredError, tn::optim::SGD>({}, 1))));
}
