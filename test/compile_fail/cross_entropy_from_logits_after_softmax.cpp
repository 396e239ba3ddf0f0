// CrossEntropyFromLogits after a Softmax: the loss applies its own softmax, a second one.
// expect-error: CrossEntropyFromLogits takes raw scores, and the network ends in Softmax (a second softmax would be applied): drop the Softmax, or use loss::CrossEntropy
// expect: at_network_end<Net, 4, Softmax, loss::CrossEntropyFromLogits>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<8>, tn::Dense<16>, tn::ReLU, tn::Dense<4>> {};
#else
struct Net : tn::Sequential<tn::Input<8>, tn::Dense<16>, tn::ReLU, tn::Dense<4>, tn::Softmax> {};
#endif

tn::Model<Net, tn::loss::CrossEntropyFromLogits, tn::optim::Adam> model;
