// examples/resnet8.hpp: ResNet-8 as types: Basic and Down residual blocks, and the network (shared by examples/resnet.cpp and bench/).
#pragma once

#include <cstddef>

#include <typenet/typenet.hpp>

// y = x + F(x) keeps the shape; Down halves height and width and widens the channels, its
// shortcut a strided 1 x 1 convolution with BatchNormalization (ResNet's "option B"). Each is a
// type of its own, so summaries and messages say Basic<16> and Down<32>.
template <std::size_t C>
struct Basic : typenet::Residual<typenet::Conv2D<C, 3, 3, typenet::Padding::same>, typenet::BatchNormalization,
                                 typenet::ReLU, typenet::Conv2D<C, 3, 3, typenet::Padding::same>,
                                 typenet::BatchNormalization> {};
template <std::size_t C>
struct Down
    : typenet::Residual<typenet::Chain<typenet::Conv2D<C, 3, 3, typenet::Padding::same, 2>, typenet::BatchNormalization,
                                       typenet::ReLU, typenet::Conv2D<C, 3, 3, typenet::Padding::same>,
                                       typenet::BatchNormalization>,
                        typenet::Shortcut<typenet::Conv2D<C, 1, 1, typenet::Padding::valid, 2>, typenet::BatchNormalization>> {};

/// A stem convolution, then three stages of 16, 32 and 64 channels (a ReLU after each block's
/// sum), global average pooling and a softmax classifier.
template <class Image>
struct ResNet8 : typenet::Sequential<Image, typenet::Conv2D<16, 3, 3, typenet::Padding::same>, typenet::BatchNormalization,
                                     typenet::ReLU, Basic<16>, typenet::ReLU, Down<32>, typenet::ReLU, Down<64>, typenet::ReLU,
                                     typenet::GlobalAveragePooling2D, typenet::Dense<10>, typenet::Softmax> {};
