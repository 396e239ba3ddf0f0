// An input with a zero dimension.
// expect-error: Input needs every dimension to be at least 1
// expect: at_layer<0, Input<28, 0, 1>, Shape<28, 0, 1>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<28, 1, 1>, tn::Flatten, tn::Dense<10>> {};
#else
struct Net : tn::Sequential<tn::Input<28, 0, 1>, tn::Flatten, tn::Dense<10>> {};
#endif

static_assert(Net::layer_count == 2);
