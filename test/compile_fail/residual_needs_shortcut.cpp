// A residual block whose body halves the image and doubles the channels, with no shortcut to
// bring its input to that shape: the message names the block, both shapes and a shortcut that fits.
// expect-error: Residual's body changes the shape of its input (body_output), so the two cannot be added: end the Residual with a Shortcut<...> that makes its input the body's output shape (would_fit names one), or keep the body's output shape
// expect: at_path<at_layer<2, Down<32>, Shape<28, 28, 16>>, body_output<Shape<14, 14, 32>>
// expect: would_fit<Shortcut<Conv2D<32, 1, 1, Padding::valid, 2, 2>>>
#include <typenet/typenet.hpp>
namespace tn = typenet;

#ifdef TYPENET_TWIN
template <std::size_t C>
struct Down : tn::Residual<tn::Chain<tn::Conv2D<C, 3, 3, tn::Padding::same, 2>, tn::ReLU, tn::Conv2D<C, 3, 3, tn::Padding::same>>,
                           tn::Shortcut<tn::Conv2D<C, 1, 1, tn::Padding::valid, 2>>> {};
#else
template <std::size_t C>
struct Down : tn::Residual<tn::Conv2D<C, 3, 3, tn::Padding::same, 2>, tn::ReLU, tn::Conv2D<C, 3, 3, tn::Padding::same>> {};
#endif
struct Net : tn::Sequential<tn::Input<28, 28, 1>, tn::Conv2D<16, 3, 3, tn::Padding::same>, Down<32>, tn::ReLU,
                            tn::Flatten, tn::Dense<10>, tn::Softmax> {};

void train(const tn::data::Dataset<tn::Shape<28, 28, 1>, tn::Shape<10>>& data) {
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
  model.fit(data, {.epochs = 1});
}
