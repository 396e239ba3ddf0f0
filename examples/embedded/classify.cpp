// examples/embedded/classify.cpp: the seed CNN with its trained weights compiled into the program (typenet-embed, Embedded), classifying 28x28 grey images with no file to read at run time.
//
// Reads 784-byte images from the files named on the command line, or from stdin, and prints each
// one's number, class, class name and probability (classify.hpp). Built with -fno-exceptions
// -fno-rtti against the deployment profile alone: no typenet library, no TBB (docs/deploying.md).
#include <typenet/infer.hpp>

#include "classify.hpp"
#include "fashion_cnn.hpp"
#include "seed_cnn_weights.hpp"  // written at build time by typenet-embed from seed_cnn.tnw

// Static: the predictor holds its packed kernels and its workspace (about 1 MB), too much for a
// stack. Its weights are seed_cnn_weights' read-only data, used in place.
static typenet::Embedded<FashionCnn, seed_cnn_weights> net;

int main(int argc, char** argv) { return classify_main(net, argc, argv); }
