// bench/stream_latency.hpp: what bench/stream_latency's translation units share: the timing, the weights, the signal.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <typenet/infer.hpp>

#include "timing.hpp"

namespace bench_stream {

namespace tn = typenet;

using bench::best_ns;

/// Small deterministic weights (the time does not depend on them), in an aligned block.
template <class Net>
struct Weights {
  std::vector<float> storage = std::vector<float>(Net::parameter_block + 32);
  float* params = storage.data() + (16 - reinterpret_cast<std::uintptr_t>(storage.data()) / sizeof(float) % 16) % 16;
  Weights() {
    for (std::size_t i = 0; i < Net::parameter_block; ++i) params[i] = float((i * 7919) % 1000) / 5000.0f - 0.1f;
  }
};

/// ns per sample of Net's stream over one second at 48 kHz; y receives the outputs.
template <class Net>
double stream_ns(const float* params, const std::vector<float>& x, std::vector<float>& y, int repeats) {
  const auto stream = std::make_unique<tn::Stream<Net>>(params);
  return best_ns(repeats, x.size(), [&] {
    stream->reset();
    stream->process(x.data(), y.data(), x.size());
  });
}

inline std::vector<float> one_second() {
  std::vector<float> x(48000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 101) / 101.0f - 0.5f;
  return x;
}

}  // namespace bench_stream

/// ns per sample of a WaveNet-style stack's stream (stream_wavenet.cpp: its own translation unit,
/// as a plug-in holds one network; see docs/sequences.md on what sharing one costs).
double wavenet_stream_ns(int repeats);
