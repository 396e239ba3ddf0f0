// Static tests of the memory figures: what a model allocates, known at compile time.
#include <typenet/typenet.hpp>

namespace tn = typenet;
using tn::Shape;

struct Mlp : tn::Sequential<tn::Input<784>, tn::Dense<128>, tn::ReLU, tn::Dense<10>, tn::Softmax> {};

// Parameter blocks: each tensor padded to 16 elements (a cache line of floats).
// Dense<128>: kernel 100,352 (a multiple of 16) + bias 128; Dense<10>: kernel 1,280 + bias 10 -> 16.
static_assert(Mlp::parameter_block == 100'352 + 128 + 1'280 + 16);
static_assert(Mlp::parameter_offsets[2] == 100'480);
// Packed copies: each Dense keeps its kernel transposed.
static_assert(Mlp::packed_block == 100'352 + 1'280);

constexpr tn::Memory adam = Mlp::memory<float, 2>;
static_assert(adam.parameters == Mlp::parameter_block * 4);
static_assert(adam.gradients == adam.parameters);
static_assert(adam.optimizer_state == 2 * adam.parameters);
static_assert(adam.packed == Mlp::packed_block * 4);
// The ReLU is fused both ways: Dense<128> applies it to its own output (which is then never
// stored) and Dense<10> passes back the gradient before it (the gradient at the ReLU's output
// is never stored).
static_assert(Mlp::fused_forward[1] && !Mlp::fused_forward[3]);
static_assert(Mlp::fused_backward[2] && !Mlp::fused_backward[1]);
// Training, per sample: input 784; outputs 0 (fused) + 128 + 10 + 10; gradients 128 + 0 (fused)
// + 10 + 10; target 10; loss and correctness 2.
static_assert(adam.training_per_sample == (784 + (128 + 10 + 10) + (128 + 10 + 10) + 10 + 2) * 4);
// Inference, per sample: the input and two buffers of the widest layer output (128).
static_assert(adam.inference_per_sample == (784 + 2 * 128) * 4);
static_assert(adam.training(32) == adam.parameters * 4 + adam.packed + 32 * adam.training_per_sample);

// The optimizer's slots and the scalar enter the figures.
static_assert(Mlp::memory<double, 1>.optimizer_state == Mlp::parameter_block * 8);
static_assert(tn::Model<Mlp, tn::loss::CrossEntropy, tn::optim::SGD>::memory.optimizer_state == Mlp::parameter_block * 4);
static_assert(tn::Model<Mlp, tn::loss::CrossEntropy, tn::optim::Adam, double>::memory.parameters ==
              Mlp::parameter_block * 8);
