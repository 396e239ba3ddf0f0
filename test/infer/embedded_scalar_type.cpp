// A float32 weight file compiled into an Embedded that computes in double.
// expect-error: the embedded weight file does not describe the network
// expect: "seed_cnn.tnw: holds float32 parameters, the model's scalar type is float64 (make an Embedded<..., float> to read it)"
#include <typenet/infer.hpp>

#include "seed_cnn_weights.hpp"  // typenet-embed's header of examples/embedded/seed_cnn.tnw (test/meson.build)

#include "../../examples/embedded/fashion_cnn.hpp"

namespace tn = typenet;

#ifdef TYPENET_TWIN
using Scalar = float;
#else
using Scalar = double;
#endif
static_assert(sizeof(tn::Embedded<FashionCnn, seed_cnn_weights, Scalar>) > 0);
