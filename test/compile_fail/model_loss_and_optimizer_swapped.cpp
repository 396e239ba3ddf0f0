// Model's loss and optimizer in each other's place.
// expect-error: Model takes the loss second and the optimizer third: write Model<Network, Loss, Optimizer>, e.g. Model<Net, loss::CrossEntropy, optim::Adam>
// expect: at_model<Net, optim::Adam, loss::CrossEntropy, float>
#include <typenet/typenet.hpp>
namespace tn = typenet;

struct Net : tn::Sequential<tn::Input<784>, tn::Dense<10, tn::Softmax>> {};

double train(const tn::data::Dataset<tn::Shape<784>, tn::Shape<10>>& data) {
#ifdef TYPENET_TWIN
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model({.learning_rate = 1e-3f});
#else
  tn::Model<Net, tn::optim::Adam, tn::loss::CrossEntropy> model({.learning_rate = 1e-3f});
#endif
  model.fit(data, {.epochs = 1});
  return model.evaluate(data).accuracy;
}
