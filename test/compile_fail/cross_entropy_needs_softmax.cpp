// CrossEntropy after a last Dense with no Softmax: raw scores are not probabilities (it trained
// to a loss near 0 at 29 % accuracy before this was refused).
// expect-error: CrossEntropy takes class probabilities, and the network does not end in Softmax: add Softmax after its last layer, or train the raw scores with loss::CrossEntropyFromLogits
// expect: at_network_end<Net, 3, Dense<10>, loss::CrossEntropy>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Flatten, tn::Dense<32>, tn::Dense<10>, tn::Softmax> {};
#else
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Flatten, tn::Dense<32>, tn::Dense<10>> {};
#endif

tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
