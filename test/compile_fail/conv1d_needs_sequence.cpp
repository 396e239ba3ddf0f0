// A 1-D convolution on an image.
// expect-error: Conv1D needs a rank-2 input (steps, channels): declare sequences as Input<steps, channels>; images take Conv2D
// expect: at_layer<1, Conv1D<8, 3
// expect: Shape<28, 28, 1>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<28, 28>, tn::Conv1D<8, 3>, tn::ReLU, tn::Flatten, tn::Dense<10>> {};
#else
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv1D<8, 3>, tn::ReLU, tn::Flatten, tn::Dense<10>> {};
#endif

static_assert(Net::layer_count == 4);
