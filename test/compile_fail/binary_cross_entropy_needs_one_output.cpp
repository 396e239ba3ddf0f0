// BinaryCrossEntropy over three outputs: it takes one probability (several classes want
// CrossEntropy).
// expect-error: BinaryCrossEntropy needs one output, the probability of a yes: end the network with Dense<1>, Sigmoid (for one of several classes use loss::CrossEntropy after Dense<classes>, Softmax)
// expect: at_network_output<Net, Shape<3>, loss::BinaryCrossEntropy>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<8>, tn::Dense<16>, tn::ReLU, tn::Dense<1>, tn::Sigmoid> {};
#else
struct Net : tn::Sequential<tn::Input<8>, tn::Dense<16>, tn::ReLU, tn::Dense<3>, tn::Sigmoid> {};
#endif

tn::Model<Net, tn::loss::BinaryCrossEntropy, tn::optim::Adam> model;
