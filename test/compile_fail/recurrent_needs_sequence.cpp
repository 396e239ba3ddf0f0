// An LSTM after a GRU that returns only its last step: the LSTM receives a vector.
// expect-error: a recurrent layer (SimpleRNN, GRU, LSTM) needs a rank-2 input (steps, features): declare sequences as Input<steps, features>, and give a recurrent layer before it Return::sequences
// expect: at_layer<2, LSTM<16
// expect: Shape<32>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<28, 28>, tn::GRU<32, tn::Return::sequences>, tn::LSTM<16>, tn::Dense<10>> {};
#else
struct Net : tn::Sequential<tn::Input<28, 28>, tn::GRU<32>, tn::LSTM<16>, tn::Dense<10>> {};
#endif

static_assert(Net::layer_count == 3);
