// examples/embedded/fashion_cnn.hpp: the seed CNN as a type and Fashion-MNIST's class names, for the embedded classifier and its test's reference.
#pragma once

#include <typenet/infer.hpp>

// The network the weights were trained for (examples/seed_cnn.cpp): a weight file of another
// architecture does not compile into Embedded<FashionCnn, ...>.
struct FashionCnn
    : typenet::Sequential<typenet::Input<28, 28, 1>, typenet::Conv2D<32, 3, 3>, typenet::ReLU,
                          typenet::MaxPool2D<2, 2>, typenet::Conv2D<64, 3, 3>, typenet::ReLU, typenet::MaxPool2D<2, 2>,
                          typenet::Flatten, typenet::Dense<10>, typenet::Softmax> {};

inline constexpr const char* fashion_classes[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
