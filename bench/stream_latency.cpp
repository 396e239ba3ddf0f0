// bench/stream_latency.cpp: ns per sample of tn::Stream for the audio field's reference models, GRU(1 -> 16) -> Dense(1) and GRU(1 -> 32) -> Dense(1), on one core.
//
// usage: stream_latency [repeats = 20]
// Streams a 48,000-sample block (one second at 48 kHz) through each, `repeats` times, and prints
// the best time per sample (the machines are shared: the best run is the least disturbed one).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include <typenet/infer.hpp>

namespace tn = typenet;

namespace {

// A per-step Dense is a Conv1D of one step.
template <std::size_t Units>
struct Amp : tn::Sequential<tn::Input<64, 1>, tn::GRU<Units, tn::Return::sequences>, tn::Conv1D<1, 1>> {};

template <std::size_t Units>
void measure(int repeats) {
  // Small deterministic weights (the time does not depend on them).
  std::vector<float> storage(Amp<Units>::parameter_block + 32);
  float* params = storage.data() + (16 - reinterpret_cast<std::uintptr_t>(storage.data()) / sizeof(float) % 16) % 16;
  for (std::size_t i = 0; i < Amp<Units>::parameter_block; ++i) params[i] = float((i * 7919) % 1000) / 5000.0f - 0.1f;
  const auto stream = std::make_unique<tn::Stream<Amp<Units>>>(params);
  std::vector<float> x(48000), y(48000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 101) / 101.0f - 0.5f;
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    stream->process(x.data(), y.data(), x.size());
    const auto stop = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::nano>(stop - start).count() / double(x.size()));
  }
  double check = 0;
  for (const float v : y) check += v;
  std::printf("GRU(1 -> %zu) -> Dense(1)  %8.1f ns/sample  (output sum %.6g)\n", Units, best, check);
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 20;
  std::printf("tn::Stream, one sample at a time, best of %d blocks of 48,000 samples\n", repeats);
  measure<16>(repeats);
  measure<32>(repeats);
}
