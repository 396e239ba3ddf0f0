// BinaryCrossEntropyFromLogits after a Sigmoid: the loss applies its own sigmoid, a second one.
// expect-error: BinaryCrossEntropyFromLogits takes a raw score, and the network ends in Sigmoid (a second sigmoid would be applied): drop the Sigmoid, or use loss::BinaryCrossEntropy
// expect: at_network_end<Net, 2, Sigmoid, loss::BinaryCrossEntropyFromLogits>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<8>, tn::Dense<1>> {};
#else
struct Net : tn::Sequential<tn::Input<8>, tn::Dense<1>, tn::Sigmoid> {};
#endif

tn::Model<Net, tn::loss::BinaryCrossEntropyFromLogits, tn::optim::Adam> model;
