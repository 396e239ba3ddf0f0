// A layer written by the user whose gradient tiles declare spans of the parameter block that overlap.
// expect-error: this layer's gradient spans overlap or leave its parameter block: give each of its gradient_tiles a part of the block of its own in gradient_span(tile)
// expect: at_layer<2, Scale, Shape<10>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

/// y = w x, one weight per value, its gradient in two tiles: the first half, then the rest.
struct Scale : tn::detail::AcceptsAnyShape {  // check_parameters, accepts, explain
  static constexpr std::string_view name = "Scale";
  static std::string spelling() { return "Scale"; }

  template <tn::AnyShape In>
  struct bind : tn::NoWorkAreas {
    using descriptor = Scale;
    static constexpr In input_shape{};
    static constexpr In output_shape{};
    static constexpr std::size_t size = In::size, half = size / 2;
    static constexpr std::array<tn::ParameterTensor, 1> parameter_tensors{
        tn::ParameterTensor{"scale", size, tn::Init::ones}};
    static constexpr std::size_t parameter_count = size;
    static constexpr std::size_t packed_size = 0;
    static constexpr std::size_t gradient_tiles = 2;
#ifndef TYPENET_TWIN
    static constexpr tn::GradientSpan gradient_span(std::size_t tile) {
      return tile == 0 ? tn::GradientSpan{0, half} : tn::GradientSpan{half - 1, size - half + 1};
    }
#else
    static constexpr tn::GradientSpan gradient_span(std::size_t tile) {
      return tile == 0 ? tn::GradientSpan{0, half} : tn::GradientSpan{half, size - half};
    }
#endif
    template <class S>
    static void pack(const S*, S*) {}
    template <class S>
    static void forward(const tn::Pass<S>& pass, const S* x, S* y, std::size_t n) {
      for (std::size_t b = 0; b < n; ++b)
        for (std::size_t i = 0; i < size; ++i) y[b * size + i] = pass.params[i] * x[b * size + i];
    }
    template <class S>
    static void backward(const tn::Pass<S>& pass, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if (dx)
        for (std::size_t b = 0; b < n; ++b)
          for (std::size_t i = 0; i < size; ++i) dx[b * size + i] = pass.params[i] * dy[b * size + i];
    }
    /// g points at the tile's span: values [span.first, span.first + span.size) of the block.
    template <class S>
    static void gradient(const tn::Pass<S>&, std::size_t tile, S* g, const S* x, const S* dy, std::size_t n) {
      const tn::GradientSpan span = gradient_span(tile);
      for (std::size_t i = 0; i < span.size; ++i) {
        g[i] = S{};
        for (std::size_t b = 0; b < n; ++b) g[i] += x[b * size + span.first + i] * dy[b * size + span.first + i];
      }
    }
  };
};

struct Net : tn::Sequential<tn::Input<16>, tn::Dense<10>, Scale, tn::Dense<3>, tn::Softmax> {};
static_assert(Net::layer_count == 4);
// The model built on it stays silent too: the one error is the layer's.
using M = tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam>;
static_assert(sizeof(M) > 0);
