// Pooling a flat vector.
// expect-error: a pooling layer (MaxPool2D, AvgPool2D) needs a rank-3 input (height, width, channels): pool before Flatten, not after it
// expect: at_layer<3, AvgPool2D<2, 2
// expect: Shape<128>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<8, 8, 2>, tn::AvgPool2D<2, 2>, tn::Flatten, tn::Dense<10>> {};
#else
struct Net : tn::Sequential<tn::Input<8, 8, 2>, tn::Flatten, tn::Dense<128>, tn::AvgPool2D<2, 2>, tn::Dense<10>> {};
#endif

static_assert(Net::layer_count >= 3);
