// A mistake in a branch of a block inside a named block: the message names the path (the
// block, the branch, the layer) and the shape the layer received; the network's other layers
// and the Model built on it say nothing more.
// expect-error: Conv2D needs a rank-3 input (height, width, channels): declare images as Input<height, width, channels> and keep Flatten after the convolutions
// expect: at_path<at_layer<1, Stage, Shape<28, 28, 1>>, at_layer<2, Concat<
// expect: at_branch<1>, at_layer<2, Conv2D<4, 3, 3, Padding::valid, 1, 1>, Shape<5408>>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
using Second = tn::Chain<tn::ReLU, tn::Conv2D<4, 3, 3, tn::Padding::same>>;
#else
using Second = tn::Chain<tn::Flatten, tn::Conv2D<4, 3, 3>>;
#endif
struct Stage : tn::Chain<tn::Conv2D<8, 3, 3>, tn::Concat<tn::Conv2D<4, 1, 1>, Second>> {};
struct Net : tn::Sequential<tn::Input<28, 28, 1>, Stage, tn::ReLU, tn::Flatten, tn::Dense<10>, tn::Softmax> {};

void train(const tn::data::Dataset<tn::Shape<28, 28, 1>, tn::Shape<10>>& data) {
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
  model.fit(data, {.epochs = 1});
  model.evaluate(data);
}
