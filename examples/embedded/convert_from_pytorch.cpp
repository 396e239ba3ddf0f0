// examples/embedded/convert_from_pytorch.cpp: a build step: PyTorch's state_dict of the seed CNN (a safetensors file) written as a typenet weight file of FashionCnn, for typenet-embed.
//
// usage: convert_from_pytorch IN.safetensors OUT.tnw
// The load is Model::load_safetensors's, strict (every tensor used once, shapes in PyTorch's
// layout, the Flatten's order); a file that does not fit stops the build with its message.
#include <typenet/typenet.hpp>

#include <cstdio>
#include <exception>

#include "fashion_cnn.hpp"

int main(int argc, char** argv) try {
  if (argc != 3) {
    std::fprintf(stderr, "usage: convert_from_pytorch IN.safetensors OUT.tnw\n");
    return 2;
  }
  const typenet::ImportReport report =
      typenet::convert_safetensors<FashionCnn>(argv[1], argv[2], typenet::Layout::pytorch);
  std::fputs(report.text().c_str(), stdout);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "convert_from_pytorch: %s\n", e.what());
  return 1;
}
