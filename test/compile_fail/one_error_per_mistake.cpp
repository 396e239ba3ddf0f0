// A mistake early in a long network is reported once: the layers after it stay silent, and so
// does a Model built on it and trained.
// expect-error: Dense needs a rank-1 input: put Flatten before it
// expect: at_layer<2, Dense<64>, Shape<8, 8, 3>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<8, 8, 3>, tn::ReLU, tn::Flatten, tn::Dense<64>, tn::ReLU, tn::Dense<32>, tn::Dense<10>,
                            tn::Softmax> {};
#else
struct Net : tn::Sequential<tn::Input<8, 8, 3>, tn::ReLU, tn::Dense<64>, tn::ReLU, tn::Dense<32>, tn::Dense<10>,
                            tn::Softmax> {};
#endif

void train(const tn::data::Dataset<tn::Shape<8, 8, 3>, tn::Shape<10>>& data) {
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
  model.fit(data, {.epochs = 1});
  model.evaluate(data);
}
