// Branches of a Concat that disagree on height and width (a 3 x 3 convolution without padding
// shrinks its image): they cannot be joined along channels.
// expect-error: Concat's branches must agree on every axis but the last (branch_outputs): they are joined along the last axis, the channels of an image
// expect: branch_outputs<Shape<28, 28, 4>, Shape<26, 26, 4>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
using Wide = tn::Conv2D<4, 3, 3, tn::Padding::same>;
#else
using Wide = tn::Conv2D<4, 3, 3>;
#endif
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Concat<tn::Conv2D<4, 1, 1>, tn::Chain<Wide, tn::ReLU>>, tn::Flatten,
                            tn::Dense<10>, tn::Softmax> {};

void train(const tn::data::Dataset<tn::Shape<28, 28, 1>, tn::Shape<10>>& data) {
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
  model.fit(data, {.epochs = 1});
}
