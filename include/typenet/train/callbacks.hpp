// typenet/train/callbacks.hpp: Keras's built-in callbacks as fit options: EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, and the monitor they share.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>

#include <typenet/core/error.hpp>
#include <typenet/train/history.hpp>

namespace typenet {

/// A figure of an epoch's log watched by a callback: "loss", "val_loss", and the fit's metric,
/// "accuracy" and "val_accuracy" or "mae" and "val_mae"; with mode "auto", an accuracy is
/// better when higher and a loss or an error when lower (Keras's rule).
struct Monitor {
  std::string name = "val_loss";
  std::string mode = "auto";  ///< "auto", "min" or "max"
  double min_delta = 0;       ///< an improvement must exceed this

  /// The figure in `log`; throws Error naming the figure when the log lacks it (a validation
  /// figure without validation data, a metric the fit does not log).
  double value(const EpochLog& log) const {
    std::optional<double> v;
    if (name == "loss") v = log.loss;
    else if (name == "accuracy") v = log.accuracy;
    else if (name == "mae") v = log.mae;
    else if (name == "val_loss") v = log.val_loss;
    else if (name == "val_accuracy") v = log.val_accuracy;
    else if (name == "val_mae") v = log.val_mae;
    else throw unknown();
    if (!v) throw Error("monitor: '" + name + "' is not in the epoch's log: give fit validation data or a validation_split");
    return *v;
  }
  /// Throws Error (starting with `who`) unless a fit that logs `metric` logs this figure.
  void check(Metric metric, const std::string& who) const {
    const std::string figure = name.starts_with("val_") ? name.substr(4) : name;
    if (figure != "loss" && figure != "accuracy" && figure != "mae") throw unknown();
    const std::string logged(metric_name(metric));
    if (figure != "loss" && figure != logged)
      throw Error(who + " monitors " + name + ", but this fit logs " + logged + " beside the loss: monitor loss, " +
                  "val_loss, " + logged + " or val_" + logged + ", or set FitOptions::metric");
  }
  bool higher_is_better() const {
    if (mode == "max") return true;
    if (mode == "min") return false;
    if (mode != "auto") throw Error("monitor: mode must be auto, min or max, not '" + mode + "'");
    return name.find("acc") != std::string::npos;
  }

  /// Whether `now` improves on `best` by more than min_delta.
  bool improves(double now, double best) const {
    if (std::isnan(best)) return true;
    return higher_is_better() ? now - std::abs(min_delta) > best : now + std::abs(min_delta) < best;
  }

 private:
  Error unknown() const {
    return Error("monitor: unknown figure '" + name + "' (loss, accuracy, mae, val_loss, val_accuracy or val_mae)");
  }
};

/// Keras's EarlyStopping: stops training when the monitored figure has not improved for
/// `patience` epochs; with `restore_best_weights`, the model ends with the weights of its
/// best epoch (when training stopped early, as Keras does).
struct EarlyStopping {
  Monitor monitor = {};
  std::size_t patience = 0;
  bool restore_best_weights = false;
  std::size_t start_from_epoch = 0;  ///< epochs to wait before watching
};

/// Keras's ModelCheckpoint: saves the weights to `path` after an epoch, only when the
/// monitored figure improved with `save_best_only` (atomically, like Model::save).
struct ModelCheckpoint {
  std::string path;
  Monitor monitor = {};
  bool save_best_only = true;
};

/// Keras's ReduceLROnPlateau: multiplies the learning rate by `factor` when the monitored
/// figure has not improved for `patience` epochs, then waits `cooldown` epochs; never below
/// `min_lr`. It scales what the optimizer or the schedule gives.
struct ReduceLROnPlateau {
  Monitor monitor = {.name = "val_loss", .mode = "auto", .min_delta = 1e-4};
  double factor = 0.1;
  std::size_t patience = 10;
  std::size_t cooldown = 0;
  double min_lr = 0;
};

namespace io {
class ByteWriter;
class ByteReader;
}  // namespace io

namespace detail {

/// EarlyStopping during a fit: the best figure so far, the epochs since it, the epoch it came
/// from, and, with restore_best_weights, that epoch's weights (`best_weights`, owned by the
/// caller's buffer type, see FitCallbacks).
struct EarlyStoppingState {
  double best = std::numeric_limits<double>::quiet_NaN();
  std::size_t wait = 0;
  std::size_t best_epoch = 0;

  enum class Verdict { go_on, improved, stop };
  /// The verdict on an epoch's log.
  Verdict on_epoch_end(const EarlyStopping& options, const EpochLog& log);
};

/// ModelCheckpoint during a fit: the best figure saved so far.
struct ModelCheckpointState {
  double best = std::numeric_limits<double>::quiet_NaN();
  /// Whether the weights are to be saved after this epoch.
  bool on_epoch_end(const ModelCheckpoint& options, const EpochLog& log);
};

/// ReduceLROnPlateau during a fit: the best figure, the epochs waited, the cooldown left, and
/// the product of the factors applied so far.
struct ReduceLROnPlateauState {
  double best = std::numeric_limits<double>::quiet_NaN();
  std::size_t wait = 0;
  std::size_t cooldown = 0;
  double lr_factor = 1;
  /// Whether the rate is to be reduced after this epoch (given the optimizer's current rate):
  /// lr_factor has then been multiplied by the factor.
  bool on_epoch_end(const ReduceLROnPlateau& options, const EpochLog& log, double current_rate);
};

/// The state of fit's callbacks, which a checkpoint keeps: written and read in the order of
/// format version 1 (early stopping's figures, the checkpoint's, the plateau's; early
/// stopping's weights follow, written by the caller).
struct CallbackState {
  EarlyStoppingState early;
  ModelCheckpointState save;
  ReduceLROnPlateauState plateau;

  void write(io::ByteWriter& out) const;
  static CallbackState read(io::ByteReader& in);
};

}  // namespace detail

}  // namespace typenet
