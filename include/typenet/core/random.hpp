// typenet/core/random.hpp: Random, the one pseudo-random generator behind initialisation, shuffling and dropout.
#pragma once

#include <cstdint>

namespace typenet {

/// xoshiro256** seeded through splitmix64. typenet does not use <random>'s distributions:
/// their results differ between standard libraries, and a seed must give the same model
/// everywhere.
class Random {
 public:
  explicit Random(std::uint64_t seed = 0) {
    for (auto& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// Uniform in [0, 1), with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Uniform in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  /// Uniform integer in [0, bound), without modulo bias: draws below 2^64 mod bound are redrawn.
  std::uint64_t below(std::uint64_t bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    std::uint64_t r = next();
    while (r < threshold) r = next();
    return r % bound;
  }

  friend bool operator==(const Random&, const Random&) = default;

  /// The whole state, so that a checkpoint can resume the same sequence.
  std::uint64_t state_[4]{};

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
};

}  // namespace typenet
