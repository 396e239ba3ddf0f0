// A regularised Dense on an image: the message is Dense's own.
// expect-error: Dense needs a rank-1 input: put Flatten before it
// expect: Regularized<
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<4, 4, 1>, tn::Flatten, tn::Regularized<tn::Dense<3>, tn::L2<1, 100>>> {};
#else
struct Net : tn::Sequential<tn::Input<4, 4, 1>, tn::Regularized<tn::Dense<3>, tn::L2<1, 100>>> {};
#endif

static_assert(Net::layer_count > 0);
