// Keras's Dense(units, activation=...) written with a layer that is not an activation.
// expect-error: Dense<Units, Activation> takes an activation layer as its second argument (ReLU, Sigmoid, Tanh, Softmax, LeakyReLU<...>), as Keras's Dense(units, activation=...); write other layers after it
// expect: at_layer<3, Dense<10, Dropout<50
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<784>, tn::Dense<128, tn::ReLU>, tn::Dense<10>, tn::Dropout<50>> {};
#else
struct Net : tn::Sequential<tn::Input<784>, tn::Dense<128, tn::ReLU>, tn::Dense<10, tn::Dropout<50>>> {};
#endif

static_assert(Net::layer_count >= 3);
