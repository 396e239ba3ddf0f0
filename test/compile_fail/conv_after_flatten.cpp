// A convolution placed after Flatten, where the image shape is already gone.
// expect-error: Conv2D needs a rank-3 input (height, width, channels): declare images as Input<height, width, channels> and keep Flatten after the convolutions
// expect: at_layer<4, Conv2D<16, 3, 3
// expect: Shape<1352>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<8, 3, 3>, tn::MaxPool2D<2, 2>, tn::Conv2D<16, 3, 3>,
                            tn::Flatten, tn::Dense<10>> {};
#else
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<8, 3, 3>, tn::MaxPool2D<2, 2>, tn::Flatten,
                            tn::Conv2D<16, 3, 3>, tn::Dense<10>> {};
#endif

static_assert(Net::layer_count == 5);
