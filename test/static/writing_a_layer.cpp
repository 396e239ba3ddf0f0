// test/static/writing_a_layer.cpp: the code blocks of docs/writing-a-layer.md, verbatim and in order, and
// the minimal model of layers/layer_concepts.hpp. Building this file is passing it.
// ---- docs/writing-a-layer.md, code block 1 ----
#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/typenet.hpp>

namespace tn = typenet;

namespace my {

/// y = x for x > 0, else slope x, with slope = Numerator / Denominator (0.3, as Keras).
template <std::size_t Numerator = 3, std::size_t Denominator = 10>
struct LeakyReLU {
  // 1. Its name, and its spelling: the type as written, with every argument that changes
  //    what it computes (a default may be left out).
  static constexpr std::string_view name = "LeakyReLU";
  static std::string spelling() {
    if (Numerator == 3 && Denominator == 10) return "LeakyReLU<>";
    return "LeakyReLU<" + std::to_string(Numerator) + (Denominator == 10 ? "" : ", " + std::to_string(Denominator)) +
           ">";
  }
  static constexpr double slope = Denominator > 0 ? double(Numerator) / double(Denominator) : 0.0;
  // An activation: Dense<Units, my::LeakyReLU<>> takes it, as Keras's Dense(units, activation=...).
  static constexpr bool activation = true;

  // 2. Its parameter rule: a static_assert that names Where, the layer's place in the network.
  template <class Where>
  static consteval bool check_parameters() {
    static_assert(Denominator > 0 || tn::detail::rejected<Where>, "LeakyReLU needs a Denominator of at least 1");
    return Denominator > 0;
  }

  // 3. Its shape rule, as data, and the message when it fails (it takes every shape).
  template <tn::AnyShape In>
  static constexpr bool accepts = true;
  template <class Where>
  static consteval void explain() {}

  // 4. The bound layer for input shape In.
  template <tn::AnyShape In>
  struct bind : tn::NoParameters {
    using descriptor = LeakyReLU;
    static constexpr In input_shape{};
    static constexpr In output_shape{};

    template <class S>
    static void forward(const tn::Pass<S>&, const S* x, S* y, std::size_t n) {
      for (std::size_t i = 0; i < n * In::size; ++i) y[i] = x[i] > S{} ? x[i] : S(slope) * x[i];
    }

    template <class S>
    static void backward(const tn::Pass<S>&, const S* x, const S*, const S* dy, S* dx, std::size_t n) {
      if (!dx) return;
      for (std::size_t i = 0; i < n * In::size; ++i) dx[i] = x[i] > S{} ? dy[i] : S(slope) * dy[i];
    }
  };
};

}  // namespace my
// ---- docs/writing-a-layer.md, code block 2 ----
struct LeakyNet : tn::Sequential<tn::Input<8>, tn::Dense<16>, my::LeakyReLU<1, 10>, tn::Dense<3>, tn::Softmax> {};
static_assert(tn::BoundLayer<LeakyNet::layer<1>>);
static_assert(LeakyNet::parameter_count == 8 * 16 + 16 + 16 * 3 + 3);
static_assert(tn::LayerDescriptorFor<my::LeakyReLU<>, tn::Shape<4, 4, 2>>);
// ---- docs/writing-a-layer.md, code block 3 ----
#include <algorithm>
#include <array>

namespace my {

/// y[h][w][c] = gamma[c] x[h][w][c] on a (height, width, channels) image; gamma starts at one.
struct Scale {
  static constexpr std::string_view name = "Scale";
  static std::string spelling() { return "Scale"; }

  template <class Where>
  static consteval bool check_parameters() { return true; }

  template <tn::AnyShape In>
  static constexpr bool accepts = In::rank == 3;

  template <class Where>
  static consteval void explain() {
    static_assert(tn::detail::rejected<Where>, "Scale needs a rank-3 input (height, width, channels): put it before Flatten");
  }

  template <tn::AnyShape In>
    requires accepts<In>
  struct bind : tn::NoWorkAreas {
    using descriptor = Scale;
    static constexpr std::size_t C = In::dims[2], pixels = In::size / C;
    static constexpr In input_shape{};
    static constexpr In output_shape{};

    // The parameter block: its tensors in Keras's order and layout, and their total size.
    static constexpr std::array<tn::ParameterTensor, 1> parameter_tensors{
        tn::ParameterTensor{"gamma", C, tn::Init::ones},
    };
    static constexpr std::size_t parameter_count = C;

    // No re-layout of the parameters is needed.
    static constexpr std::size_t packed_size = 0;
    template <class S>
    static void pack(const S*, S*) {}

    template <class S>
    static void forward(const tn::Pass<S>& pass, const S* x, S* y, std::size_t n) {
      const S* gamma = pass.params;
      for (std::size_t q = 0; q < n * pixels; ++q)
        for (std::size_t c = 0; c < C; ++c) y[q * C + c] = gamma[c] * x[q * C + c];
    }

    template <class S>
    static void backward(const tn::Pass<S>& pass, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if (!dx) return;
      const S* gamma = pass.params;
      for (std::size_t q = 0; q < n * pixels; ++q)
        for (std::size_t c = 0; c < C; ++c) dx[q * C + c] = gamma[c] * dy[q * C + c];
    }

    // d gamma[c] = sum of x dy over the samples and pixels, in blocks of 64 channels.
    static constexpr std::size_t channels_per_tile = 64;
    static constexpr std::size_t gradient_tiles = (C + channels_per_tile - 1) / channels_per_tile;

    template <class S>
    static void gradient(const tn::Pass<S>&, std::size_t tile, S* g, const S* x, const S* dy, std::size_t n) {
      const std::size_t first = tile * channels_per_tile, last = std::min(C, first + channels_per_tile);
      for (std::size_t c = first; c < last; ++c) g[c] = S{};
      for (std::size_t q = 0; q < n * pixels; ++q)  // samples (and their pixels) in order
        for (std::size_t c = first; c < last; ++c) g[c] += x[q * C + c] * dy[q * C + c];
    }
  };
};

}  // namespace my

struct ScaledNet : tn::Sequential<tn::Input<4, 4, 3>, my::Scale, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<2>> {};
static_assert(ScaledNet::layer<0>::parameter_count == 3);
static_assert(ScaledNet::parameter_count == 3 + 12 * 2 + 2);
// ---- docs/writing-a-layer.md, code block 4 ----
static_assert(tn::detail::is_relu_activation<tn::ReLU::bind<tn::Shape<4>>>);
static_assert(!tn::detail::is_relu_activation<tn::LeakyReLU<>::bind<tn::Shape<4>>>);
static_assert(tn::detail::is_softmax_activation<tn::Softmax::bind<tn::Shape<4>>>);
static_assert(tn::detail::is_sigmoid_activation<tn::Sigmoid::bind<tn::Shape<1>>>);
static_assert(tn::detail::uses_noise<tn::Dropout<25>::bind<tn::Shape<4>>>);
static_assert(!tn::detail::uses_noise<my::Scale::bind<tn::Shape<2, 2, 3>>>);
static_assert(tn::detail::pack_task_count<my::Scale::bind<tn::Shape<2, 2, 3>>>() == 1);
static_assert(tn::detail::inference_saved_size<my::Scale::bind<tn::Shape<2, 2, 3>>>() == 0);

// ---- beyond the doc: the minimal model of layers/layer_concepts.hpp ----
struct Negate : typenet::detail::AcceptsAnyShape {   // check_parameters, accepts, explain
  static constexpr std::string_view name = "Negate";
  static std::string spelling() { return "Negate"; }
  template <typenet::AnyShape In>
  struct bind : typenet::NoParameters {
    using descriptor = Negate;
    static constexpr In input_shape{};
    static constexpr In output_shape{};
    template <class S>
    static void forward(const typenet::Pass<S>&, const S* x, S* y, std::size_t n) {
      for (std::size_t i = 0; i < n * In::size; ++i) y[i] = -x[i];
    }
    template <class S>
    static void backward(const typenet::Pass<S>&, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if (dx) for (std::size_t i = 0; i < n * In::size; ++i) dx[i] = -dy[i];
    }
  };
};
struct NegatedNet : tn::Sequential<tn::Input<3>, Negate, tn::Dense<2>> {};
static_assert(NegatedNet::is_valid && tn::BoundLayer<NegatedNet::layer<0>>);

// ---- beyond the doc: every bound layer typenet ships is a BoundLayer --------------------------
static_assert(tn::BoundLayer<tn::Dense<3>::bind<tn::Shape<5>>>);
static_assert(tn::BoundLayer<tn::Conv2D<4, 3, 3>::bind<tn::Shape<6, 6, 2>>>);
static_assert(tn::BoundLayer<tn::Conv2D<8, 3, 3, tn::Padding::same>::bind<tn::Shape<8, 8, 16>>>);
static_assert(tn::BoundLayer<tn::MaxPool2D<2, 2>::bind<tn::Shape<4, 4, 2>>>);
static_assert(tn::BoundLayer<tn::AvgPool2D<2, 2>::bind<tn::Shape<4, 4, 2>>>);
static_assert(tn::BoundLayer<tn::GlobalAveragePooling2D::bind<tn::Shape<4, 4, 2>>>);
static_assert(tn::BoundLayer<tn::BatchNormalization::bind<tn::Shape<4, 4, 2>>>);
static_assert(tn::BatchCoupledLayer<tn::BatchNormalization::bind<tn::Shape<4, 4, 2>>>);
static_assert(tn::BoundLayer<tn::Dropout<25>::bind<tn::Shape<6>>>);
static_assert(tn::BoundLayer<tn::Flatten::bind<tn::Shape<2, 3>>>);
static_assert(tn::BoundLayer<tn::Sigmoid::bind<tn::Shape<3>>> && tn::BoundLayer<tn::Tanh::bind<tn::Shape<3>>>);
static_assert(tn::BoundLayer<tn::Softmax::bind<tn::Shape<3>>> && tn::BoundLayer<tn::LeakyReLU<1, 10>::bind<tn::Shape<3>>>);
static_assert(tn::BoundLayer<tn::Regularized<tn::Dense<3>, tn::L2<1, 100>>::bind<tn::Shape<5>>>);
static_assert(tn::detail::has_penalty<tn::Regularized<tn::Dense<3>, tn::L2<1, 100>>::bind<tn::Shape<5>>>);
static_assert(!tn::detail::has_penalty<tn::Dense<3>::bind<tn::Shape<5>>>);
static_assert(tn::detail::pack_task_count<tn::Dense<2>::bind<tn::Shape<1030>>>() == 3);
static_assert(tn::detail::packed_for_input_gradient<tn::Dense<2>::bind<tn::Shape<5>>>);
static_assert(!tn::LayerDescriptor<int> && !tn::LayerDescriptor<tn::Input<3>>);
static_assert(tn::LayerDescriptorFor<tn::Dense<3>, tn::Shape<4, 2>>);  // refused, but a layer all the same

// ---- beyond the doc: the passes of the doc's layers compile for float and double ----------------
template <class L, class S>
void run_the_passes() {
  constexpr std::size_t in = tn::shape_t<L::input_shape>::size, out = tn::shape_t<L::output_shape>::size;
  std::array<S, in> x{}, dx{};
  std::array<S, out> y{}, dy{};
  std::array<S, 64> params{}, g{};
  tn::Pass<S> pass{params.data(), nullptr, true, nullptr, nullptr};
  L::pack(params.data(), static_cast<S*>(nullptr));
  L::forward(pass, x.data(), y.data(), 1);
  L::backward(pass, x.data(), y.data(), dy.data(), dx.data(), 1);
  for (std::size_t tile = 0; tile < L::gradient_tiles; ++tile) L::gradient(pass, tile, g.data(), x.data(), dy.data(), 1);
}

void writing_a_layer_passes() {
  run_the_passes<my::LeakyReLU<1, 10>::bind<tn::Shape<7>>, float>();
  run_the_passes<my::LeakyReLU<1, 10>::bind<tn::Shape<7>>, double>();
  run_the_passes<my::Scale::bind<tn::Shape<2, 2, 3>>, float>();
  run_the_passes<my::Scale::bind<tn::Shape<2, 2, 3>>, double>();
  run_the_passes<Negate::bind<tn::Shape<3>>, float>();
}

// A descriptor's own traits: an activation goes into Dense's second argument; a shorthand is
// replaced by its parts.
static_assert(tn::detail::is_activation_descriptor<my::LeakyReLU<>>);
static_assert(!tn::detail::is_activation_descriptor<my::Scale>);
static_assert(tn::detail::is_shorthand<tn::Dense<4, my::LeakyReLU<>>>);
static_assert(std::is_same_v<tn::Sequential<tn::Input<3>, tn::Dense<4, my::LeakyReLU<>>>::layer_tuple,
                             tn::Sequential<tn::Input<3>, tn::Dense<4>, my::LeakyReLU<>>::layer_tuple>);
