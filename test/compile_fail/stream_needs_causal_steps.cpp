// A stream over a network that pools over time: a pooled step needs the steps after its own, so
// the network cannot run a step at a time. The note names the layer and its position.
// expect-error: Stream<Net> runs a step at a time: every layer must read no step after its own and keep the rate of steps (a causal Conv1D of stride 1, a recurrent layer, an activation; not pooling, a stride, Padding::same or valid over more than one step, Flatten or GlobalAveragePooling1D over time)
// expect: at_layer<2, MaxPool1D<2
#include <span>
#include <typenet/infer.hpp>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
struct Net : tn::Sequential<tn::Input<16, 1>, tn::Conv1D<4, 3, tn::Padding::causal>, tn::ReLU, tn::Conv1D<1, 1>> {};
#else
struct Net : tn::Sequential<tn::Input<16, 1>, tn::Conv1D<4, 3, tn::Padding::causal>, tn::MaxPool1D<2>,
                            tn::Conv1D<1, 1>> {};
#endif

float first_output(const float* parameters, float sample) {
  tn::Stream<Net> stream(parameters);
  return stream.step(std::span<const float, 1>(&sample, 1))[0];
}
