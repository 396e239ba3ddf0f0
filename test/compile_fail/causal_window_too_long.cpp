// A causal convolution whose dilated window (4 x (3 - 1) + 1 = 9 steps) is longer than its input.
// expect-error: Conv1D's window (dilation x (kernel - 1) + 1 steps) is longer than its input: use a smaller kernel or dilation, or a longer input (with Padding::causal the first outputs would read nothing but padding)
// expect: at_layer<2, Conv1D<4, 3, Padding::causal, 1, 4
// expect: Shape<8, 4>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<8, 1>, tn::Conv1D<4, 2, tn::Padding::causal>,
                            tn::Conv1D<4, 3, tn::Padding::causal, 1, 2>, tn::GlobalAveragePooling1D, tn::Dense<1>> {};
#else
struct Net : tn::Sequential<tn::Input<8, 1>, tn::Conv1D<4, 2, tn::Padding::causal>,
                            tn::Conv1D<4, 3, tn::Padding::causal, 1, 4>, tn::GlobalAveragePooling1D, tn::Dense<1>> {};
#endif

static_assert(Net::layer_count == 4);
