// Images fed to a network that expects flat vectors.
// expect-error: the data set's samples do not have the network's input shape: reshape the data set (data.reshape<Shape<...>>()) or change Input<...>
// expect: at_network_input<Net, data_shape<Shape<28, 28, 1>>, network_shape<Shape<784>>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

struct Net : tn::Sequential<tn::Input<784>, tn::Dense<10>, tn::Softmax> {};

void train(const tn::data::FashionMnist& data) {
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
#ifdef TYPENET_TWIN
  model.fit(data.train.reshape<tn::Shape<784>>(), {.epochs = 1});
#else
  model.fit(data.train, {.epochs = 1});
#endif
}
