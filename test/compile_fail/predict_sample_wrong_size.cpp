// A fixed-size sample of the wrong size given to predict: its size is known at compile time.
// expect-error: predict: the sample does not have the network's input size: give it as many values as the network's Input<...> holds
// expect: at_network_input<Net, data_shape<Shape<10>>, network_shape<Shape<784>>>
#include <array>
#include <typenet/typenet.hpp>
namespace tn = typenet;

struct Net : tn::Sequential<tn::Input<784>, tn::Dense<10, tn::Softmax>> {};

std::size_t classify(tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam>& model) {
#ifdef TYPENET_TWIN
  const std::array<float, 784> image{};
#else
  const std::array<float, 10> image{};
#endif
  return model.predict_class(image);
}
