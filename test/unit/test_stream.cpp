// Stream: a causal sequence network run a step at a time gives, at every step, the whole
// sequence's forward pass's outputs bitwise, and starts again after reset().
#define BOOST_TEST_MODULE stream
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

#include <typenet/typenet.hpp>

namespace tn = typenet;
using tn::Padding;
using tn::Return;

namespace {

// A neural amp model's shape: a GRU over the signal, a per-step Dense as a 1-step Conv1D.
struct Amp : tn::Sequential<tn::Input<64, 1>, tn::GRU<16, Return::sequences>, tn::Conv1D<1, 1>> {};
// Stacked GRUs on several features: a stream step's gates over two vectors of units (AVX-512),
// and a step on another recurrent layer's state.
struct StackedGru : tn::Sequential<tn::Input<32, 2>, tn::GRU<32, Return::sequences>, tn::GRU<16, Return::sequences>,
                                   tn::Conv1D<1, 1>> {};
// Dilated causal convolutions (WaveNet's stack without its residuals), then an LSTM and a
// per-step output; SimpleRNN and BatchNormalization per step.
struct Dilated
    : tn::Sequential<tn::Input<48, 2>, tn::Conv1D<8, 2, Padding::causal>, tn::Tanh,
                     tn::Conv1D<8, 2, Padding::causal, 1, 2>, tn::ReLU, tn::Conv1D<8, 3, Padding::causal, 1, 4>,
                     tn::BatchNormalization, tn::ReLU, tn::LSTM<8, Return::sequences>, tn::SimpleRNN<4, Return::sequences>,
                     tn::Conv1D<3, 1>, tn::Softmax> {};
// WaveNet's stack as neural amp models use it: dilated causal convolutions, each inside a
// residual block (the block's input added to its output), then two branches joined.
template <std::size_t Dilation>
struct Gated : tn::Residual<tn::Conv1D<8, 2, Padding::causal, 1, Dilation>, tn::Tanh, tn::Conv1D<8, 1>> {};
struct WaveNet : tn::Sequential<tn::Input<64, 1>, tn::Conv1D<8, 1>, Gated<1>, Gated<2>, Gated<4>, Gated<8>,
                                tn::Concat<tn::Chain<tn::Conv1D<4, 1>, tn::ReLU>,
                                           tn::Chain<tn::Conv1D<4, 3, Padding::causal>, tn::Tanh>>,
                                tn::Add<tn::Chain<tn::Conv1D<2, 1>>, tn::Chain<tn::Conv1D<2, 2, Padding::causal>>>,
                                tn::Conv1D<1, 1>> {};
// A classifier of the sequence so far: the GRU's last state into Dense and Softmax.
struct Classifier : tn::Sequential<tn::Input<20, 3>, tn::Conv1D<4, 3, Padding::causal, 1, 2>, tn::ReLU,
                                   tn::GRU<8>, tn::Dense<3>, tn::Softmax> {};

template <class Net>
std::vector<float> random_sequence(std::uint64_t seed) {
  tn::Random random(seed);
  std::vector<float> x(Net::input_shape.size);
  for (auto& v : x) v = float(random.uniform(-1, 1));
  return x;
}

/// Streams a sequence step by step and compares each step's output with row t of the whole
/// sequence's output (`every_step`), or the last step's with the output.
template <class Net>
void streams_as_the_whole_sequence(std::uint64_t seed, bool every_step) {
  tn::Model<Net, tn::loss::MeanSquaredError, tn::optim::SGD> model({}, seed);
  using Stream = tn::Stream<Net>;
  static_assert(Stream::input_size == tn::shape_t<Net::input_shape>::dims[1]);
  const auto stream = std::make_unique<Stream>(model.parameters().data());
  constexpr std::size_t T = tn::shape_t<Net::input_shape>::dims[0], C = Stream::input_size, F = Stream::output_size;
  for (int round = 0; round < 2; ++round) {  // the second after reset(): the same again
    const std::vector<float> x = random_sequence<Net>(seed + std::uint64_t(round) * 0);
    const auto whole = model.predict(std::span<const float, Net::input_shape.size>(x.data(), x.size()));
    std::size_t differ = 0;
    std::array<float, F> y{};
    for (std::size_t t = 0; t < T; ++t) {
      stream->step(std::span<const float, C>(x.data() + t * C, C), std::span<float, F>(y));
      if (every_step || t + 1 == T)
        differ += !std::equal(y.begin(), y.end(), whole.begin() + (every_step ? t * F : 0));
    }
    BOOST_TEST(differ == 0u, differ << " steps differ from the whole sequence's forward pass");
    stream->reset();
  }
  // process() on a block is step() on each.
  const std::vector<float> x = random_sequence<Net>(seed + 1);
  std::vector<float> blocked(T * F), stepped(T * F);
  stream->process(x.data(), blocked.data(), T);
  stream->reset();
  for (std::size_t t = 0; t < T; ++t)
    stream->step(std::span<const float, C>(x.data() + t * C, C), std::span<float, F>(stepped.data() + t * F, F));
  BOOST_TEST(blocked == stepped);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_stream_gives_the_whole_sequences_outputs_bitwise) {
  streams_as_the_whole_sequence<Amp>(1, true);
  streams_as_the_whole_sequence<StackedGru>(4, true);
  streams_as_the_whole_sequence<Dilated>(2, true);
  streams_as_the_whole_sequence<Classifier>(3, false);
}

BOOST_AUTO_TEST_CASE(blocks_stream_as_the_whole_sequence) {
  streams_as_the_whole_sequence<WaveNet>(5, true);
  // Each position keeps its step's output (a merge reads outputs from before its branches):
  // the WaveNet's 21 positions, a few values each, and its convolutions' windows.
  static_assert(sizeof(tn::Stream<WaveNet>) < 16384);
}

BOOST_AUTO_TEST_CASE(a_stream_keeps_its_state_in_the_object) {
  using Stream = tn::Stream<Amp>;
  static_assert(Stream::output_size == 1 && Stream::input_size == 1);
  // The GRU's state (16) and no packed copy: its forward pass reads the parameters.
  static_assert(sizeof(Stream) < 4096);
  tn::Model<Amp, tn::loss::MeanSquaredError, tn::optim::SGD> model({}, 4);
  Stream a(model.parameters().data()), b(model.parameters().data());
  const std::array<float, 1> one{0.5f}, zero{0.0f};
  const auto first = a.step(one);
  BOOST_TEST(a.step(zero)[0] != b.step(zero)[0]);  // a remembers the 0.5
  a.reset();
  BOOST_TEST(a.step(one)[0] == first[0]);
}
