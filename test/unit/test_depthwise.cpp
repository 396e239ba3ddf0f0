// DepthwiseConv2D and SeparableConv2D: Keras's parameter counts, tensors and spellings; the
// formulas written out a second time, plainly, in double; batches equal to their samples bitwise;
// gradients against central differences; a small network trains, the same on 1 and 2 threads,
// and its weight file reloads.
#define BOOST_TEST_MODULE depthwise
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <tuple>
#include <type_traits>
#include <vector>

#include <typenet/io/safetensors.hpp>
#include <typenet/typenet.hpp>

#include "gradient_check.hpp"
#include "temp_directory.hpp"

namespace tn = typenet;
using tn::Padding;
using tn::Shape;
using tn::testing::check_gradient;
using tn::testing::unwritten;

// ---- Keras's figures -------------------------------------------------------------------------

// DepthwiseConv2D(3) on 32x32x16: 3*3*16 + 16; with depth_multiplier=2: 3*3*16*2 + 32.
static_assert(tn::DepthwiseConv2D<3>::bind<Shape<32, 32, 16>>::parameter_count == 160);
static_assert(tn::DepthwiseConv2D<3, 3, Padding::valid, 1, 1, 2>::bind<Shape<32, 32, 16>>::parameter_count == 320);
// SeparableConv2D(32, 3) on 32x32x16: 144 + 16*32 + 32; with depth_multiplier=2: 288 + 32*32 + 32.
static_assert(tn::SeparableConv2D<32, 3>::bind<Shape<32, 32, 16>>::parameter_count == 688);
static_assert(tn::SeparableConv2D<32, 3, 3, Padding::valid, 1, 1, 2>::bind<Shape<32, 32, 16>>::parameter_count ==
              1344);
// Output shapes as Keras's: valid 30x30, same with strides 2 16x16 (ceil(32 / 2)), C x multiplier channels.
static_assert(tn::DepthwiseConv2D<3>::bind<Shape<32, 32, 16>>::output_shape == Shape<30, 30, 16>{});
static_assert(tn::DepthwiseConv2D<3, 3, Padding::same, 2, 2, 2>::bind<Shape<32, 32, 16>>::output_shape ==
              Shape<16, 16, 32>{});
static_assert(tn::SeparableConv2D<8, 3, 3, Padding::same, 2>::bind<Shape<7, 7, 3>>::output_shape == Shape<4, 4, 8>{});
// Spellings: the kernel always, then the arguments up to the last one not at its default.
static_assert(tn::DepthwiseConv2D<3>::spelling() == "DepthwiseConv2D<3, 3>");
static_assert(tn::DepthwiseConv2D<3, 3, Padding::same>::spelling() == "DepthwiseConv2D<3, 3, same>");
static_assert(tn::DepthwiseConv2D<3, 3, Padding::same, 2>::spelling() == "DepthwiseConv2D<3, 3, same, 2, 2>");
static_assert(tn::DepthwiseConv2D<3, 3, Padding::valid, 1, 1, 2>::spelling() ==
              "DepthwiseConv2D<3, 3, valid, 1, 1, 2>");
static_assert(tn::SeparableConv2D<32, 3>::spelling() == "SeparableConv2D<32, 3, 3>");
static_assert(tn::SeparableConv2D<32, 5, 3, Padding::same, 2, 1, 4>::spelling() ==
              "SeparableConv2D<32, 5, 3, same, 2, 1, 4>");

// Keras's tensors: names, shapes, and the Glorot fans Keras computes from the 4-D shapes
// (receptive field x shape[-2] in, receptive field x shape[-1] out).
using Dw = tn::DepthwiseConv2D<3, 3, Padding::valid, 1, 1, 2>::bind<Shape<8, 8, 5>>;
static_assert(Dw::parameter_tensors[0].name == "depthwise_kernel" && Dw::parameter_tensors[1].name == "bias");
static_assert(Dw::parameter_tensors[0].shape.rank == 4 && Dw::parameter_tensors[0].shape.dims[2] == 5 &&
              Dw::parameter_tensors[0].shape.dims[3] == 2);
static_assert(Dw::parameter_tensors[0].fan_in == 9 * 5 && Dw::parameter_tensors[0].fan_out == 9 * 2);
using Sep = tn::SeparableConv2D<7, 3, 3, Padding::valid, 1, 1, 2>::bind<Shape<8, 8, 5>>;
static_assert(Sep::parameter_tensors[1].name == "pointwise_kernel" && Sep::parameter_tensors[2].name == "bias");
static_assert(Sep::parameter_tensors[1].shape.rank == 4 && Sep::parameter_tensors[1].shape.dims[0] == 1 &&
              Sep::parameter_tensors[1].shape.dims[2] == 10 && Sep::parameter_tensors[1].shape.dims[3] == 7);
static_assert(Sep::parameter_tensors[1].fan_in == 10 && Sep::parameter_tensors[1].fan_out == 7);
static_assert(tn::BoundLayer<Dw> && tn::BoundLayer<Sep>);

namespace {

// ---- one layer, in double ----------------------------------------------------------------------

/// A layer with its arguments spelt out, for the formulas below: Filters 0 is DepthwiseConv2D,
/// otherwise SeparableConv2D<Filters, ...>; on an H x W x C input.
template <std::size_t Filters, std::size_t KH, std::size_t KW, Padding Pad, std::size_t SH, std::size_t SW,
          std::size_t DM, std::size_t H, std::size_t W, std::size_t C>
struct Case {
  using descriptor =
      std::conditional_t<Filters == 0, tn::DepthwiseConv2D<KH, KW, Pad, SH, SW, DM>,
                         tn::SeparableConv2D<std::max<std::size_t>(Filters, 1), KH, KW, Pad, SH, SW, DM>>;
  using layer = typename descriptor::template bind<Shape<H, W, C>>;
  static constexpr std::size_t filters = Filters, kh = KH, kw = KW, sh = SH, sw = SW, dm = DM, h = H, w = W, c = C;
  static constexpr Padding pad = Pad;
};

// Read in place (1 channel, then 20: vectors and a tail), staged for padding, for the depth
// multiplier, and both; strides 2 with padding same and valid; a kernel wider than tall.
using Cases = std::tuple<
    Case<0, 3, 3, Padding::valid, 1, 1, 1, 6, 5, 1>,
    Case<0, 3, 3, Padding::valid, 1, 1, 1, 5, 5, 20>,
    Case<0, 3, 3, Padding::same, 2, 2, 1, 7, 6, 3>,
    Case<0, 3, 3, Padding::same, 2, 2, 2, 7, 6, 5>,
    Case<0, 2, 3, Padding::valid, 2, 1, 2, 6, 7, 9>,
    Case<4, 3, 3, Padding::valid, 1, 1, 1, 6, 5, 3>,
    Case<5, 3, 3, Padding::same, 2, 2, 2, 7, 6, 5>,
    Case<17, 2, 3, Padding::valid, 2, 1, 2, 6, 7, 9>,
    Case<3, 3, 3, Padding::same, 1, 1, 1, 4, 4, 18>>;

template <class L>
std::size_t block_size() {
  std::size_t total = 0;
  for (const auto& t : L::parameter_tensors) total += tn::detail::align_elements(t.size);
  return total;
}

/// A layer's parameters, packed copy, work areas, inputs and output weights, at random.
template <class L>
struct Bench {
  static constexpr std::size_t in = tn::shape_t<L::input_shape>::size, out = tn::shape_t<L::output_shape>::size;
  std::size_t n;
  tn::detail::AlignedBuffer<double> params{block_size<L>() + 1}, packed{L::packed_size + 1};
  tn::detail::AlignedBuffer<double> x, w, saved, scratch;
  bool relu = false;

  Bench(std::size_t samples, std::uint64_t seed)
      : n(samples), x(samples * in), w(samples * out), saved(samples * L::saved_size + 1),
        scratch(samples * L::scratch_size + 1) {
    tn::Random random(seed);
    for (std::size_t i = 0; i < block_size<L>(); ++i) params[i] = random.uniform(-0.5, 0.5);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = random.uniform(-1.0, 1.0);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = random.uniform(-1.0, 1.0);
  }
  const double* tensor(std::size_t t) const {
    return params.data() + tn::detail::tensor_offset(L::parameter_tensors, t);
  }
  tn::Pass<double> pass() {
    L::pack(params.data(), packed.data());
    tn::Pass<double> p{params.data(), packed.data(), true, saved.data(), scratch.data()};
    p.relu = relu;
    return p;
  }
  tn::detail::AlignedBuffer<double> forward() {
    tn::detail::AlignedBuffer<double> y(n * out);
    L::forward(pass(), x.data(), y.data(), n);
    return y;
  }
  double objective() {
    const auto y = forward();
    double sum = 0;
    for (std::size_t i = 0; i < n * out; ++i) sum += w[i] * y[i];
    return sum;
  }
};

/// One sample's output by the definitions: z[oy][ox][c*DM + m] = sum over (ky, kx) of
/// x[oy*SH + ky - top][ox*SW + kx - left][c] k[ky][kx][c][m], zero outside the image, Keras's
/// padding (same: ceil(size / stride) outputs, half the padding they need before, the odd one
/// after); DepthwiseConv2D adds its bias, SeparableConv2D gives b[f] + sum over j of z[j] P[j][f].
template <class K>
std::vector<double> by_definition(const double* x, const Bench<typename K::layer>& bench) {
  constexpr std::size_t H = K::h, W = K::w, C = K::c, DM = K::dm, CM = C * DM;
  constexpr bool same = K::pad == Padding::same;
  constexpr std::size_t OH = same ? (H + K::sh - 1) / K::sh : (H - K::kh) / K::sh + 1;
  constexpr std::size_t OW = same ? (W + K::sw - 1) / K::sw : (W - K::kw) / K::sw + 1;
  constexpr std::size_t need_h = (OH - 1) * K::sh + K::kh, need_w = (OW - 1) * K::sw + K::kw;
  constexpr std::size_t top = same && need_h > H ? (need_h - H) / 2 : 0,
                        left = same && need_w > W ? (need_w - W) / 2 : 0;
  static_assert(K::layer::output_shape == Shape<OH, OW, K::filters == 0 ? CM : K::filters>{});
  const double* k = bench.tensor(0);
  std::vector<double> z(OH * OW * CM, 0.0);
  for (std::size_t oy = 0; oy < OH; ++oy)
    for (std::size_t ox = 0; ox < OW; ++ox)
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t m = 0; m < DM; ++m) {
          double sum = 0;
          for (std::size_t ky = 0; ky < K::kh; ++ky)
            for (std::size_t kx = 0; kx < K::kw; ++kx) {
              const long iy = long(oy * K::sh + ky) - long(top), ix = long(ox * K::sw + kx) - long(left);
              if (iy < 0 || ix < 0 || iy >= long(H) || ix >= long(W)) continue;
              sum += x[(std::size_t(iy) * W + std::size_t(ix)) * C + c] * k[((ky * K::kw + kx) * C + c) * DM + m];
            }
          z[(oy * OW + ox) * CM + c * DM + m] = sum;
        }
  if constexpr (K::filters == 0) {
    for (std::size_t q = 0; q < OH * OW; ++q)
      for (std::size_t j = 0; j < CM; ++j) z[q * CM + j] += bench.tensor(1)[j];
    return z;
  } else {
    constexpr std::size_t F = K::filters;
    const double* p = bench.tensor(1);
    const double* b = bench.tensor(2);
    std::vector<double> y(OH * OW * F);
    for (std::size_t q = 0; q < OH * OW; ++q)
      for (std::size_t f = 0; f < F; ++f) {
        double sum = b[f];
        for (std::size_t j = 0; j < CM; ++j) sum += z[q * CM + j] * p[j * F + f];
        y[q * F + f] = sum;
      }
    return y;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_is_the_formula, K, Cases) {
  using L = typename K::layer;
  BOOST_TEST(tn::detail::logical_size(L::parameter_tensors) == L::parameter_count);
  Bench<L> bench(3, 17);
  for (const bool relu : {false, true}) {
    bench.relu = relu;
    const auto y = bench.forward();
    for (std::size_t s = 0; s < bench.n; ++s) {
      auto expected = by_definition<K>(bench.x.data() + s * Bench<L>::in, bench);
      if (relu)
        for (double& v : expected) v = std::max(v, 0.0);
      double worst = 0;
      for (std::size_t i = 0; i < Bench<L>::out; ++i)
        worst = std::max(worst, std::abs(y[s * Bench<L>::out + i] - expected[i]));
      BOOST_TEST(worst < 1e-12, "sample " << s << (relu ? " (ReLU fused)" : "") << ": off by " << worst);
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batch_equals_samples_bitwise, K, Cases) {
  using L = typename K::layer;
  for (std::size_t n : {1u, 4u, 7u}) {
    Bench<L> bench(n, 5 + n);
    const auto batch = bench.forward();
    for (std::size_t s = 0; s < n; ++s) {
      tn::detail::AlignedBuffer<double> one(Bench<L>::out);
      L::forward(bench.pass(), bench.x.data() + s * Bench<L>::in, one.data(), 1);
      BOOST_TEST(std::equal(one.data(), one.data() + Bench<L>::out, batch.data() + s * Bench<L>::out),
                 "sample " << s << " of " << n << " differs from its batch result");
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(input_gradient, K, Cases) {
  using L = typename K::layer;
  for (std::size_t n : {1u, 3u}) {
    Bench<L> bench(n, 11 + n);
    const auto y = bench.forward();
    std::vector<double> dx(n * Bench<L>::in, unwritten);
    L::backward(bench.pass(), bench.x.data(), y.data(), bench.w.data(), dx.data(), n);
    check_gradient("dx", bench.x.data(), dx.data(), dx.size(), [&] { return bench.objective(); });
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(parameter_gradient, K, Cases) {
  using L = typename K::layer;
  for (std::size_t n : {0u, 1u, 4u}) {
    Bench<L> bench(n, 5 + n);
    const auto y = bench.forward();
    // As the model does: the backward pass (here without dx, a first layer's) before the gradient.
    L::backward(bench.pass(), bench.x.data(), y.data(), bench.w.data(), static_cast<double*>(nullptr), n);
    tn::detail::AlignedBuffer<double> g(block_size<L>() + 1);
    std::fill(g.data(), g.data() + block_size<L>(), unwritten);
    for (std::size_t tile = 0; tile < L::gradient_tiles; ++tile)
      L::gradient(bench.pass(), tile, g.data() + tn::detail::gradient_span<L>(tile).first, bench.x.data(),
                  bench.w.data(), n);
    for (std::size_t t = 0; t < L::parameter_tensors.size(); ++t) {
      const std::size_t offset = tn::detail::tensor_offset(L::parameter_tensors, t);
      if (n == 0) {
        BOOST_TEST(std::all_of(g.data() + offset, g.data() + offset + L::parameter_tensors[t].size,
                               [](double v) { return v == 0.0; }));
        continue;
      }
      check_gradient(std::string(L::parameter_tensors[t].name), bench.params.data() + offset, g.data() + offset,
                     L::parameter_tensors[t].size, [&] { return bench.objective(); });
    }
  }
}

// The gradient of a ReLU before the layer, fused into its backward pass (pass.gate): dx is kept
// where the input is above zero.
BOOST_AUTO_TEST_CASE_TEMPLATE(gated_input_gradient, K, Cases) {
  using L = typename K::layer;
  Bench<L> bench(2, 3);
  const auto y = bench.forward();
  std::vector<double> plain(2 * Bench<L>::in), gated(2 * Bench<L>::in);
  L::backward(bench.pass(), bench.x.data(), y.data(), bench.w.data(), plain.data(), 2);
  tn::Pass<double> pass = bench.pass();
  pass.gate = true;
  L::backward(pass, bench.x.data(), y.data(), bench.w.data(), gated.data(), 2);
  for (std::size_t i = 0; i < plain.size(); ++i) BOOST_TEST(gated[i] == (bench.x[i] > 0 ? plain[i] : 0.0));
}

// ---- in a network ------------------------------------------------------------------------------

namespace {

/// 8x8 images of 3 channels; the class is which channel has the largest mean over the left half
/// (so the label needs a spatial and a per-channel reading).
tn::data::Dataset<Shape<8, 8, 3>, Shape<3>> channel_images(std::size_t n, std::uint64_t seed) {
  tn::Random random(seed);
  std::vector<float> x(n * 8 * 8 * 3), t(n * 3);
  for (std::size_t s = 0; s < n; ++s) {
    double sums[3] = {};
    for (std::size_t i = 0; i < 64; ++i)
      for (std::size_t c = 0; c < 3; ++c) {
        const float v = float(random.uniform(-1, 1));
        x[(s * 64 + i) * 3 + c] = v;
        if (i % 8 < 4) sums[c] += v;
      }
    t[s * 3 + std::size_t(std::max_element(sums, sums + 3) - sums)] = 1.0f;
  }
  return {std::move(x), std::move(t)};
}

}  // namespace

struct MobileNet : tn::Sequential<tn::Input<8, 8, 3>, tn::SeparableConv2D<8, 3, 3, Padding::same>, tn::ReLU,
                                  tn::DepthwiseConv2D<3, 3, Padding::valid, 2, 2, 2>, tn::ReLU,
                                  tn::SeparableConv2D<6, 3, 3, Padding::same, 2, 2, 2>, tn::Flatten, tn::Dense<3>,
                                  tn::Softmax> {};
// 3*3*3 + 3*8 + 8; 3*3*8*2 + 16; 3*3*16*2 + 32*6 + 6; 2*2*6*3 + 3.
static_assert(MobileNet::parameter_count == (27 + 24 + 8) + (144 + 16) + (288 + 192 + 6) + (24 * 3 + 3));

BOOST_AUTO_TEST_CASE(summary_shows_each_as_one_layer) {
  const auto rows = MobileNet::summary_rows();
  BOOST_TEST_REQUIRE(rows.size() == 8u);
  BOOST_TEST(rows[0].layer == "SeparableConv2D<8, 3, 3, same>");
  BOOST_TEST(rows[0].output_shape == "(8, 8, 8)");
  BOOST_TEST(rows[0].parameters == 59u);
  BOOST_TEST(rows[2].layer == "DepthwiseConv2D<3, 3, valid, 2, 2, 2>");
  BOOST_TEST(rows[2].output_shape == "(3, 3, 16)");
  BOOST_TEST(rows[2].parameters == 160u);
}

BOOST_AUTO_TEST_CASE(network_gradient_agrees_with_central_differences) {
  tn::Model<MobileNet, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 3);
  const auto data = channel_images(5, 2);
  std::vector<std::uint32_t> all(data.size());
  std::iota(all.begin(), all.end(), 0u);
  model.compute_gradients(data, all);
  const std::vector<double> analytic(model.gradients().begin(), model.gradients().end());
  auto params = model.parameters();
  check_gradient("network parameters", params.data(), analytic.data(), params.size(), [&] {
    model.parameters_changed();
    return model.evaluate(data).loss;
  });
}

BOOST_AUTO_TEST_CASE(initialised_as_keras) {
  tn::Model<MobileNet, tn::loss::CrossEntropy, tn::optim::Adam> model({}, 4);
  // Glorot-uniform: within sqrt(6 / (fan_in + fan_out)), the fans of the 4-D shapes.
  const auto within = [](std::span<const float> v, double fan_in, double fan_out) {
    const double limit = std::sqrt(6.0 / (fan_in + fan_out));
    double largest = 0;
    for (const float a : v) largest = std::max(largest, double(std::abs(a)));
    return largest <= limit && largest > 0.5 * limit;
  };
  BOOST_TEST(within(model.tensor(1, 0), 9 * 3, 9 * 1));   // SeparableConv2D's depthwise_kernel (3, 3, 3, 1)
  BOOST_TEST(within(model.tensor(1, 1), 3, 8));           // its pointwise_kernel (1, 1, 3, 8)
  BOOST_TEST(within(model.tensor(3, 0), 9 * 8, 9 * 2));   // DepthwiseConv2D's (3, 3, 8, 2)
  BOOST_TEST(std::ranges::all_of(model.tensor(1, 2), [](float v) { return v == 0.0f; }));
  BOOST_TEST(std::ranges::all_of(model.tensor(3, 1), [](float v) { return v == 0.0f; }));
}

BOOST_AUTO_TEST_CASE(trains_the_same_on_any_thread_count_and_reloads) {
  typenet::test::TempDirectory dir("depthwise");
  const auto data = channel_images(400, 7);
  using M = tn::Model<MobileNet, tn::loss::CrossEntropy, tn::optim::Adam>;
  const auto train = [&](std::size_t threads, M& model) {
    return model.fit(data, {.epochs = 6, .batch_size = 32, .threads = threads, .verbose = false});
  };
  M one({.learning_rate = 0.01f}, 5), two({.learning_rate = 0.01f}, 5);
  const auto history = train(1, one);
  train(2, two);
  BOOST_TEST_MESSAGE("loss " << history.epochs.front().loss << " -> " << history.epochs.back().loss << ", accuracy "
                             << one.evaluate(data).accuracy);
  BOOST_TEST(history.epochs.back().loss < 0.7 * history.epochs.front().loss);
  BOOST_TEST(std::ranges::equal(one.parameters(), two.parameters()), "1 and 2 threads must give the same bits");
  M fresh({}, 5);
  BOOST_TEST(!std::ranges::equal(fresh.parameters(), one.parameters()), "training must move the parameters");

  one.save(dir.file("mobile.tnw"));
  M loaded({}, 9);
  loaded.load(dir.file("mobile.tnw"));
  BOOST_TEST(std::ranges::equal(loaded.parameters(), one.parameters()));
  const auto a = one.predict(data.input(3)), b = loaded.predict(data.input(3));
  BOOST_TEST(std::ranges::equal(a, b));
}

// A file records each layer's spelling: a network with another depth multiplier refuses it.
struct OtherMultiplier : tn::Sequential<tn::Input<8, 8, 3>, tn::SeparableConv2D<8, 3, 3, Padding::same, 1, 1, 2>,
                                        tn::ReLU, tn::DepthwiseConv2D<3, 3, Padding::valid, 2, 2, 2>, tn::ReLU,
                                        tn::SeparableConv2D<6, 3, 3, Padding::same, 2, 2, 2>, tn::Flatten,
                                        tn::Dense<3>, tn::Softmax> {};

BOOST_AUTO_TEST_CASE(a_weight_file_names_the_depth_multiplier) {
  typenet::test::TempDirectory dir("depthwise-spelling");
  tn::Model<MobileNet, tn::loss::CrossEntropy, tn::optim::Adam> model({}, 1);
  model.save(dir.file("mobile.tnw"));
  tn::Model<OtherMultiplier, tn::loss::CrossEntropy, tn::optim::Adam> other({}, 1);
  BOOST_CHECK_THROW(other.load(dir.file("mobile.tnw")), std::exception);
}

// ---- PyTorch's layout ------------------------------------------------------------------------

struct TorchDepthwise : tn::Sequential<tn::Input<5, 6, 3>, tn::DepthwiseConv2D<3, 2, Padding::valid, 1, 1, 2>> {};

// nn.Conv2d(3, 6, (3, 2), groups=3)'s state_dict, written here as PyTorch lays it out (weight
// [6, 1, 3, 2], output channel o reading input channel o / 2): the model computes PyTorch's
// formula (channels first there, channels last here), and exports the tensors it read, bit for
// bit.
BOOST_AUTO_TEST_CASE(pytorch_grouped_conv2d_is_a_depthwise_convolution) {
  typenet::test::TempDirectory dir("depthwise-torch");
  constexpr std::size_t C = 3, M = 2, O = C * M, KH = 3, KW = 2, H = 5, W = 6, OH = 3, OW = 5;
  tn::Random random(8);
  std::vector<float> weight(O * KH * KW), bias(O);
  for (float& v : weight) v = float(random.uniform(-1, 1));
  for (float& v : bias) v = float(random.uniform(-1, 1));
  const std::string path = dir.file("depthwise.safetensors");
  const std::vector<tn::io::NamedTensor<float>> tensors{{"0.weight", {O, 1, KH, KW}, weight}, {"0.bias", {O}, bias}};
  tn::io::write_safetensors(path, std::span<const tn::io::NamedTensor<float>>(tensors), {});

  tn::Model<TorchDepthwise, tn::loss::MeanSquaredError, tn::optim::SGD> model({}, 1);
  const tn::ImportReport report = model.load_safetensors(path, tn::Layout::pytorch);
  BOOST_TEST_MESSAGE(report.lines.front());
  BOOST_TEST(report.lines.front().find("transposed to [height, width, in, multiplier]") != std::string::npos);

  std::vector<float> x(H * W * C);
  for (float& v : x) v = float(random.uniform(-1, 1));
  const auto y = model.predict(std::span<const float>(x));
  for (std::size_t o = 0; o < O; ++o)
    for (std::size_t oy = 0; oy < OH; ++oy)
      for (std::size_t ox = 0; ox < OW; ++ox) {
        double sum = bias[o];
        for (std::size_t ky = 0; ky < KH; ++ky)
          for (std::size_t kx = 0; kx < KW; ++kx)
            sum += double(weight[(o * KH + ky) * KW + kx]) * x[((oy + ky) * W + ox + kx) * C + o / M];
        BOOST_TEST(y[(oy * OW + ox) * O + o] == sum, boost::test_tools::tolerance(1e-5));
      }

  const std::string exported = dir.file("exported.safetensors");
  model.save_safetensors(exported, tn::Layout::pytorch);
  const auto file = tn::io::Safetensors::open(exported);
  std::vector<float> back(weight.size());
  BOOST_TEST_REQUIRE(file.find("0.weight"));
  BOOST_TEST((file.find("0.weight")->shape == std::vector<std::size_t>{O, 1, KH, KW}));
  file.read(*file.find("0.weight"), std::span<float>(back));
  BOOST_TEST((back == weight));
}
