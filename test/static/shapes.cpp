// Static tests of shape inference and parameter counts: building this file is passing it.
// Parameter counts are the figures Keras's model.summary() prints for the same models.
#include <type_traits>

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
static_assert(tn::exec::Plan<Mlp>::activation_sizes == std::array<std::size_t, 5>{784, 128, 128, 10, 10});

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

// Keras's counts for the regularisation layers: BatchNormalization holds 4 per feature (gamma,
// beta, moving mean and variance; 2 trainable), Dropout and a kernel penalty hold none.
struct Normalised : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, tn::BatchNormalization, tn::ReLU,
                                   tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dropout<50>,
                                   tn::Regularized<tn::Dense<64>, tn::L2<1, 1000>>, tn::BatchNormalization,
                                   tn::Dense<10>, tn::Softmax> {};
static_assert(Normalised::layer<1>::output_shape == Shape<26, 26, 32>{});
static_assert(Normalised::layer<1>::parameter_count == 4 * 32);
static_assert(Normalised::layer<5>::output_shape == Shape<5408>{});
static_assert(Normalised::layer<7>::parameter_count == 4 * 64);
static_assert(Normalised::parameter_count == 320 + 128 + (5408 * 64 + 64) + 256 + 650);
static_assert(tn::detail::is_batch_coupled<Normalised::layer<1>> && !tn::detail::is_batch_coupled<Normalised::layer<0>>);
static_assert(Normalised::layer<1>::parameter_tensors[2].name == "moving_mean" && !Normalised::layer<1>::parameter_tensors[2].trainable);
static_assert(tn::Dropout<25>::rate == 0.25 && tn::Dropout<1, 3>::rate == 1.0 / 3);
static_assert(tn::L2<1, 1000>::l2 == 0.001 && tn::L1L2<tn::L1<1, 100>, tn::L2<2, 100>>::l1 == 0.01);
// The memory figures count BatchNormalization's batch statistics (5 doubles a feature, and 2 a
// feature for each parallel chunk).
static_assert(Normalised::memory<float, 2>.batch_statistics == (5 * 32 + 5 * 64) * sizeof(double));
static_assert(Normalised::memory<float, 2>.statistics_per_chunk == (2 * 32 + 2 * 64) * sizeof(double));

// Keras's shorthands: one kernel or window size is a square, and pooling is 2 x 2 unless given.
// Each spelling is the same type, so weight files and summaries cannot tell them apart.
static_assert(std::is_same_v<tn::Conv2D<32, 3>, tn::Conv2D<32, 3, 3>>);
static_assert(std::is_same_v<tn::Conv2D<8, 5>, tn::Conv2D<8, 5, 5, tn::Padding::valid, 1, 1>>);
static_assert(std::is_same_v<tn::MaxPool2D<>, tn::MaxPool2D<2, 2>>);
static_assert(std::is_same_v<tn::MaxPool2D<3>, tn::MaxPool2D<3, 3>>);
static_assert(std::is_same_v<tn::AvgPool2D<>, tn::AvgPool2D<2, 2>>);
struct KerasShorthand : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3>, tn::ReLU, tn::MaxPool2D<>,
                                       tn::Conv2D<64, 3>, tn::ReLU, tn::MaxPool2D<>, tn::Flatten, tn::Dense<10>,
                                       tn::Softmax> {};
static_assert(KerasShorthand::parameter_count == 34'826);
static_assert(KerasShorthand::output_shape == Shape<10>{});

// Keras's Dense(units, activation=...): Dense<128, ReLU> is shorthand for Dense<128>, ReLU. The
// bound layers are the same types in the same order, so the networks train, save and load alike;
// positions and layer_count count the parts, as summary() lists them.
struct MlpShorthand : tn::Sequential<tn::Input<784>, tn::Dense<128, tn::ReLU>, tn::Dropout<20>,
                                     tn::Dense<10, tn::Softmax>> {};
struct MlpLong : tn::Sequential<tn::Input<784>, tn::Dense<128>, tn::ReLU, tn::Dropout<20>, tn::Dense<10>,
                                tn::Softmax> {};
static_assert(std::is_same_v<MlpShorthand::layer_tuple, MlpLong::layer_tuple>);
static_assert(MlpShorthand::layer_count == 5);
static_assert(MlpShorthand::parameter_count == 101'770);  // Keras's model.summary() for the same MLP
static_assert(std::is_same_v<tn::Dense<10>, tn::Dense<10, void>>);
static_assert(std::is_same_v<MlpShorthand::layer<4>::descriptor, tn::Softmax>);
static_assert(std::is_same_v<tn::Sequential<tn::Input<3>, tn::Dense<4, tn::Tanh>>::layer<0>, tn::Dense<4>::bind<Shape<3>>>);
static_assert(tn::Sequential<tn::Input<3>, tn::Dense<4, tn::LeakyReLU<1, 10>>>::layer_count == 2);

// Regularized of the shorthand regularizes its Dense and keeps the activation after it.
static_assert(std::is_same_v<
              tn::Sequential<tn::Input<8>, tn::Regularized<tn::Dense<4, tn::ReLU>, tn::L2<1, 1000>>>::layer_tuple,
              tn::Sequential<tn::Input<8>, tn::Regularized<tn::Dense<4>, tn::L2<1, 1000>>, tn::ReLU>::layer_tuple>);

// A layer's spelling is a constant (detail::Text), so a constant expression can compare the
// architecture a weight file describes with the model's: here on g++ and clang++ alike.
static_assert(tn::Conv2D<16, 3, 3, tn::Padding::same, 2>::spelling() == "Conv2D<16, 3, 3, same, 2, 2>");
static_assert(tn::Conv2D<32, 3>::spelling() == "Conv2D<32, 3, 3>");
static_assert(tn::MaxPool2D<3, 3, tn::Padding::same, 1>::spelling() == "MaxPool2D<3, 3, same, 1, 1>");
static_assert(tn::AvgPool2D<>::spelling() == "AvgPool2D<2, 2>");
static_assert(tn::Dense<10>::spelling() == "Dense<10>" && tn::Dropout<1, 3>::spelling() == "Dropout<1, 3>");
static_assert(tn::LeakyReLU<1, 3>::spelling() == "LeakyReLU<1, 3>" && tn::LeakyReLU<>::spelling() == "LeakyReLU<>");
static_assert(tn::Regularized<tn::Conv2D<8, 3>, tn::L1L2<tn::L1<1, 100>, tn::L2<2, 100>>>::spelling() ==
              "Regularized<Conv2D<8, 3, 3>, L1L2<L1<1, 100>, L2<2, 100>>>");
static_assert(tn::PyTorchBatchNorm::spelling() == "BatchNormalizationWith<std::ratio<1, 100000>, std::ratio<9, 10>>");
static_assert(tn::Softmax::spelling() == "Softmax" && tn::Flatten::spelling() == "Flatten" &&
              tn::GlobalAveragePooling2D::spelling() == "GlobalAveragePooling2D" && tn::ReLU::spelling() == "ReLU");
static_assert(tn::detail::decimal(0) == "0" && tn::detail::decimal(18'446'744'073'709'551'615ull) == "18446744073709551615");
static_assert((tn::detail::Text("a") + "b" + tn::detail::decimal(12)).size() == 4);
