// A 5x5 kernel on the 2x2 maps left after two convolutions and two poolings.
// expect-error: Conv2D's kernel is larger than its input: use a smaller kernel, Padding::same, or less pooling before it
// expect: at_layer<5, Conv2D<16, 5, 5
// expect: Shape<2, 2, 8>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<16, 16, 1>, tn::Conv2D<8, 3, 3>, tn::MaxPool2D<2, 2>, tn::Conv2D<8, 3, 3>,
                            tn::MaxPool2D<2, 2>, tn::Conv2D<16, 5, 5, tn::Padding::same>, tn::Flatten, tn::Dense<10>> {};
#else
struct Net : tn::Sequential<tn::Input<16, 16, 1>, tn::Conv2D<8, 3, 3>, tn::MaxPool2D<2, 2>, tn::Conv2D<8, 3, 3>,
                            tn::MaxPool2D<2, 2>, tn::Conv2D<16, 5, 5>, tn::Flatten, tn::Dense<10>> {};
#endif

static_assert(Net::layer_count == 7);
