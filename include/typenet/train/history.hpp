// typenet/train/history.hpp: EpochLog, History and Score, what fit and evaluate report.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <typenet/loss/metric.hpp>
#include <typenet/train/metrics.hpp>

namespace typenet {

/// The figures of one epoch, as Keras logs them: the loss, and the fit's Metric beside it
/// (accuracy or mae: the other is empty); the validation figures with validation data.
struct EpochLog {
  std::size_t epoch = 0;  ///< 1-based
  double loss = 0;        ///< mean training loss over the epoch's samples (penalties included)
  std::optional<double> accuracy = std::nullopt;  ///< fraction of training samples classified right
  std::optional<double> mae = std::nullopt;       ///< mean absolute error of the training outputs
  std::optional<double> val_loss = std::nullopt;
  std::optional<double> val_accuracy = std::nullopt;
  std::optional<double> val_mae = std::nullopt;
  double learning_rate = 0;  ///< the optimizer's rate at the epoch's end
  double seconds = 0;  ///< wall time of the epoch, validation included

  /// The field that holds `metric`'s training figure (accuracy or mae), and its validation twin.
  std::optional<double>& figure(Metric metric) { return metric == Metric::mae ? mae : accuracy; }
  const std::optional<double>& figure(Metric metric) const { return metric == Metric::mae ? mae : accuracy; }
  std::optional<double>& val_figure(Metric metric) { return metric == Metric::mae ? val_mae : val_accuracy; }
  const std::optional<double>& val_figure(Metric metric) const {
    return metric == Metric::mae ? val_mae : val_accuracy;
  }
};

/// What fit returns: every epoch's log, and where the run stopped and was best. Epochs count
/// from 1.
struct History {
  std::vector<EpochLog> epochs;  ///< every epoch of the run, those before a resume included
  Metric metric = Metric::accuracy;  ///< the figure the logs hold beside the loss
  std::size_t resumed_after = 0;  ///< epochs that came from a checkpoint (FitOptions::resume)
  std::size_t stopped_epoch = 0;  ///< the epoch after which early stopping ended training (0: it did not)
  /// The best epoch: with early stopping, the best by its monitor (whether or not it stopped the
  /// run); otherwise the one with the lowest val_loss, or the lowest loss without validation
  /// (the first on a tie). 0 only for a history without epochs.
  std::size_t best_epoch = 0;

  /// The history as CSV (Keras's CSVLogger columns, epochs from 1): a header (epoch, loss, the
  /// metric, val_loss, val_ and the metric, learning_rate, seconds), then a row per epoch; an
  /// absent validation figure is an empty field.
  std::string csv() const;
};

/// Writes history.csv() to `path` atomically (a new file renamed over the old one).
void write_history_csv(const std::string& path, const History& history);

/// What evaluate returns: the mean loss (regularisation penalties included), the accuracy and
/// the mean absolute error over a data set (both, whatever the loss), the top-k accuracy
/// (Keras's top_k_categorical_accuracy), and the confusion matrix, true classes by predicted
/// ones (per-class precision, recall, F1).
struct Score {
  double loss = 0;
  double accuracy = 0;
  double mae = 0;  ///< mean over samples of |y - t| averaged over the outputs
  double top_k_accuracy = 0;
  ConfusionMatrix confusion{1};
  std::size_t top_k = 5;

  /// `metric`'s figure: accuracy or mae.
  double figure(Metric metric) const { return metric == Metric::mae ? mae : accuracy; }
};

}  // namespace typenet
