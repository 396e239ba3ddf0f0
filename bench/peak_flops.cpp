// bench/peak_flops.cpp: measures this machine's FP32 fused multiply-add peak, on one thread and on all, in GFLOP/s.
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <typenet/core/simd.hpp>

namespace {

using typenet::detail::lanes;
using typenet::detail::vec;

/// Twelve independent chains of fused multiply-adds (multiply_add: the build forbids the compiler
/// to contract a * b + c, which would measure a multiply and an add): more than the FMA latency
/// (4 or 5 cycles) times the FMA ports (2), so the units never wait. Returns the FLOPs done.
double spin(std::size_t rounds, float seed) {
  constexpr int chains = 12;
  vec<float> acc[chains];
  for (int i = 0; i < chains; ++i) acc[i] = typenet::detail::splat(seed + float(i));
  const vec<float> a = typenet::detail::splat(0.999999f), b = typenet::detail::splat(1e-7f);
  for (std::size_t r = 0; r < rounds; ++r) {
#pragma GCC unroll 12
    for (int i = 0; i < chains; ++i) acc[i] = typenet::detail::multiply_add(acc[i], a, b);
  }
  float sink = 0;
  for (int i = 0; i < chains; ++i) sink += acc[i][0];
  volatile float observed = sink;  // keeps the work observable
  (void)observed;
  return double(rounds) * chains * lanes<float> * 2;
}

double measure(int threads) {
  volatile std::size_t rounds_at_run_time = 200'000'000 / 12;  // not a constant the compiler could fold
  const std::size_t rounds = rounds_at_run_time;
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism, std::size_t(threads));
  oneapi::tbb::task_arena arena(threads);
  double best = 0;
  for (int repeat = 0; repeat < 3; ++repeat) {
    const auto start = std::chrono::steady_clock::now();
    double flops = 0;
    arena.execute([&] {
      std::vector<double> done(static_cast<std::size_t>(threads));
      oneapi::tbb::parallel_for(0, threads, [&](int t) { done[std::size_t(t)] = spin(rounds, float(t)); },
                                oneapi::tbb::static_partitioner{});
      for (double d : done) flops += d;
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, flops / seconds / 1e9);
  }
  return best;
}

}  // namespace

int main() {
  const int all = int(std::thread::hardware_concurrency());
  const double one = measure(1);
  const double many = measure(all);
  std::printf("{\"figure\": \"peak_gflops\", \"vector_bits\": %zu, \"threads_1\": %.1f, \"threads\": %d, \"threads_all\": %.1f}\n",
              typenet::detail::simd_bytes * 8, one, all, many);
}
