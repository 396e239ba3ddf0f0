// Static tests of convolutional networks: shapes, Keras flooring, padding, strides and
// parameter counts (the figures Keras's model.summary() prints for the same models).
#include <typenet/typenet.hpp>

namespace tn = typenet;
using tn::Padding;
using tn::Shape;

// The seed CNN (a Keras tutorial's CIFAR-10 network) on Fashion-MNIST: 34,826 parameters.
struct SeedCnn : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                                tn::Conv2D<64, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>,
                                tn::Softmax> {};
static_assert(SeedCnn::parameter_count == 34'826);
static_assert(SeedCnn::layer<0>::output_shape == Shape<26, 26, 32>{});
static_assert(SeedCnn::layer<0>::parameter_count == 320);
static_assert(SeedCnn::layer<2>::output_shape == Shape<13, 13, 32>{});
static_assert(SeedCnn::layer<3>::output_shape == Shape<11, 11, 64>{});
static_assert(SeedCnn::layer<3>::parameter_count == 18'496);
static_assert(SeedCnn::layer<5>::output_shape == Shape<5, 5, 64>{});  // 11 / 2 floors to 5, as Keras
static_assert(SeedCnn::layer<6>::output_shape == Shape<1600>{});
static_assert(SeedCnn::layer<7>::parameter_count == 16'010);
// Each convolution applies its ReLU, and each max pooling passes back the ReLU's gradient.
static_assert(tn::exec::Plan<SeedCnn>::fused_forward[1] && tn::exec::Plan<SeedCnn>::fused_forward[4]);
static_assert(tn::exec::Plan<SeedCnn>::fused_backward[2] && tn::exec::Plan<SeedCnn>::fused_backward[5]);
static_assert(!tn::exec::Plan<SeedCnn>::fused_forward[2] && !tn::exec::Plan<SeedCnn>::fused_backward[1]);

// The same network on CIFAR-10's 32x32x3 images: 42,442 parameters.
struct CifarCnn : tn::Sequential<tn::Input<32, 32, 3>, tn::Conv2D<32, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>,
                                 tn::Conv2D<64, 3, 3>, tn::ReLU, tn::MaxPool2D<2, 2>, tn::Flatten, tn::Dense<10>,
                                 tn::Softmax> {};
static_assert(CifarCnn::parameter_count == 42'442);
static_assert(CifarCnn::layer<5>::output_shape == Shape<6, 6, 64>{});

// Padding::same keeps the size at stride 1 and gives ceil(size / stride) otherwise.
static_assert(tn::Conv2D<8, 3, 3, Padding::same>::bind<Shape<28, 28, 1>>::output_shape == Shape<28, 28, 8>{});
static_assert(tn::Conv2D<8, 3, 3, Padding::same, 2>::bind<Shape<28, 28, 1>>::output_shape == Shape<14, 14, 8>{});
static_assert(tn::Conv2D<8, 3, 3, Padding::same, 2>::bind<Shape<7, 7, 1>>::output_shape == Shape<4, 4, 8>{});
static_assert(tn::Conv2D<8, 5, 5, Padding::valid, 2>::bind<Shape<28, 28, 1>>::output_shape == Shape<12, 12, 8>{});
static_assert(tn::Conv2D<8, 1, 7, Padding::valid, 1, 3>::bind<Shape<9, 9, 2>>::output_shape == Shape<9, 1, 8>{});
static_assert(tn::Conv2D<8, 3, 3>::bind<Shape<3, 3, 4>>::output_shape == Shape<1, 1, 8>{});  // kernel = input

// Pooling: strides default to the pool size; one stride serves both axes; same padding.
static_assert(tn::MaxPool2D<2, 2>::bind<Shape<7, 7, 3>>::output_shape == Shape<3, 3, 3>{});
static_assert(tn::MaxPool2D<2, 3>::bind<Shape<8, 9, 1>>::output_shape == Shape<4, 3, 1>{});
static_assert(tn::MaxPool2D<3, 3, Padding::valid, 2>::bind<Shape<7, 7, 1>>::output_shape == Shape<3, 3, 1>{});
static_assert(tn::MaxPool2D<2, 2, Padding::same>::bind<Shape<7, 7, 3>>::output_shape == Shape<4, 4, 3>{});
static_assert(tn::AvgPool2D<2, 2>::bind<Shape<6, 4, 5>>::output_shape == Shape<3, 2, 5>{});
static_assert(tn::GlobalAveragePooling2D::bind<Shape<6, 4, 5>>::output_shape == Shape<5>{});

// A global-pooling head needs no Flatten.
struct AllConv : tn::Sequential<tn::Input<32, 32, 3>, tn::Conv2D<16, 3, 3, Padding::same>, tn::ReLU,
                                tn::Conv2D<10, 3, 3, Padding::same, 2>, tn::GlobalAveragePooling2D, tn::Softmax> {};
static_assert(AllConv::output_shape == Shape<10>{});
static_assert(AllConv::parameter_count == (3 * 3 * 3 * 16 + 16) + (3 * 3 * 16 * 10 + 10));

// What a convolution keeps per sample: a padded input for same padding, nothing otherwise. Of
// stride 1, it gathers its input gradient from its output gradient padded to (H + 2) x (W + 2)
// in scratch; strided, it scatters it straight into dx and borrows no scratch.
using Same = tn::Conv2D<4, 3, 3, Padding::same>::bind<Shape<5, 5, 2>>;
static_assert(Same::saved_size == 7 * 7 * 2 && Same::scratch_size == 7 * 7 * 4);
using Valid = tn::Conv2D<4, 3, 3>::bind<Shape<5, 5, 2>>;
static_assert(Valid::saved_size == 0 && Valid::scratch_size == 7 * 7 * 4);
using Strided = tn::Conv2D<4, 3, 3, Padding::same, 2>::bind<Shape<5, 5, 2>>;
static_assert(Strided::scratch_size == 0);
