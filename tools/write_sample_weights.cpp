// tools/write_sample_weights.cpp: writes the typenet weight files, checkpoint and safetensors file that test/tools/test_inspect.py inspects.
//
// usage: write_sample_weights DIR
// Writes DIR/flat.tnw (float), DIR/flat64.tnw (double), DIR/blocks.tnw (a network with a
// Residual block), DIR/run.tnc (a checkpoint after one epoch) and DIR/flat.safetensors, and
// prints each network's type as declared here, "flat: typenet::Sequential<...>", so that the
// test compares typenet-inspect's rebuilt type with the very text the compiler was given.
#include <cstdio>
#include <string>
#include <vector>

#include <typenet/typenet.hpp>

// Each network is written once, as a macro, so the text printed is the type compiled.
#define FLAT_NET                                                                                                  \
  typenet::Sequential<typenet::Input<8, 8, 1>, typenet::Conv2D<4, 3, 3, typenet::Padding::same>,                  \
                      typenet::BatchNormalization, typenet::ReLU, typenet::MaxPool2D<2, 2>, typenet::Dropout<25>, \
                      typenet::Flatten, typenet::Dense<10>, typenet::Softmax>
#define BLOCKS_NET                                                                                                     \
  typenet::Sequential<                                                                                                 \
      typenet::Input<8, 8, 1>, typenet::Conv2D<4, 3, 3, typenet::Padding::same>,                                       \
      typenet::Residual<typenet::Conv2D<4, 3, 3, typenet::Padding::same>, typenet::BatchNormalization, typenet::ReLU>, \
      typenet::GlobalAveragePooling2D, typenet::Dense<10>, typenet::Softmax>
#define TEXT(...) TEXT_(__VA_ARGS__)
#define TEXT_(...) #__VA_ARGS__

struct Flat : FLAT_NET {};
struct Blocks : BLOCKS_NET {};

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_sample_weights DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  try {
    typenet::Model<Flat, typenet::loss::CrossEntropy, typenet::optim::Adam> flat({}, 1);
    flat.save(dir + "/flat.tnw");
    flat.save_safetensors(dir + "/flat.safetensors");
    typenet::Model<Flat, typenet::loss::CrossEntropy, typenet::optim::Adam, double>({}, 1).save(dir + "/flat64.tnw");
    typenet::Model<Blocks, typenet::loss::CrossEntropy, typenet::optim::Adam>({}, 1).save(dir + "/blocks.tnw");

    // 32 samples of one class, two batches of 16: one epoch of two steps, then a checkpoint.
    std::vector<float> inputs(32 * 64, 0.5f), targets(32 * 10, 0.0f);
    for (std::size_t i = 0; i < 32; ++i) targets[i * 10] = 1.0f;
    const typenet::data::Dataset<typenet::Shape<8, 8, 1>, typenet::Shape<10>> data(std::move(inputs),
                                                                                   std::move(targets));
    flat.fit(data, {.epochs = 1, .batch_size = 16, .seed = 1, .verbose = false, .checkpoint = dir + "/run.tnc"});
  } catch (const typenet::Error& e) {
    std::fprintf(stderr, "write_sample_weights: %s\n", e.what());
    return 1;
  }
  std::printf("flat: %s\nblocks: %s\n", TEXT(FLAT_NET), TEXT(BLOCKS_NET));
  return 0;
}
