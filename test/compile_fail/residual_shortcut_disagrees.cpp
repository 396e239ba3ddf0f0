// A projected residual whose shortcut keeps the input's width while the body halves it.
// expect-error: Residual's body and its Shortcut give different shapes (body_output, shortcut_output): they must agree on every axis to be added
// expect: at_path<at_layer<1, Down, Shape<16, 16, 8>>, body_output<Shape<8, 8, 16>>, shortcut_output<Shape<16, 16, 16>>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
using Projection = tn::Shortcut<tn::Conv2D<16, 1, 1, tn::Padding::valid, 2>>;
#else
using Projection = tn::Shortcut<tn::Conv2D<16, 1, 1>>;
#endif
struct Down : tn::Residual<tn::Chain<tn::Conv2D<16, 3, 3, tn::Padding::same, 2>, tn::ReLU>, Projection> {};
struct Net : tn::Sequential<tn::Input<16, 16, 8>, Down, tn::GlobalAveragePooling2D, tn::Dense<10>, tn::Softmax> {};

void train(const tn::data::Dataset<tn::Shape<16, 16, 8>, tn::Shape<10>>& data) {
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
  model.fit(data, {.epochs = 1});
}
