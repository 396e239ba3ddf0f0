// BinaryCrossEntropy after a last Dense<1> with no Sigmoid: a raw score is not a probability.
// expect-error: BinaryCrossEntropy takes a probability, and the network does not end in Sigmoid: add Sigmoid after Dense<1>, or train the raw score with loss::BinaryCrossEntropyFromLogits
// expect: at_network_end<Net, 3, Dense<1>, loss::BinaryCrossEntropy>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<8>, tn::Dense<16>, tn::ReLU, tn::Dense<1>, tn::Sigmoid> {};
#else
struct Net : tn::Sequential<tn::Input<8>, tn::Dense<16>, tn::ReLU, tn::Dense<1>> {};
#endif

tn::Model<Net, tn::loss::BinaryCrossEntropy, tn::optim::Adam> model;
