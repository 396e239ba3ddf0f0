// CrossEntropy on a network whose output is an image, not class probabilities.
// expect-error: CrossEntropy needs a rank-1 output of at least 2 class probabilities: end the network with Flatten, Dense<classes>, Softmax
// expect: at_network_output<Net, Shape<4, 4, 2>, loss::CrossEntropy>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<4, 4, 2>, tn::Flatten, tn::Dense<3>, tn::Softmax> {};
#else
struct Net : tn::Sequential<tn::Input<4, 4, 2>, tn::Softmax> {};
#endif

tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
