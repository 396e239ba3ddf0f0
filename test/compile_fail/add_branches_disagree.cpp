// Branches of an Add with different channel counts.
// expect-error: Add's branches give different shapes (branch_outputs): they must agree on every axis to be added
// expect: branch_outputs<Shape<28, 28, 4>, Shape<28, 28, 5>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
constexpr std::size_t second = 4;
#else
constexpr std::size_t second = 5;
#endif
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Add<tn::Conv2D<4, 1, 1>, tn::Conv2D<second, 1, 1>>, tn::Flatten,
                            tn::Dense<10>, tn::Softmax> {};

void train(const tn::data::Dataset<tn::Shape<28, 28, 1>, tn::Shape<10>>& data) {
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
  model.fit(data, {.epochs = 1});
}
