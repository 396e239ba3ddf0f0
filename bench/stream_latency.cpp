// bench/stream_latency.cpp: ns per sample of tn::Stream for the audio field's reference models, GRU(1 -> 16) -> Dense(1) and GRU(1 -> 32) -> Dense(1), and a WaveNet-style stack, on one core.
//
// usage: stream_latency [repeats = 20]
// Streams a 48,000-sample block (one second at 48 kHz) through each, `repeats` times, and prints
// the best time per sample (the machines are shared: the best run is the least disturbed one).
// In a build configured with -Drtneural=PATH (a checkout of RTNeural outside the tree, Debian's
// libeigen3-dev) RTNeural's ModelT (GRULayerT, DenseT; its Eigen backend) runs the same
// networks with the same weights in the same program, its outputs checked against typenet's.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include <typenet/infer.hpp>

#include "stream_latency.hpp"

#if defined(TYPENET_BENCH_RTNEURAL)
#include <RTNeural/RTNeural.h>
#endif

namespace tn = typenet;
using namespace bench_stream;

namespace {

// A per-step Dense is a Conv1D of one step.
template <std::size_t Units>
struct Amp : tn::Sequential<tn::Input<64, 1>, tn::GRU<Units, tn::Return::sequences>, tn::Conv1D<1, 1>> {};



/// RTNeural's ModelT with the parameters of `params` (typenet's layout: the GRU's tensors are
/// Keras's, as RTNeural's setters take them); ns per sample, or 0 in a build without it.
template <std::size_t Units>
double rtneural(const float* params, const std::vector<float>& x, const std::vector<float>& ours, int repeats) {
#if defined(TYPENET_BENCH_RTNEURAL)
  constexpr std::size_t U = Units, GU = 3 * Units;
  using Gru = typename Amp<Units>::template layer<0>;
  const float* dense = params + Amp<Units>::parameter_offsets[1];
  RTNeural::ModelT<float, 1, 1, RTNeural::GRULayerT<float, 1, Units>, RTNeural::DenseT<float, Units, 1>> model;
  std::vector<std::vector<float>> w(1, std::vector<float>(GU)), u(U, std::vector<float>(GU));
  std::vector<std::vector<float>> b(2, std::vector<float>(GU));
  for (std::size_t j = 0; j < GU; ++j) w[0][j] = params[j];
  for (std::size_t k = 0; k < U; ++k)
    for (std::size_t j = 0; j < GU; ++j) u[k][j] = params[Gru::recurrent_at + k * GU + j];
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t j = 0; j < GU; ++j) b[r][j] = params[Gru::bias_at + r * GU + j];
  model.template get<0>().setWVals(w);
  model.template get<0>().setUVals(u);
  model.template get<0>().setBVals(b);
  std::vector<std::vector<float>> d(1, std::vector<float>(dense, dense + U));
  model.template get<1>().setWeights(d);
  model.template get<1>().setBias(dense + tn::detail::align_elements(U));
  std::vector<float> y(x.size());
  const auto run = [&] {
    model.reset();
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = model.forward(&x[i]);
  };
  const double ns = best_ns(repeats, x.size(), run);
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, double(std::abs(y[i] - ours[i])));
  if (worst > 1e-4) {
    std::printf("RTNeural's outputs differ from typenet's by up to %g: the parameters were not set as ours\n", worst);
    std::exit(1);
  }
  return ns;
#else
  (void)params, (void)x, (void)ours, (void)repeats;
  return 0;
#endif
}


template <std::size_t Units>
void measure(int repeats) {
  const Weights<Amp<Units>> weights;
  const std::vector<float> x = one_second();
  std::vector<float> y(x.size());
  const double ours = stream_ns<Amp<Units>>(weights.params, x, y, repeats);
  const double theirs = rtneural<Units>(weights.params, x, y, repeats);
  if (theirs > 0)
    std::printf("| GRU(1 -> %zu) -> Dense(1) | %.1f ns | %.1f ns | %.2f |\n", Units, ours, theirs, ours / theirs);
  else
    std::printf("| GRU(1 -> %zu) -> Dense(1) | %.1f ns | (no RTNeural in this build) | |\n", Units, ours);
}

void measure_wavenet(int repeats) {
  std::printf("| WaveNet-style: 8 residual dilated causal Conv1D(16, 2) | %.1f ns | (ModelT has no residual blocks) | |\n",
              wavenet_stream_ns(repeats));
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 20;
  std::printf("One sample at a time, best of %d blocks of 48,000 samples, one core\n\n", repeats);
  std::printf("| network | typenet Stream | RTNeural ModelT | typenet / RTNeural |\n|---|---|---|---|\n");
  measure<16>(repeats);
  measure<32>(repeats);
  measure_wavenet(repeats);
}
