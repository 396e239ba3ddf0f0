// A layer of the user's own whose spelling() is a std::string, in a network given embedded weights:
// the file's architecture cannot be compared at compile time.
// expect-error: every layer's spelling() must be a constexpr Text
#include <typenet/infer.hpp>

#include <string>
#include <string_view>

#include "seed_cnn_weights.hpp"  // typenet-embed's header of examples/embedded/seed_cnn.tnw (test/meson.build)

namespace tn = typenet;
struct MyRelu {
  static constexpr std::string_view name = "MyRelu";
#ifdef TYPENET_TWIN
  static constexpr tn::detail::Text spelling() { return "ReLU"; }  // (what the file records)
#else
  static std::string spelling() { return "MyRelu"; }
#endif
  template <class Where> static consteval bool check_parameters() { return true; }
  template <tn::AnyShape In> static constexpr bool accepts = true;
  template <class Where> static consteval void explain() {}
  template <tn::AnyShape In> struct bind : tn::NoParameters {
    using descriptor = MyRelu;
    static constexpr In input_shape{};
    static constexpr In output_shape{};
    template <class S> static void forward(const tn::Pass<S>&, const S* x, S* y, std::size_t n) { for (std::size_t i = 0; i < n * In::size; ++i) y[i] = x[i]; }
    template <class S> static void backward(const tn::Pass<S>&, const S*, const S*, const S* dy, S* dx, std::size_t n) { if (dx) for (std::size_t i = 0; i < n * In::size; ++i) dx[i] = dy[i]; }
  };
};
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, MyRelu, tn::MaxPool2D<2, 2>, tn::Conv2D<64, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>, tn::Softmax> {};
static_assert(sizeof(tn::Embedded<Net, seed_cnn_weights>) > 0);
