// A penalty on a layer without parameters.
// expect-error: Regularized needs a layer with parameters, such as Dense or Conv2D: it penalises the layer's kernel
// expect: Regularized<
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<4>, tn::Regularized<tn::Dense<3>, tn::L2<1, 100>>, tn::ReLU, tn::Dense<1>> {};
#else
struct Net : tn::Sequential<tn::Input<4>, tn::Dense<3>, tn::Regularized<tn::ReLU, tn::L2<1, 100>>, tn::Dense<1>> {};
#endif

static_assert(Net::layer_count == 3);
