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

/// A figure of an epoch's log watched by a callback: "loss", "accuracy", "val_loss" or
/// "val_accuracy"; with mode "auto", an accuracy is better when higher and a loss when lower
/// (Keras's rule).
struct Monitor {
  std::string name = "val_loss";
  std::string mode = "auto";  ///< "auto", "min" or "max"
  double min_delta = 0;       ///< an improvement must exceed this

  /// The figure in `log`; throws Error naming the figure when the log lacks it (a validation
  /// figure without validation data).
  double value(const EpochLog& log) const {
    std::optional<double> v;
    if (name == "loss") v = log.loss;
    else if (name == "accuracy") v = log.accuracy;
    else if (name == "val_loss") v = log.val_loss;
    else if (name == "val_accuracy") v = log.val_accuracy;
    else throw Error("monitor: unknown figure '" + name + "' (loss, accuracy, val_loss or val_accuracy)");
    if (!v) throw Error("monitor: '" + name + "' is not in the epoch's log: give fit validation data or a validation_split");
    return *v;
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

namespace detail {

/// What the callbacks carry from epoch to epoch (and a checkpoint keeps).
struct CallbackState {
  double stop_best = std::numeric_limits<double>::quiet_NaN();
  std::size_t stop_wait = 0;
  std::size_t best_epoch = 0;
  double save_best = std::numeric_limits<double>::quiet_NaN();
  double plateau_best = std::numeric_limits<double>::quiet_NaN();
  std::size_t plateau_wait = 0;
  std::size_t plateau_cooldown = 0;
  double lr_factor = 1;  ///< ReduceLROnPlateau's product of factors so far
};

}  // namespace detail

}  // namespace typenet
