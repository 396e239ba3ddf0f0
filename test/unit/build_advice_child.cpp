// test/unit/build_advice_child.cpp: compiled twice by test/meson.build, without optimisation and
// for baseline x86-64 (no AVX2): summary() and fit's log must say so, once, with the flags to
// add; a program compiled well says nothing (test_callbacks checks that side). Exits 1 naming
// what it missed.
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <typenet/typenet.hpp>

namespace tn = typenet;

struct Net : tn::Sequential<tn::Input<4>, tn::Dense<3>, tn::Softmax> {};

int main(int argc, char** argv) {
  const char* expected = argc > 1 ? argv[1] : "";  // "optimisation", "AVX2" or "none"
  std::ostringstream out;
  Net::summary(out);
  tn::data::Dataset<tn::Shape<4>, tn::Shape<3>> data(std::vector<float>(8 * 4, 0.5f),
                                                      tn::data::one_hot<3>(std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1}));
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model;
  model.fit(data, {.epochs = 1, .batch_size = 4, .live_progress = false, .out = &out});
  const std::string log = out.str();
  std::size_t lines = 0;
  for (std::size_t at = log.find("typenet: this program was compiled"); at != std::string::npos;
       at = log.find("typenet: this program was compiled", at + 1))
    ++lines;
  const bool none = std::strcmp(expected, "none") == 0;
  if (lines != (none ? 0u : 1u) || (!none && log.find(expected) == std::string::npos) ||
      (!none && log.find("-march=native") == std::string::npos)) {
    std::printf("build_advice_child: expected %s advice once, got %zu lines in:\n%s", expected, lines, log.c_str());
    return 1;
  }
  std::printf("build_advice_child: %s advice as expected\n", expected);
  return 0;
}
