// Dense<10, Softmax> straight after an image input: the shorthand is checked by Dense's rule.
// expect-error: Dense needs a rank-1 input: put Flatten before it
// expect: at_layer<1, Dense<10, Softmax>, Shape<28, 28, 1>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Flatten, tn::Dense<10, tn::Softmax>> {};
#else
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Dense<10, tn::Softmax>> {};
#endif

static_assert(Net::layer_count >= 2);
