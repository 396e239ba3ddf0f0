// The execution machinery's parts on their own: the gradient slots' fixed summation tree.
#define BOOST_TEST_MODULE exec
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <vector>

#include <typenet/core/random.hpp>
#include <typenet/exec/gradient_reduction.hpp>

namespace tn = typenet;

namespace {
/// `chunks` slots of `width` values of very different magnitudes, so that the order of a sum
/// shows in its bits.
std::vector<float> slots(std::size_t chunks, std::size_t width) {
  tn::Random random(3);
  std::vector<float> v(chunks * width);
  for (float& x : v) x = float(random.uniform(-1, 1) * (random.below(2) ? 1e7 : 1e-3));
  return v;
}
}  // namespace

BOOST_AUTO_TEST_CASE(slots_sum_as_a_binary_tree_over_chunk_indices) {
  constexpr std::size_t width = 64;
  for (std::size_t chunks = 1; chunks <= 9; ++chunks) {
    auto v = slots(chunks, width);
    const auto s = v;
    std::vector<float> out(width);
    tn::exec::sum_slots(v.data(), width, chunks, 0, width, out.data());
    for (std::size_t i = 0; i < width; ++i) {
      const auto at = [&](std::size_t c) { return s[c * width + i]; };
      // The tree by its definition: aligned blocks of 2^k chunks, halves added.
      const auto tree = [&](auto&& self, std::size_t first, std::size_t size) -> float {
        if (first >= chunks) return 0.0f;
        if (size == 1) return at(first);
        if (first + size / 2 >= chunks) return self(self, first, size / 2);
        return self(self, first, size / 2) + self(self, first + size / 2, size / 2);
      };
      std::size_t span = 1;
      while (span < chunks) span *= 2;
      const float expected = tree(tree, 0, span);
      BOOST_TEST(out[i] == expected, chunks << " chunks, value " << i);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_subtree_summed_apart_gives_the_same_bits) {
  // What lets a later change hand blocks of chunks to other processes: the sum of 8 chunks
  // equals the sum of the two 4-chunk halves, each summed on its own, then added.
  constexpr std::size_t width = 256, chunks = 8;
  auto whole = slots(chunks, width);
  auto low = std::vector<float>(whole.begin(), whole.begin() + 4 * width);
  auto high = std::vector<float>(whole.begin() + 4 * width, whole.end());
  std::vector<float> all(width), a(width), b(width);
  tn::exec::sum_slots(whole.data(), width, chunks, 0, width, all.data());
  tn::exec::sum_slots(low.data(), width, 4, 0, width, a.data());
  tn::exec::sum_slots(high.data(), width, 4, 0, width, b.data());
  std::size_t differ_from_chunk_order = 0;
  const auto s = slots(chunks, width);
  for (std::size_t i = 0; i < width; ++i) {
    BOOST_TEST(all[i] == a[i] + b[i], "value " << i);
    float linear = s[i];
    for (std::size_t c = 1; c < chunks; ++c) linear += s[c * width + i];
    differ_from_chunk_order += linear != all[i];
  }
  // The data are such that the order shows: a plain left-to-right sum differs somewhere.
  BOOST_TEST(differ_from_chunk_order > 0u);
}
