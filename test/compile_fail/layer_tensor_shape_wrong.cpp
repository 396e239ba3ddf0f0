// A layer written by the user whose parameter tensor declares a shape whose axes do not multiply to its size.
// expect-error: a parameter tensor of this layer has a shape whose axes do not multiply to its size
// expect: at_layer<2, Bias, Shape<10>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

/// y = x + b, one bias per value.
struct Bias : tn::detail::AcceptsAnyShape {  // check_parameters, accepts, explain
  static constexpr std::string_view name = "Bias";
  static std::string spelling() { return "Bias"; }

  template <tn::AnyShape In>
  struct bind : tn::NoWorkAreas {
    using descriptor = Bias;
    static constexpr In input_shape{};
    static constexpr In output_shape{};
    static constexpr std::size_t size = In::size;
#ifndef TYPENET_TWIN
    static constexpr std::array<tn::ParameterTensor, 1> parameter_tensors{
        tn::ParameterTensor{"bias", size, tn::Init::zeros, 0, 0, true, {size + 1}}};
#else
    static constexpr std::array<tn::ParameterTensor, 1> parameter_tensors{
        tn::ParameterTensor{"bias", size, tn::Init::zeros, 0, 0, true, {size}}};
#endif
    static constexpr std::size_t parameter_count = size;
    static constexpr std::size_t packed_size = 0;
    static constexpr std::size_t gradient_tiles = 1;
    template <class S>
    static void pack(const S*, S*) {}
    template <class S>
    static void forward(const tn::Pass<S>& pass, const S* x, S* y, std::size_t n) {
      for (std::size_t b = 0; b < n; ++b)
        for (std::size_t i = 0; i < size; ++i) y[b * size + i] = x[b * size + i] + pass.params[i];
    }
    template <class S>
    static void backward(const tn::Pass<S>&, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if (dx)
        for (std::size_t i = 0; i < n * size; ++i) dx[i] = dy[i];
    }
    template <class S>
    static void gradient(const tn::Pass<S>&, std::size_t, S* g, const S*, const S* dy, std::size_t n) {
      for (std::size_t i = 0; i < size; ++i) {
        g[i] = S{};
        for (std::size_t b = 0; b < n; ++b) g[i] += dy[b * size + i];
      }
    }
  };
};

struct Net : tn::Sequential<tn::Input<16>, tn::Dense<10>, Bias, tn::Dense<3>, tn::Softmax> {};
static_assert(Net::layer_count == 4);
// The model built on it stays silent too: the one error is the layer's.
using M = tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam>;
static_assert(sizeof(M) > 0);
