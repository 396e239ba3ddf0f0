// The execution machinery's parts on their own: the gradient slots' fixed summation tree, the
// same tree over values made per chunk (Dense's gradients), and the batch-coupled layers'
// statistics added in the same tree.
#define BOOST_TEST_MODULE exec
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <vector>

#include <typenet/core/random.hpp>
#include <typenet/exec/batch_statistics.hpp>
#include <typenet/exec/gradient_reduction.hpp>
#include <typenet/typenet.hpp>

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

BOOST_AUTO_TEST_CASE(slots_may_be_summed_into_the_first_slot) {
  // BatchStatistics sums its chunk records into the first record: the same bits as into a
  // buffer of its own, over several blocks of values (sum_slots works 128 at a time).
  constexpr std::size_t width = 300, chunks = 7;
  const auto v = slots(chunks, width);
  std::vector<double> in_place(v.begin(), v.end()), apart(v.begin(), v.end()), out(width);
  tn::exec::sum_slots(apart.data(), width, chunks, 0, width, out.data());
  tn::exec::sum_slots(in_place.data(), width, chunks, 0, width, in_place.data());
  for (std::size_t i = 0; i < width; ++i) BOOST_TEST(in_place[i] == out[i], "value " << i);
}

BOOST_AUTO_TEST_CASE(computed_chunk_values_sum_in_the_same_tree) {
  // sum_chunk_tree (the Dense gradients' sum after the batch) makes each chunk's values when the
  // tree needs them, into its result or one of tree_levels(chunks) buffers: the same bits as
  // sum_slots over the same values stored per chunk, each chunk made once, in order.
  BOOST_TEST(tn::exec::tree_levels(1) == 0u);
  BOOST_TEST(tn::exec::tree_levels(2) == 1u);
  BOOST_TEST(tn::exec::tree_levels(4) == 2u);
  BOOST_TEST(tn::exec::tree_levels(7) == 2u);
  BOOST_TEST(tn::exec::tree_levels(8) == 3u);
  BOOST_TEST(tn::exec::tree_levels(9) == 3u);
  constexpr std::size_t width = 37, stride = 48;
  for (std::size_t chunks = 1; chunks <= 17; ++chunks) {
    const auto v = slots(chunks, width);
    std::vector<float> expected(width), out(width, -1.0f);
    tn::exec::sum_slots(v.data(), width, chunks, 0, width, expected.data());
    const std::size_t levels = tn::exec::tree_levels(chunks);
    // One spare buffer past the levels, which must stay untouched.
    std::vector<float> buffers((levels + 1) * stride, 7.0f);
    std::size_t next = 0;
    bool in_bounds = true;
    tn::exec::sum_chunk_tree(chunks, width, out.data(), buffers.data(), stride, [&](std::size_t c, float* to) {
      BOOST_TEST(c == next++);
      const bool level = to >= buffers.data() && to + width <= buffers.data() + levels * stride;
      in_bounds = in_bounds && (to == out.data() || level);
      std::copy(v.begin() + std::ptrdiff_t(c * width), v.begin() + std::ptrdiff_t((c + 1) * width), to);
    });
    BOOST_TEST(next == chunks);
    BOOST_TEST(in_bounds, chunks << " chunks");
    for (std::size_t i = levels * stride; i < buffers.size(); ++i) BOOST_TEST_REQUIRE(buffers[i] == 7.0f);
    for (std::size_t i = 0; i < width; ++i) BOOST_TEST(out[i] == expected[i], chunks << " chunks, value " << i);
  }
}

template <class S>
void dense_tree_has_the_bits_of_the_chunks_summed() {
  // Dense sums each gradient tile over the chunks itself (gradient_tree, the pending sums in
  // registers): the bits of its per-chunk `gradient` added by sum_chunk_tree, for every tile
  // (three row blocks of dW, db), every chunk size of a batch of 29 (1 to 29 chunks).
  using L = tn::Dense<13>::bind<tn::Shape<200>>;
  static_assert(L::gradient_tiles == 4 && tn::detail::sums_chunk_tree<L>);
  constexpr std::size_t n = 29;
  const auto x = slots(n, 200), dy = slots(n, 13);
  // The products may read B (dy) up to one vector past its last row's columns, as the model's
  // padded buffers allow.
  const std::vector<S> xs(x.begin(), x.end());
  std::vector<S> dys(dy.begin(), dy.end());
  dys.resize(dys.size() + 64 / sizeof(S));
  const tn::Pass<S> pass{};
  for (std::size_t chunk = 1; chunk <= n; ++chunk) {
    const tn::exec::Chunks chunks{n, chunk};
    for (std::size_t tile = 0; tile < L::gradient_tiles; ++tile) {
      const tn::GradientSpan span = L::gradient_span(tile);
      std::vector<S> tree(span.size), stored(span.size);
      std::vector<S> levels(tn::exec::tree_levels(chunks.count()) * span.size);
      L::gradient_tree(pass, tile, tree.data(), xs.data(), dys.data(), n, chunk);
      tn::exec::sum_chunk_tree(chunks.count(), span.size, stored.data(), levels.data(), span.size,
                               [&](std::size_t c, S* to) {
                                 L::gradient(pass, tile, to, xs.data() + chunks.first(c) * 200,
                                             dys.data() + chunks.first(c) * 13, chunks.length(c));
                               });
      std::size_t differ = 0;
      for (std::size_t i = 0; i < span.size; ++i) differ += tree[i] != stored[i];
      BOOST_TEST(differ == 0u, differ << " values differ: chunks of " << chunk << ", tile " << tile);
    }
  }
}

BOOST_AUTO_TEST_CASE(dense_sums_its_chunks_in_the_tree_itself) {
  dense_tree_has_the_bits_of_the_chunks_summed<float>();
  dense_tree_has_the_bits_of_the_chunks_summed<double>();
}

BOOST_AUTO_TEST_CASE(batch_statistics_add_the_chunks_in_the_tree) {
  // BatchNormalization's batch mean over 5 chunks is the tree's sum of the chunks' sums (the
  // values are chosen so that the chunk-order sum differs), divided by the sample count.
  struct Net : tn::Sequential<tn::Input<1>, tn::BatchNormalization> {};
  constexpr double values[5] = {1e17, 1.0, -1e17, 1.0, 3.0};  // one sample per chunk
  tn::exec::BatchStatistics<Net> statistics;
  statistics.reserve(5);
  for (std::size_t c = 0; c < 5; ++c) {
    const double x = values[c];
    statistics.statistics(1, c, &x, 1);
  }
  statistics.reduce(1, 5, 5);
  const double tree = ((values[0] + values[1]) + (values[2] + values[3])) + values[4];
  const double chunk_order = (((values[0] + values[1]) + values[2]) + values[3]) + values[4];
  BOOST_TEST(tree != chunk_order);
  BOOST_TEST(statistics.reduced(1)[0] == tree / 5);
}
