// bench/stream_latency.cpp: ns per sample of tn::Stream for the audio field's reference models, GRU(1 -> 16) -> Dense(1) and GRU(1 -> 32) -> Dense(1), on one core.
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

#if defined(TYPENET_BENCH_RTNEURAL)
#include <RTNeural/RTNeural.h>
#endif

namespace tn = typenet;

namespace {

// A per-step Dense is a Conv1D of one step.
template <std::size_t Units>
struct Amp : tn::Sequential<tn::Input<64, 1>, tn::GRU<Units, tn::Return::sequences>, tn::Conv1D<1, 1>> {};

/// The best ns per sample of `run` over `repeats` runs on a block of `samples` samples.
template <class F>
double best_ns(int repeats, std::size_t samples, F&& run) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run();
    const auto stop = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::nano>(stop - start).count() / double(samples));
  }
  return best;
}

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
  // Small deterministic weights (the time does not depend on them).
  std::vector<float> storage(Amp<Units>::parameter_block + 32);
  float* params = storage.data() + (16 - reinterpret_cast<std::uintptr_t>(storage.data()) / sizeof(float) % 16) % 16;
  for (std::size_t i = 0; i < Amp<Units>::parameter_block; ++i) params[i] = float((i * 7919) % 1000) / 5000.0f - 0.1f;
  const auto stream = std::make_unique<tn::Stream<Amp<Units>>>(params);
  std::vector<float> x(48000), y(48000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 101) / 101.0f - 0.5f;
  const double ours = best_ns(repeats, x.size(), [&] {
    stream->reset();
    stream->process(x.data(), y.data(), x.size());
  });
  const double theirs = rtneural<Units>(params, x, y, repeats);
  if (theirs > 0)
    std::printf("| GRU(1 -> %zu) -> Dense(1) | %.1f ns | %.1f ns | %.2f |\n", Units, ours, theirs, ours / theirs);
  else
    std::printf("| GRU(1 -> %zu) -> Dense(1) | %.1f ns | (no RTNeural in this build) | |\n", Units, ours);
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 20;
  std::printf("One sample at a time, best of %d blocks of 48,000 samples, one core\n\n", repeats);
  std::printf("| network | typenet Stream | RTNeural ModelT | typenet / RTNeural |\n|---|---|---|---|\n");
  measure<16>(repeats);
  measure<32>(repeats);
}
