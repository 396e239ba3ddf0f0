// The process test_weights kills: `weights_child save-loop PATH` saves BigModel to PATH over and
// over, a little different each time; `weights_child train CHECKPOINT OUT` runs the checkpointed
// training of weights_child.hpp (resuming from CHECKPOINT when it exists) with Keras's log on
// stdout ("Epoch N/30" starts epoch N, after epoch N-1's checkpoint is written), then prints
// "resumed after K" and saves the final weights to OUT.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "weights_child.hpp"

namespace tn = typenet;

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "save-loop") == 0) {
    // Each save differs from the last by one parameter, so that the loop spends its time
    // saving, not drawing new parameters.
    auto model = std::make_unique<tn::testing::BigModel>();
    for (std::uint64_t count = 1;; ++count) {
      model->parameters()[0] = float(count);
      model->save(argv[2]);
    }
  }
  if (argc == 4 && std::strcmp(argv[1], "train") == 0) {
    const auto data = tn::testing::quarters(3000, 11);
    tn::testing::SmallModel model({}, 3);
    auto options = tn::testing::checkpoint_options(argv[2]);
    // One epoch per fit call would not do: the run must be one fit, as a user's is. The log's
    // epoch lines go to stdout, where the parent watches them.
    options.verbose = true;
    options.live_progress = false;
    const tn::History history = model.fit(data, options);
    std::printf("resumed after %zu\n", history.resumed_after);
    model.save(argv[3]);
    return 0;
  }
  std::fprintf(stderr, "usage: %s save-loop PATH | train CHECKPOINT OUT\n", argv[0]);
  return 2;
}
