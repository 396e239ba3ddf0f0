// A weight file of another architecture compiled into Embedded: the seed CNN's file (its first
// convolution has 32 filters) given to a network whose first convolution has 16.
// expect-error: the embedded weight file does not describe the network
// expect: "seed_cnn.tnw: was saved from a different network: layer 1: file has Conv2D<32, 3, 3>, model expects Conv2D<16, 3, 3>"
#include <typenet/infer.hpp>

#include "seed_cnn_weights.hpp"  // typenet-embed's header of examples/embedded/seed_cnn.tnw (test/meson.build)

namespace tn = typenet;

#ifdef TYPENET_TWIN
constexpr std::size_t filters = 32;
#else
constexpr std::size_t filters = 16;
#endif
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<filters, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                            tn::Conv2D<64, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>,
                            tn::Softmax> {};

tn::Embedded<Net, seed_cnn_weights>* net;
static_assert(sizeof(tn::Embedded<Net, seed_cnn_weights>) > 0);
