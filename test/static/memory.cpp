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
static_assert(tn::exec::Plan<Mlp>::packed_block == 100'352 + 1'280);

constexpr tn::Memory adam = Mlp::memory<float, 2>;
static_assert(adam.parameters == Mlp::parameter_block * 4);
static_assert(adam.gradients == adam.parameters);
static_assert(adam.optimizer_state == 2 * adam.parameters);
static_assert(adam.packed == tn::exec::Plan<Mlp>::packed_block * 4);
// The ReLU is fused both ways: Dense<128> applies it to its own output (which is then never
// stored) and Dense<10> passes back the gradient before it (the gradient at the ReLU's output
// is never stored).
static_assert(tn::exec::Plan<Mlp>::fused_forward[1] && !tn::exec::Plan<Mlp>::fused_forward[3]);
static_assert(tn::exec::Plan<Mlp>::fused_backward[2] && !tn::exec::Plan<Mlp>::fused_backward[1]);
// Training keeps for the whole batch what the Dense layers' parameter gradients read after it
// (each one's input and the gradient at its output) and the network's output; the rest lives
// in the work areas of the chunks running.
static_assert(tn::exec::Plan<Mlp>::batch_output[0] && !tn::exec::Plan<Mlp>::batch_output[1] && tn::exec::Plan<Mlp>::batch_output[2] && !tn::exec::Plan<Mlp>::batch_output[3] &&
              tn::exec::Plan<Mlp>::batch_output[4]);
static_assert(tn::exec::Plan<Mlp>::batch_gradient[1] && !tn::exec::Plan<Mlp>::batch_gradient[2] && tn::exec::Plan<Mlp>::batch_gradient[3] && !tn::exec::Plan<Mlp>::batch_gradient[4]);
// Per sample of the batch: input 784; outputs 128 (the ReLU's) + 10 (the network's); gradients
// 128 + 10; target 10; loss and correctness 2. Per sample of a chunk running: Dense<10>'s output
// and the gradient at the Softmax's (10 + 10).
static_assert(adam.training_per_sample == (784 + (128 + 10) + (128 + 10) + 10 + 2) * 4);
static_assert(adam.training_in_flight == (10 + 10) * 4);
// Inference, per sample: the input and two buffers of the widest layer output (128).
static_assert(adam.inference_per_sample == (784 + 2 * 128) * 4);
// A batch of 32 runs in 2 chunks of 16 samples: a work area for each chunk running at a time.
static_assert(tn::exec::Plan<Mlp>::samples_per_chunk(32) == 16 && tn::exec::Plan<Mlp>::most_chunks(32) == 2);
// After the batch, the Dense gradients add their two chunks' sums in registers
// (`gradient_tree`): nothing in the work areas.
static_assert(adam.gradient_tree(32) == 0 && adam.area(32) == 16 * adam.training_in_flight);
static_assert(adam.training(32) ==
              adam.parameters * 4 + adam.packed + 32 * adam.training_per_sample + 2 * 16 * adam.training_in_flight);
static_assert(adam.training(32, 1) ==
              adam.parameters * 4 + adam.packed + 32 * adam.training_per_sample + 1 * 16 * adam.training_in_flight);
static_assert(adam.training(32, 99) == adam.training(32));

// A CNN: its convolutions sum their parameter gradients per chunk, so nothing before the
// Dense layer is kept for the whole batch: the 26 x 26 x 32 output of the first convolution
// and its gradient live in the chunk work areas.
struct Cnn : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten,
                            tn::Dense<10>, tn::Softmax> {};
static_assert(!tn::exec::Plan<Cnn>::batch_output[0] && !tn::exec::Plan<Cnn>::batch_output[2] && !tn::exec::Plan<Cnn>::batch_output[3] && tn::exec::Plan<Cnn>::batch_output[4] &&
              tn::exec::Plan<Cnn>::batch_output[6]);
static_assert(!tn::exec::Plan<Cnn>::batch_gradient[1] && !tn::exec::Plan<Cnn>::batch_gradient[3] && tn::exec::Plan<Cnn>::batch_gradient[5]);
constexpr tn::Memory cnn = Cnn::memory<float, 2>;
static_assert(cnn.training_in_flight > 2 * 26 * 26 * 32 * 4);
// Kept per sample: Flatten's output (Dense's input), the network's output, the gradient at
// Dense's output, the target, the loss and correctness.
static_assert(cnn.training_per_sample == (13 * 13 * 32 + 10 + 10 + 10 + 2) * 4);

// With a batch-coupled layer, every output and saved value is kept for the whole batch (its
// stages are parallel loops of their own), and each gradient one backward stage writes and
// another reads: the BatchNormalization's, written above it and read in its own stage; the
// convolution's is written and read in the last stage, and lives in a chunk's work area.
struct Normalized : tn::Sequential<tn::Input<8, 8, 1>, tn::Conv2D<4, 3, 3>, tn::BatchNormalization, tn::ReLU,
                                   tn::Flatten, tn::Dense<2>, tn::Softmax> {};
using NormalizedPlan = tn::exec::Plan<Normalized>;
static_assert(NormalizedPlan::batch_output[0] && NormalizedPlan::batch_output[1] && NormalizedPlan::batch_saved[1]);
static_assert(NormalizedPlan::backward_stage[1] == 1 && NormalizedPlan::backward_stage[2] == 1 &&
              NormalizedPlan::backward_stage[3] == 0);
static_assert(!NormalizedPlan::batch_gradient[1] && NormalizedPlan::batch_gradient[2] && !NormalizedPlan::batch_gradient[3] &&
              NormalizedPlan::batch_gradient[5]);

// The optimizer's slots and the scalar enter the figures.
static_assert(Mlp::memory<double, 1>.optimizer_state == Mlp::parameter_block * 8);
static_assert(tn::Model<Mlp, tn::loss::CrossEntropy, tn::optim::SGD>::memory.optimizer_state == Mlp::parameter_block * 4);
static_assert(tn::Model<Mlp, tn::loss::CrossEntropy, tn::optim::Adam, double>::memory.parameters ==
              Mlp::parameter_block * 8);
