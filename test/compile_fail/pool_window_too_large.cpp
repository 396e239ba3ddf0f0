// One pooling too many: the 2x2 window meets a 1x1 map.
// expect-error: the pooling window is larger than its input: use a smaller pool size, Padding::same, or fewer pooling layers
// expect: at_layer<4, MaxPool2D<2, 2
// expect: Shape<1, 1, 8>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<8, 8, 1>, tn::Conv2D<8, 3, 3>, tn::MaxPool2D<2, 2>, tn::Conv2D<8, 3, 3>,
                            tn::Flatten, tn::Dense<10>> {};
#else
struct Net : tn::Sequential<tn::Input<8, 8, 1>, tn::Conv2D<8, 3, 3>, tn::MaxPool2D<2, 2>, tn::Conv2D<8, 3, 3>,
                            tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>> {};
#endif

static_assert(Net::layer_count >= 5);
