// A Sequential that does not start with Input.
// expect-error: Sequential needs Input<...> as its first argument, e.g. Sequential<Input<28, 28, 1>, Flatten, Dense<10>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<16>, tn::Dense<10>, tn::Softmax> {};
#else
struct Net : tn::Sequential<tn::Dense<10>, tn::Softmax> {};
#endif

static_assert(Net::layer_count >= 1);
