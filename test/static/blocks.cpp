// Static tests of blocks: shapes, parameter counts (as Keras counts them), the nodes a block lays
// out, their paths, the plan's reading of the graph, and the memory figures.
#include <typenet/typenet.hpp>

namespace tn = typenet;
using tn::Shape;

template <std::size_t C>
struct Basic : tn::Residual<tn::Conv2D<C, 3, 3, tn::Padding::same>, tn::BatchNormalization, tn::ReLU,
                            tn::Conv2D<C, 3, 3, tn::Padding::same>, tn::BatchNormalization> {};
template <std::size_t C>
struct Down : tn::Residual<tn::Chain<tn::Conv2D<C, 3, 3, tn::Padding::same, 2>, tn::BatchNormalization, tn::ReLU,
                                     tn::Conv2D<C, 3, 3, tn::Padding::same>, tn::BatchNormalization>,
                           tn::Shortcut<tn::Conv2D<C, 1, 1, tn::Padding::valid, 2>, tn::BatchNormalization>> {};
struct ResNet8 : tn::Sequential<tn::Input<32, 32, 3>, tn::Conv2D<16, 3, 3, tn::Padding::same>, tn::BatchNormalization,
                                tn::ReLU, Basic<16>, tn::ReLU, Down<32>, tn::ReLU, Down<64>, tn::ReLU,
                                tn::GlobalAveragePooling2D, tn::Dense<10>, tn::Softmax> {};

// Keras's model.summary() of the same model (Conv2D k*k*in*out + out; BatchNormalization 4 per
// channel, 2 of them not trained; Add, ReLU and pooling none): 448 + 64 + [2,320 + 64 + 2,320 + 64]
// + [4,640 + 128 + 9,248 + 128 + 544 + 128] + [18,496 + 256 + 36,928 + 256 + 2,112 + 256] + 650.
static_assert(ResNet8::parameter_count == 79'050);
static_assert(ResNet8::output_shape == Shape<10>{});
// Nodes: 3 + (5 layers + Add) + ReLU + (5 + 2 + Add) + ReLU + (5 + 2 + Add) + ReLU + 3.
static_assert(ResNet8::layer_count == 31);
// Down<32>'s merge reads the body's last BatchNormalization and the shortcut's.
static_assert(std::is_same_v<ResNet8::node<17>::layer, tn::detail::AddNode<Shape<16, 16, 32>, 2>>);
static_assert(ResNet8::node<17>::sources == std::array<std::size_t, 2>{15, 17});
// Basic<16>'s merge reads its body's end and the block's input (the ReLU at position 3).
static_assert(ResNet8::node<8>::sources == std::array<std::size_t, 2>{8, 3});
static_assert(std::is_same_v<ResNet8::node<11>::path,
                             tn::detail::type_list<tn::at_layer<6, Down<32>, Shape<32, 32, 16>>, tn::at_branch<0>,
                                                   tn::at_layer<2, tn::BatchNormalization, Shape<16, 16, 32>>>>);

// Inception's block (a stride-1 pooling with same padding among its branches): channels add up.
using Mixed = tn::Concat<tn::Chain<tn::Conv2D<16, 1, 1>, tn::ReLU>,
                         tn::Chain<tn::Conv2D<16, 1, 1>, tn::ReLU, tn::Conv2D<24, 3, 3, tn::Padding::same>, tn::ReLU>,
                         tn::Chain<tn::MaxPool2D<3, 3, tn::Padding::same, 1>, tn::Conv2D<8, 1, 1>, tn::ReLU>>;
struct Inception : tn::Sequential<tn::Input<16, 16, 32>, Mixed, tn::GlobalAveragePooling2D, tn::Dense<10>, tn::Softmax> {};
static_assert(Inception::layer_count == 13);
static_assert(std::is_same_v<Inception::layer<9>, tn::detail::ConcatNode<Shape<16, 16, 48>, Shape<16, 16, 16>,
                                                                          Shape<16, 16, 24>, Shape<16, 16, 8>>>);
// Keras: 32*16 + 16, 32*16 + 16, 9*16*24 + 24, 32*8 + 8, 48*10 + 10.
static_assert(Inception::parameter_count == 528 + 528 + 3'480 + 264 + 490);
// The block's input feeds three layers, but nothing before it has parameters: no gradient is made
// at the input, so none is added.
static_assert(!tn::exec::Plan<Inception>::needs_gradient[0]);
static_assert(!tn::exec::Plan<Inception>::makes_input_gradient[1] && !tn::exec::Plan<Inception>::accumulates[3]);

// Repeat<N, Block> is N blocks in a row, each with its own parameters; nested blocks fold.
struct Repeated : tn::Sequential<tn::Input<8, 8, 4>, tn::Repeat<3, Basic<4>>, tn::Flatten, tn::Dense<2>> {};
static_assert(Repeated::layer_count == 3 * 6 + 2);
static_assert(Repeated::parameter_count == 3 * (2 * (9 * 4 * 4 + 4) + 2 * 16) + (256 * 2 + 2));
struct Nested : tn::Sequential<tn::Input<6>, tn::Residual<tn::Add<tn::Dense<6>, tn::Chain<tn::Dense<3>, tn::Dense<6>>>>> {};
static_assert(Nested::output_shape == Shape<6>{} && Nested::layer_count == 5);
static_assert(Nested::node<4>::sources == std::array<std::size_t, 2>{4, 0});  // the residual's sum

// A Concat of vectors (NNUE-style halves) joins along their only axis.
struct Halves : tn::Sequential<tn::Input<10>, tn::Concat<tn::Dense<4>, tn::Dense<4>>, tn::ReLU, tn::Dense<1>> {};
static_assert(tn::exec::Plan<Halves>::fused_forward[3]);  // the Concat applies the ReLU after it
static_assert(Halves::layer<2>::output_shape == Shape<8>{});

// Inference reuses its buffers once no later node reads them: a chain needs two; a residual
// keeps its input while its body runs (three); the Inception block keeps each finished branch
// until the Concat, and the pooling's output only until the convolution after it (four).
static_assert(tn::exec::Plan<Repeated>::inference_slots.count == 3);
static_assert(tn::exec::Plan<Inception>::inference_slots.count == 4);

// Memory: the figures and the plan agree, with the accumulation area where an output feeds
// several layers (Mixed's input feeds three, but needs no gradient; a conv before it does).
struct Fed : tn::Sequential<tn::Input<16, 16, 3>, tn::Conv2D<32, 1, 1>, Mixed, tn::Flatten, tn::Dense<2>> {};
static_assert(tn::exec::Plan<Fed>::accumulated_size == 16 * 16 * 32);
static_assert(Fed::memory<float, 2>.training_in_flight >= 16 * 16 * 32 * 4);
