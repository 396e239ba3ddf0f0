// A layer written by the user whose bind forgets to state its output shape.
// expect-error: this layer's bound type has no output shape: give bind<In> a static constexpr output_shape, a Shape<...> value (In output_shape{} keeps the input's shape)
// expect: at_layer<1, Halving, Shape<8>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

/// y = x / 2 on any shape.
struct Halving {
  static constexpr std::string_view name = "Halving";
  static std::string spelling() { return "Halving"; }
  template <class Where>
  static consteval bool check_parameters() { return true; }
  template <tn::AnyShape In>
  static constexpr bool accepts = true;
  template <class Where>
  static consteval void explain() {}

  template <tn::AnyShape In>
  struct bind : tn::NoParameters {
    using descriptor = Halving;
    static constexpr In input_shape{};
#ifdef TYPENET_TWIN
    static constexpr In output_shape{};
#endif
    template <class S>
    static void forward(const tn::Pass<S>&, const S* x, S* y, std::size_t n) {
      for (std::size_t i = 0; i < n * In::size; ++i) y[i] = x[i] / 2;
    }
    template <class S>
    static void backward(const tn::Pass<S>&, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if (dx)
        for (std::size_t i = 0; i < n * In::size; ++i) dx[i] = dy[i] / 2;
    }
  };
};

struct Net : tn::Sequential<tn::Input<8>, Halving, tn::Dense<4>, tn::ReLU, tn::Dense<2>> {};
static_assert(Net::layer_count == 4);
