// bench/timing.hpp: the best time of several runs, as the benchmarks here report it (the machines are shared: the best run is the least disturbed one).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace bench {

/// The best ns per item of `run` over `repeats` runs, each over `items` items.
template <class F>
double best_ns(int repeats, std::size_t items, F&& run) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run();
    const auto stop = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::nano>(stop - start).count() / double(items));
  }
  return best;
}

}  // namespace bench
