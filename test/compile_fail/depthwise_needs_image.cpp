// A depthwise convolution after Flatten: the image is already a vector.
// expect-error: DepthwiseConv2D needs a rank-3 input (height, width, channels): declare images as Input<height, width, channels> and keep Flatten after the convolutions
// expect: at_layer<4, DepthwiseConv2D<3, 3, Padding::same, 2
// expect: Shape<4096>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<32, 32, 3>, tn::SeparableConv2D<16, 3, 3, tn::Padding::same, 2>, tn::ReLU,
                            tn::DepthwiseConv2D<3, 3, tn::Padding::same, 2>, tn::Flatten, tn::Dense<10>> {};
#else
struct Net : tn::Sequential<tn::Input<32, 32, 3>, tn::SeparableConv2D<16, 3, 3, tn::Padding::same, 2>, tn::ReLU,
                            tn::Flatten, tn::DepthwiseConv2D<3, 3, tn::Padding::same, 2>, tn::Dense<10>> {};
#endif

static_assert(Net::layer_count == 5);
