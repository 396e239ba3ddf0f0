// typenet/train/fit_options.hpp: FitOptions, the settings of Model::fit (Keras's fit arguments).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include <typenet/train/callbacks.hpp>
#include <typenet/train/history.hpp>

namespace typenet {

/// Settings of one `fit` call, written with designated initialisers:
///     model.fit(train, {.epochs = 10, .batch_size = 32, .validation = &test});
template <class Data>
struct FitOptions {
  std::size_t epochs = 1;
  std::size_t batch_size = 32;
  bool shuffle = true;          ///< reshuffle the training samples before every epoch
  std::uint64_t seed = 0;       ///< seed of the shuffling
  const Data* validation = nullptr;  ///< evaluated after every epoch when set
  /// The learning rate as a function of the optimizer's step count (from 0), e.g. a
  /// schedule::ExponentialDecay; set before every step. Empty: the optimizer's own rate.
  std::function<double(std::size_t)> learning_rate = nullptr;
  std::size_t threads = 0;      ///< at most this many threads (0: all cores)
  bool verbose = true;          ///< print the Keras-style log
  std::optional<bool> live_progress = std::nullopt;  ///< redraw a bar in place; default: when stdout is a terminal
  std::ostream* out = nullptr;  ///< where the log goes (default std::cout)
  /// Gradients whose global norm exceeds this are scaled down to it before each step
  /// (Keras's global_clipnorm); 0: no clipping.
  double clip_norm = 0;
  /// Where to write a checkpoint (weights, optimizer state, epoch, shuffling state, history),
  /// atomically, every `checkpoint_every` epochs and after the last; empty: never.
  std::string checkpoint = {};
  std::size_t checkpoint_every = 1;
  /// When `checkpoint` names an existing file, go on from it: the run ends bitwise as an
  /// uninterrupted one with the same seed would. The file must come from this model and a
  /// fit with the same data size, batch size, shuffling and seed.
  bool resume = false;
  /// Keras's validation_split: the last fraction of `train` (before shuffling) becomes the
  /// validation data and is not trained on. Not with `validation`.
  double validation_split = 0;
  /// The figure logged beside the loss (Keras's metrics=): accuracy or mae. Empty: the loss's
  /// own (accuracy for the cross-entropies, mae for MeanSquaredError).
  std::optional<Metric> metric = std::nullopt;
  std::optional<EarlyStopping> early_stopping = std::nullopt;
  std::optional<ModelCheckpoint> model_checkpoint = std::nullopt;
  std::optional<ReduceLROnPlateau> reduce_lr_on_plateau = std::nullopt;
  /// Keras's CSVLogger: the history so far, rewritten (atomically) after every epoch.
  std::string csv_log = {};
  /// Called with each epoch's log once it is complete (Keras's on_epoch_end).
  std::function<void(const EpochLog&)> on_epoch_end = nullptr;
};

}  // namespace typenet
