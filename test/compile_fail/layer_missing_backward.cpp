// A layer written by the user whose bind has a forward pass but no backward pass.
// expect-error: this layer's bound type has no backward pass: give bind<In> a static backward(pass, x, y, dy, dx, n), a template on the scalar type S returning void
// expect: at_layer<2, Doubling, Shape<10>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

/// y = 2x on any shape.
struct Doubling {
  static constexpr std::string_view name = "Doubling";
  static std::string spelling() { return "Doubling"; }
  template <class Where>
  static consteval bool check_parameters() { return true; }
  template <tn::AnyShape In>
  static constexpr bool accepts = true;
  template <class Where>
  static consteval void explain() {}

  template <tn::AnyShape In>
  struct bind : tn::NoParameters {
    using descriptor = Doubling;
    static constexpr In input_shape{};
    static constexpr In output_shape{};
    template <class S>
    static void forward(const tn::Pass<S>&, const S* x, S* y, std::size_t n) {
      for (std::size_t i = 0; i < n * In::size; ++i) y[i] = 2 * x[i];
    }
#ifdef TYPENET_TWIN
    template <class S>
    static void backward(const tn::Pass<S>&, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if (dx)
        for (std::size_t i = 0; i < n * In::size; ++i) dx[i] = 2 * dy[i];
    }
#endif
  };
};

struct Net : tn::Sequential<tn::Input<16>, tn::Dense<10>, Doubling, tn::Dense<3>, tn::Softmax> {};
static_assert(Net::layer_count == 4);
// The model built on it stays silent too: the one error is the layer's.
using M = tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam>;
static_assert(sizeof(M) > 0);
