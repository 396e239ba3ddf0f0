// Ten classes in the data, five outputs in the network.
// expect-error: the data set's targets do not have the network's output shape: give the last Dense layer as many units as there are classes
// expect: at_network_targets<Net, data_shape<Shape<10>>, network_shape<Shape<5>>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Flatten, tn::Dense<10>, tn::Softmax> {};
#else
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Flatten, tn::Dense<5>, tn::Softmax> {};
#endif

double accuracy(const tn::data::FashionMnist& data) {
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
  return model.evaluate(data.test).accuracy;
}
