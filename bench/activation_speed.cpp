// bench/activation_speed.cpp: ns per value of the Sigmoid and Tanh layers' forward pass beside the
// C library's formula a value at a time (what the layers did before they went to whole vectors),
// float, one core, in one run; prints a table.
// usage: activation_speed [REPEATS (200)]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <typenet/typenet.hpp>

#include "timing.hpp"

namespace tn = typenet;

namespace {

constexpr std::size_t N = std::size_t{1} << 16;  // 256 KB of float: in L2

/// The layer's ns per value and the C library formula's, alternating, best of `repeats` each.
template <class Layer, class Scalar>
void row(const char* name, const char* formula, Scalar&& scalar, const std::vector<float>& x, int repeats) {
  using L = typename Layer::template bind<tn::Shape<N>>;
  std::vector<float> y(N), z(N);
  double layer = 1e30, library = 1e30;
  for (int round = 0; round < 3; ++round) {
    const auto by_value = [&] {
      for (std::size_t i = 0; i < N; ++i) z[i] = scalar(x[i]);
    };
    library = std::min(library, bench::best_ns(repeats, N, by_value));
    layer = std::min(layer, bench::best_ns(repeats, N, [&] { L::forward(tn::Pass<float>{}, x.data(), y.data(), 1); }));
  }
  double differ = 0;
  for (std::size_t i = 0; i < N; ++i) differ = std::max(differ, double(std::abs(y[i] - z[i])));
  std::printf("| %s | %.3f ns | %s: %.3f ns | %.1fx | %.2g |\n", name, layer, formula, library, library / layer,
              differ);
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 200;
  std::vector<float> x(N);
  for (std::size_t i = 0; i < N; ++i) x[i] = float(i % 2000) / 100.0f - 10.0f;  // [-10, 10)
  std::printf("float, %zu values in [-10, 10), best of %d passes, one core\n\n", N, repeats);
  std::printf("| layer | ns per value | the C library a value at a time | ratio | largest difference |\n");
  std::printf("|---|---|---|---|---|\n");
  const auto sigmoid = [](float v) { return 1.0f / (1.0f + std::exp(-v)); };
  row<tn::Sigmoid>("Sigmoid", "1 / (1 + std::exp(-x))", sigmoid, x, repeats);
  const auto tanh = [](float v) { return std::tanh(v); };
  row<tn::Tanh>("Tanh", "std::tanh", tanh, x, repeats);
}
