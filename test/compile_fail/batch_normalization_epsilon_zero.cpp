// A BatchNormalization whose epsilon is zero (a division by zero on a constant feature).
// expect-error: BatchNormalizationWith<Epsilon, Momentum>: epsilon must be above 0 and momentum at least 0 and below 1, as std::ratio (PyTorch's eps=1e-5, momentum=0.1 is BatchNormalizationWith<std::ratio<1, 100000>, std::ratio<9, 10>>)
// expect: BatchNormalizationWith<std::ratio<0
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<4>, tn::Dense<3>, tn::PyTorchBatchNorm, tn::Dense<1>> {};
#else
struct Net : tn::Sequential<tn::Input<4>, tn::Dense<3>, tn::BatchNormalizationWith<std::ratio<0, 1>>, tn::Dense<1>> {};
#endif

static_assert(Net::layer_count == 3);
