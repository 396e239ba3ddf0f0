// CrossEntropy on an image output, then fit and evaluate on a data set of 10 classes: the loss's
// mistake is the one error (the unfit targets follow from it and stay silent; clang++ reported
// both before).
// expect-error: CrossEntropy needs a rank-1 output of at least 2 class probabilities: end the network with Flatten, Dense<classes>, Softmax
// expect: at_network_output<Net, Shape<6, 6, 4>, loss::CrossEntropy>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<8, 8, 1>, tn::Conv2D<4, 3, 3>, tn::ReLU, tn::Flatten, tn::Dense<10>, tn::Softmax> {};
#else
struct Net : tn::Sequential<tn::Input<8, 8, 1>, tn::Conv2D<4, 3, 3>, tn::ReLU> {};
#endif

double train(const tn::data::Dataset<tn::Shape<8, 8, 1>, tn::Shape<10>>& data) {
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
  model.fit(data, {.epochs = 1});
  return model.evaluate(data).loss;
}
