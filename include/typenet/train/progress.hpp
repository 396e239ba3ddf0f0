// typenet/train/progress.hpp: Progress, the Keras-style training log (a live bar on a terminal, a line per epoch otherwise).
#pragma once

#include <cstddef>
#include <iosfwd>

#include <typenet/train/history.hpp>

namespace typenet {

/// Prints
///     Epoch 1/10
///     1875/1875 [==============================] - 9s 5ms/step - loss: 0.4810 - accuracy: 0.8290
/// On a terminal the bar is redrawn in place (at most ten times a second); otherwise only the
/// finished line is written. Formatting goes through a fixed buffer: no allocation per step.
class Progress {
 public:
  /// `metric` names the figure beside the loss ("accuracy" or "mae", as the log writes it).
  Progress(std::ostream& out, std::size_t epochs, std::size_t steps, bool live, Metric metric = Metric::accuracy);

  void begin_epoch(std::size_t epoch);
  /// After step `done` (1-based) of the epoch, with the running loss and metric.
  void step(std::size_t done, double loss, double figure);
  void end_epoch(const EpochLog& log);

 private:
  void write_line(std::size_t done, double loss, double figure, const EpochLog* log, bool final);

  std::ostream& out_;
  std::size_t epochs_;
  std::size_t steps_;
  bool live_;
  Metric metric_;
  // steady_clock's seconds (kept as doubles so that this header need not include <chrono>)
  double epoch_start_ = 0;
  double last_draw_ = 0;
};

/// True when standard output is a terminal (so a live bar makes sense).
bool stdout_is_terminal();

}  // namespace typenet
