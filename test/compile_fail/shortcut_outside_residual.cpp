// A Shortcut written where a layer goes: it belongs last in a Residual.
// expect-error: Shortcut<...> is the projection of a Residual and goes last in it: Residual<body..., Shortcut<...>>
// expect: at_layer<2, Shortcut<Conv2D<8, 1, 1, Padding::valid, 1, 1>>, Shape<26, 26, 8>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<8, 3, 3>,
                            tn::Residual<tn::Chain<tn::Conv2D<8, 3, 3, tn::Padding::same>, tn::ReLU>, tn::Shortcut<tn::Conv2D<8, 1, 1>>>,
                            tn::Flatten, tn::Dense<10>, tn::Softmax> {};
#else
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<8, 3, 3>, tn::Shortcut<tn::Conv2D<8, 1, 1>>, tn::Flatten,
                            tn::Dense<10>, tn::Softmax> {};
#endif

void train(const tn::data::Dataset<tn::Shape<28, 28, 1>, tn::Shape<10>>& data) {
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
  model.fit(data, {.epochs = 1});
}
