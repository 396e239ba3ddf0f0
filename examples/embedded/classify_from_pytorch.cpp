// examples/embedded/classify_from_pytorch.cpp: the same classifier with weights trained in PyTorch (examples/from_pytorch.safetensors) compiled in: converted at build time by convert_from_pytorch, then embedded by typenet-embed, the architecture checked at compile time.
#include <typenet/infer.hpp>

#include "classify.hpp"
#include "fashion_cnn.hpp"
#include "from_pytorch_weights.hpp"  // typenet-embed from_pytorch.tnw, which convert_from_pytorch wrote

static typenet::Embedded<FashionCnn, from_pytorch_weights> net;

int main(int argc, char** argv) { return classify_main(net, argc, argv); }
