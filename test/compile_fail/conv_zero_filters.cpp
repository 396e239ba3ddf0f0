// A convolution with no filters.
// expect-error: Conv2D needs at least one filter: Conv2D<Filters, ...> with Filters > 0
// expect: at_layer<1, Conv2D<0, 3, 3
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<8, 8, 1>, tn::Conv2D<4, 3, 3>, tn::Flatten, tn::Dense<2>> {};
#else
struct Net : tn::Sequential<tn::Input<8, 8, 1>, tn::Conv2D<0, 3, 3>, tn::Flatten, tn::Dense<2>> {};
#endif

static_assert(Net::layer_count == 3);
