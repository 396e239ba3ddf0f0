// Model's third argument given as the scalar type (the optimizer left out).
// expect-error: Model's third argument must be an optimizer, such as optim::Adam, optim::SGD or optim::RMSprop (the scalar type, float unless given, comes fourth): Model<Network, Loss, Optimizer, Scalar = float>
// expect: at_model<Net, loss::CrossEntropy, float, float>
#include <typenet/typenet.hpp>
namespace tn = typenet;

struct Net : tn::Sequential<tn::Input<784>, tn::Dense<10, tn::Softmax>> {};

double train(const tn::data::Dataset<tn::Shape<784>, tn::Shape<10>>& data) {
#ifdef TYPENET_TWIN
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam, float> model;
#else
  tn::Model<Net, tn::loss::CrossEntropy, float> model;
#endif
  model.fit(data, {.epochs = 1});
  return model.evaluate(data).accuracy;
}
