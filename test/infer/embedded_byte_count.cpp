// Embedded data whose byte count does not fit the network's parameter block (a header and a
// source from different runs of typenet-embed, or a hand-edited header).
// expect-error: the embedded weight file does not describe the network
// expect: "seed_cnn.tnw: holds 139264 bytes of parameters, the model's parameter block is 139328 bytes (its header and its data come from different runs of typenet-embed)"
#include <typenet/infer.hpp>

#include <cstdint>

#include "seed_cnn_weights.hpp"  // typenet-embed's header of examples/embedded/seed_cnn.tnw (test/meson.build)

#include "../../examples/embedded/fashion_cnn.hpp"

namespace tn = typenet;

struct Cut : seed_cnn_weights {
#ifdef TYPENET_TWIN
  static constexpr std::uint64_t bytes = seed_cnn_weights::bytes;
#else
  static constexpr std::uint64_t bytes = seed_cnn_weights::bytes - 64;
#endif
};
static_assert(sizeof(tn::Embedded<FashionCnn, Cut>) > 0);
