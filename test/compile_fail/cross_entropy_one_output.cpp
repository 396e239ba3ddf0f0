// A categorical cross-entropy over one output: a yes/no network wants BinaryCrossEntropy.
// expect-error: CrossEntropy needs at least 2 class probabilities; for one output (the probability of a yes) use loss::BinaryCrossEntropy after Dense<1>, Sigmoid
// expect: at_network_output<Net, Shape<1>, loss::CrossEntropy>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<8>, tn::Dense<16>, tn::ReLU, tn::Dense<1>, tn::Sigmoid> {};
tn::Model<Net, tn::loss::BinaryCrossEntropy, tn::optim::Adam> model;
#else
struct Net : tn::Sequential<tn::Input<8>, tn::Dense<16>, tn::ReLU, tn::Dense<1>, tn::Softmax> {};
tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
#endif
