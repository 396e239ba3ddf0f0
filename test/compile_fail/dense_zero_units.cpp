// A layer of zero units.
// expect-error: Dense needs at least one unit: write Dense<Units> with Units > 0
// expect: Dense<0>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<4>, tn::Dense<1>, tn::Sigmoid> {};
#else
struct Net : tn::Sequential<tn::Input<4>, tn::Dense<0>, tn::Sigmoid> {};
#endif

static_assert(Net::layer_count == 2);
