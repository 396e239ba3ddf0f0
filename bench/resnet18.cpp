// bench/resnet18.cpp: a ResNet-18-sized network (a stem, four stages of two residual blocks, 64 to 512 channels) trained one step: one of the compile-time figures.
#include <cstdint>
#include <iostream>
#include <vector>

#include <typenet/typenet.hpp>

#include "resnet8.hpp"

namespace tn = typenet;

// ResNet-18 for 32 x 32 images (CIFAR's variant: a 3 x 3 stem, no stem pooling): each stage a
// downsampling block (but the first) and a block that keeps the shape.
template <std::size_t C>
struct Stage : tn::Chain<Down<C>, tn::ReLU, Basic<C>, tn::ReLU> {};
struct ResNet18 : tn::Sequential<tn::Input<32, 32, 3>, tn::Conv2D<64, 3, 3, tn::Padding::same>, tn::BatchNormalization,
                                 tn::ReLU, tn::Repeat<2, tn::Chain<Basic<64>, tn::ReLU>>, Stage<128>, Stage<256>,
                                 Stage<512>, tn::GlobalAveragePooling2D, tn::Dense<10>, tn::Softmax> {};
// Keras's count of the same model (BatchNormalization's four tensors per channel).
static_assert(ResNet18::parameter_count == 11'188'362);

int main() {
  tn::Random random(1);
  std::vector<float> x(64 * 32 * 32 * 3), t(64 * 10);
  for (auto& v : x) v = float(random.uniform(0, 1));
  for (std::size_t i = 0; i < 64; ++i) t[i * 10 + random.below(10)] = 1;
  const tn::data::Dataset<tn::Shape<32, 32, 3>, tn::Shape<10>> data(std::move(x), std::move(t));
  tn::Model<ResNet18, tn::loss::CrossEntropy, tn::optim::Adam> model({}, 1);
  ResNet18::summary();
  const auto history = model.fit(data, {.epochs = 1, .batch_size = 32, .verbose = false});
  std::cout << "loss after one epoch of 2 steps: " << history.epochs[0].loss << '\n';
}
