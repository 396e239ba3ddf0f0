// typenet/train/history.hpp: EpochLog, History and Score, what fit and evaluate report.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace typenet {

/// The figures of one epoch, as Keras logs them.
struct EpochLog {
  std::size_t epoch = 0;  ///< 1-based
  double loss = 0;        ///< mean training loss over the epoch's samples
  double accuracy = 0;    ///< fraction of training samples classified right
  std::optional<double> val_loss = std::nullopt;
  std::optional<double> val_accuracy = std::nullopt;
  double seconds = 0;  ///< wall time of the epoch, validation included
};

struct History {
  std::vector<EpochLog> epochs;  ///< every epoch of the run, those before a resume included
  std::size_t resumed_after = 0;  ///< epochs that came from a checkpoint (FitOptions::resume)
};

/// What evaluate returns: the mean loss and the accuracy over a data set.
struct Score {
  double loss = 0;
  double accuracy = 0;
};

}  // namespace typenet
