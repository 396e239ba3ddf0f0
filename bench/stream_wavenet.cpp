// bench/stream_wavenet.cpp: bench/stream_latency's WaveNet-style stack, in its own translation unit.
#include <cstddef>
#include <vector>

#include <typenet/infer.hpp>

#include "stream_latency.hpp"

namespace tn = typenet;

namespace {

// Neural amp models' other family: dilated causal convolutions of 16 channels, each in a residual
// block, dilations 1 to 128 (a receptive field of 256 samples).
template <std::size_t Dilation>
struct Gated : tn::Residual<tn::Conv1D<16, 2, tn::Padding::causal, 1, Dilation>, tn::Tanh, tn::Conv1D<16, 1>> {};
struct WaveNet : tn::Sequential<tn::Input<512, 1>, tn::Conv1D<16, 1>, Gated<1>, Gated<2>, Gated<4>, Gated<8>, Gated<16>,
                                Gated<32>, Gated<64>, Gated<128>, tn::Conv1D<1, 1>> {};

}  // namespace

double wavenet_stream_ns(int repeats) {
  const bench_stream::Weights<WaveNet> weights;
  const std::vector<float> x = bench_stream::one_second();
  std::vector<float> y(x.size());
  return bench_stream::stream_ns<WaveNet>(weights.params, x, y, repeats);
}
