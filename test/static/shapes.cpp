// Static tests of shape inference and parameter counts: building this file is passing it.
// Parameter counts are the figures Keras's model.summary() prints for the same models.
#include <typenet/typenet.hpp>

namespace tn = typenet;
using tn::Shape;

// Shape facts and equality across all shapes.
static_assert(Shape<28, 28, 1>::rank == 3 && Shape<28, 28, 1>::size == 784);
static_assert(Shape<28, 28, 1>::dims[1] == 28);
static_assert(Shape<10>{} == Shape<10>{});
static_assert(!(Shape<10>{} == Shape<10, 1>{}));
static_assert(!(Shape<2, 5>{} == Shape<5, 2>{}));
static_assert(tn::AnyShape<Shape<3>> && !tn::AnyShape<int>);

// The MLP of the Keras tutorials: 784 -> 128 relu -> 10 softmax.
struct Mlp : tn::Sequential<tn::Input<784>, tn::Dense<128>, tn::ReLU, tn::Dense<10>, tn::Softmax> {};
static_assert(Mlp::is_valid);
static_assert(Mlp::parameter_count == 101'770);
static_assert(Mlp::layer_count == 4);
static_assert(Mlp::input_shape == Shape<784>{});
static_assert(Mlp::output_shape == Shape<10>{});
static_assert(Mlp::layer<0>::output_shape == Shape<128>{});
static_assert(Mlp::layer<0>::parameter_count == 100'480);
static_assert(Mlp::layer<2>::input_shape == Shape<128>{});
static_assert(Mlp::layer<2>::parameter_count == 1'290);
static_assert(Mlp::activation_sizes == std::array<std::size_t, 5>{784, 128, 128, 10, 10});

// Flatten of an image, as keras.Sequential([Flatten(input_shape=(28, 28)), Dense(128), Dense(10)]).
struct FlatMlp : tn::Sequential<tn::Input<28, 28, 1>, tn::Flatten, tn::Dense<128>, tn::ReLU, tn::Dense<10>, tn::Softmax> {};
static_assert(FlatMlp::parameter_count == 101'770);
static_assert(FlatMlp::layer<0>::output_shape == Shape<784>{});

// Activations keep any shape; Softmax works over the last axis.
struct Shapes : tn::Sequential<tn::Input<4, 3, 2>, tn::ReLU, tn::Sigmoid, tn::Tanh, tn::Softmax, tn::Flatten, tn::Dense<1>> {};
static_assert(Shapes::layer<3>::output_shape == Shape<4, 3, 2>{});
static_assert(Shapes::output_shape == Shape<1>{});
static_assert(Shapes::parameter_count == 24 + 1);

// A logistic regression and a deep narrow stack.
struct Logistic : tn::Sequential<tn::Input<2>, tn::Dense<1>, tn::Sigmoid> {};
static_assert(Logistic::parameter_count == 3);
struct Deep : tn::Sequential<tn::Input<3>, tn::Dense<5>, tn::Tanh, tn::Dense<5>, tn::Tanh, tn::Dense<5>, tn::Tanh, tn::Dense<2>> {};
static_assert(Deep::parameter_count == (3 * 5 + 5) + 2 * (5 * 5 + 5) + (5 * 2 + 2));

// Bound layers satisfy the concepts.
static_assert(tn::BoundLayer<Mlp::layer<0>> && tn::BoundLayer<Mlp::layer<1>> && tn::BoundLayer<Mlp::layer<3>>);
static_assert(tn::LayerDescriptor<tn::Dense<3>> && tn::LayerDescriptor<tn::ReLU> && !tn::LayerDescriptor<int>);
