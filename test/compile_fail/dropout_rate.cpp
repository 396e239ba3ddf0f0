// A dropout rate of 1 (everything dropped).
// expect-error: Dropout's rate Numerator / Denominator must be at least 0 and below 1: e.g. Dropout<25> drops a quarter
// expect: Dropout<100
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<4>, tn::Dense<3>, tn::Dropout<50>, tn::Dense<1>> {};
#else
struct Net : tn::Sequential<tn::Input<4>, tn::Dense<3>, tn::Dropout<100>, tn::Dense<1>> {};
#endif

static_assert(Net::layer_count == 3);
