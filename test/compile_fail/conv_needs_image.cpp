// A convolution on a flat vector.
// expect-error: Conv2D needs a rank-3 input (height, width, channels): declare images as Input<height, width, channels> and keep Flatten after the convolutions
// expect: at_layer<1, Conv2D<8, 3, 3
// expect: Shape<784>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<8, 3, 3>, tn::ReLU, tn::Flatten, tn::Dense<10>> {};
#else
struct Net : tn::Sequential<tn::Input<784>, tn::Conv2D<8, 3, 3>, tn::ReLU, tn::Flatten, tn::Dense<10>> {};
#endif

static_assert(Net::layer_count == 4);
