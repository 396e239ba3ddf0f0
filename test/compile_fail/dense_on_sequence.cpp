// A Dense after an LSTM that returns every step: Dense receives a sequence.
// expect-error: Dense needs a rank-1 input, and a sequence is rank 2 (steps, features): put Flatten, GlobalAveragePooling1D, or a recurrent layer with Return::last_step before it (Keras's Dense would apply to every step)
// expect: at_layer<2, Dense<10
// expect: Shape<28, 16>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<28, 28>, tn::LSTM<16>, tn::Dense<10>, tn::Softmax> {};
#else
struct Net : tn::Sequential<tn::Input<28, 28>, tn::LSTM<16, tn::Return::sequences>, tn::Dense<10>, tn::Softmax> {};
#endif

static_assert(Net::layer_count == 3);
