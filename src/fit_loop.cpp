// src/fit_loop.cpp: the fit loop, compiled once: epochs, shuffling, the learning-rate schedule, callbacks, checkpoints, the log.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <numeric>

#include <typenet/core/random.hpp>
#include <typenet/exec/chunks.hpp>
#include <typenet/train/fit_loop.hpp>
#include <typenet/train/progress.hpp>
#include <typenet/train/threads.hpp>

namespace typenet::detail {

namespace {

/// Throws Error before any training when a file the fit will write cannot be written: its
/// directory is missing or not writable, or the path is a directory. (Found only after the
/// first epoch before: an epoch's training lost.)
void check_writable(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  if (path.empty()) throw Error("fit: the " + what + " path is empty");
  const fs::path file(path);
  const fs::path directory = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code error;
  if (fs::is_directory(file, error)) throw Error("fit: the " + what + " path " + path + " is a directory");
  if (!fs::is_directory(directory, error))
    throw Error("fit: cannot write the " + what + " " + path + ": the directory " + directory.string() +
                " does not exist");
  if (::access(directory.c_str(), W_OK) != 0)
    throw Error("fit: cannot write the " + what + " " + path + ": the directory " + directory.string() +
                " is not writable");
}

}  // namespace

void check_fit_settings(const FitSettings& options, std::size_t samples, std::size_t validation_samples,
                        double validation_split) {
  if (options.batch_size == 0) throw Error("fit: batch_size must be at least 1");
  if (options.epochs == 0) throw Error("fit: epochs must be at least 1");
  if (samples == 0) throw Error("fit: the training data set is empty");
  if (options.validation && validation_samples == 0) throw Error("fit: the validation data set is empty");
  if (!(validation_split >= 0 && validation_split < 1))
    throw Error("fit: validation_split must be at least 0 and below 1");
  if (validation_split > 0 && options.validation)
    throw Error("fit: give validation data or a validation_split, not both");
  const bool validates = options.validation || validation_split > 0;
  // Each monitor now, not after an epoch: its mode, a figure this fit logs, validation for val_.
  for (const auto& [monitor, who] :
       {std::pair{options.early_stopping ? &options.early_stopping->monitor : nullptr, "early_stopping"},
        std::pair{options.model_checkpoint ? &options.model_checkpoint->monitor : nullptr, "model_checkpoint"},
        std::pair{options.reduce_lr_on_plateau ? &options.reduce_lr_on_plateau->monitor : nullptr,
                  "reduce_lr_on_plateau"}}) {
    if (!monitor) continue;
    monitor->higher_is_better();
    monitor->check(options.metric, std::string("fit: ") + who);
    if (monitor->name.starts_with("val_") && !validates)
      throw Error(std::string("fit: ") + who + " monitors " + monitor->name +
                  ", which needs validation data or a validation_split");
  }
  if (!options.checkpoint.empty()) check_writable(options.checkpoint, "checkpoint");
  if (options.model_checkpoint) check_writable(options.model_checkpoint->path, "ModelCheckpoint file");
  if (!options.csv_log.empty()) check_writable(options.csv_log, "CSV log");
}

namespace {

/// One fit of a target, through its public steps.
class FitLoop {
 public:
  FitLoop(FitTarget& model, const FitSettings& options)
      : model_(model), options_(options), out_(options.out ? *options.out : std::cout) {}

  History run() {
    const std::size_t n = model_.samples();
    const std::size_t batch = std::min(options_.batch_size, n);
    run_.order.resize(n);
    std::iota(run_.order.begin(), run_.order.end(), std::uint32_t{0});
    run_.shuffler = Random(options_.seed);
    run_.samples = n;
    run_.batch_size = options_.batch_size;
    run_.shuffle = options_.shuffle;
    run_.seed = options_.seed;
    model_.noise_seed(options_.seed);
    run_.history.metric = options_.metric;  // a checkpoint to resume from must have logged the same
    if (options_.resume && !options_.checkpoint.empty() && std::filesystem::exists(options_.checkpoint)) {
      model_.resume(options_.checkpoint, run_, options_.epochs);
      run_.history.resumed_after = run_.epoch;
    }
    base_rate_ = model_.learning_rate();  // what ReduceLROnPlateau scales
    if (options_.early_stopping && options_.early_stopping->restore_best_weights) model_.reserve_best();
    const std::size_t steps = (n + batch - 1) / batch;
    if (options_.verbose) print_build_advice(out_, options_.build_advice);
    const Metric metric = options_.metric;
    Progress progress(out_, options_.epochs, steps,
                      options_.verbose && options_.live_progress.value_or(stdout_is_terminal()), metric);
    for (std::size_t epoch = run_.epoch + 1; epoch <= options_.epochs; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      if (options_.verbose) progress.begin_epoch(epoch);
      if (options_.shuffle)
        for (std::size_t i = n - 1; i > 0; --i) std::swap(run_.order[i], run_.order[run_.shuffler.below(i + 1)]);
      double loss_sum = 0;
      double metric_sum = 0;
      for (std::size_t step = 0; step < steps; ++step) {
        const std::size_t first = step * batch;
        const std::size_t count = std::min(batch, n - first);
        const double factor = run_.callbacks.plateau.lr_factor;
        if (options_.learning_rate || factor != 1) {
          const double rate =
              (options_.learning_rate ? options_.learning_rate(model_.iterations()) : base_rate_) * factor;
          model_.learning_rate() =
              float(std::max(rate, options_.reduce_lr_on_plateau ? options_.reduce_lr_on_plateau->min_lr : 0.0));
        }
        const auto [loss, figure] = model_.train_step(
            std::span<const std::uint32_t>(run_.order.data() + first, count),
            StepOptions{.clip_norm = options_.clip_norm, .epoch = epoch, .batch = step + 1, .metric = metric});
        loss_sum += loss;
        metric_sum += figure;
        if (options_.verbose)
          progress.step(step + 1, loss_sum / double(first + count), metric_sum / double(first + count));
      }
      EpochLog log{.epoch = epoch, .loss = loss_sum / double(n)};
      log.figure(metric) = metric_sum / double(n);
      if (options_.validation) {
        const Score score = model_.validate();
        log.val_loss = score.loss;
        log.val_figure(metric) = score.figure(metric);
      }
      log.learning_rate = model_.learning_rate();
      log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (options_.verbose) progress.end_epoch(log);
      run_.history.epochs.push_back(log);
      run_.epoch = epoch;
      const bool stop = end_of_epoch(log);
      if (!options_.checkpoint.empty() &&
          (epoch % std::max<std::size_t>(options_.checkpoint_every, 1) == 0 || epoch == options_.epochs || stop))
        model_.save_checkpoint(options_.checkpoint, run_);
      if (stop) break;
    }
    run_.history.best_epoch = best_epoch();
    return run_.history;
  }

 private:
  /// History::best_epoch: early stopping's, else the lowest val_loss (loss without validation).
  std::size_t best_epoch() const {
    if (options_.early_stopping && run_.callbacks.early.best_epoch > 0) return run_.callbacks.early.best_epoch;
    const auto& epochs = run_.history.epochs;
    const bool validated = std::ranges::all_of(epochs, [](const EpochLog& log) { return log.val_loss.has_value(); });
    std::size_t best = 0;
    for (std::size_t i = 1; i < epochs.size(); ++i) {
      const double a = validated ? *epochs[i].val_loss : epochs[i].loss;
      const double b = validated ? *epochs[best].val_loss : epochs[best].loss;
      if (a < b) best = i;
    }
    return epochs.empty() ? 0 : epochs[best].epoch;
  }

  /// The callbacks, in Keras's usual order, after an epoch's log is complete; true when early
  /// stopping ends the training.
  bool end_of_epoch(const EpochLog& log) {
    CallbackState& state = run_.callbacks;
    if (!options_.csv_log.empty()) write_history_csv(options_.csv_log, run_.history);
    if (options_.on_epoch_end) options_.on_epoch_end(log);
    if (const auto& save = options_.model_checkpoint)
      if (state.save.on_epoch_end(*save, log)) model_.save(save->path);
    if (const auto& plateau = options_.reduce_lr_on_plateau) {
      float& rate = model_.learning_rate();
      if (state.plateau.on_epoch_end(*plateau, log, double(rate))) {
        rate = float(std::max(double(base_rate_) * state.plateau.lr_factor, plateau->min_lr));
        if (options_.verbose)
          out_ << "Epoch " << log.epoch << ": ReduceLROnPlateau reducing learning rate to " << rate << ".\n";
      }
    }
    if (const auto& early = options_.early_stopping) {
      const auto verdict = state.early.on_epoch_end(*early, log);
      if (verdict == EarlyStoppingState::Verdict::improved && early->restore_best_weights)
        model_.keep_best();
      if (verdict != EarlyStoppingState::Verdict::stop) return false;
      run_.history.stopped_epoch = log.epoch;
      const bool restore = early->restore_best_weights && state.early.best_epoch > 0;
      if (restore) model_.restore_best();
      if (options_.verbose)
        out_ << "Epoch " << log.epoch << ": early stopping"
             << (restore ? " (restoring the weights of epoch " + std::to_string(state.early.best_epoch) + ")"
                         : std::string())
             << "\n";
      return true;
    }
    return false;
  }

  FitTarget& model_;
  const FitSettings& options_;
  std::ostream& out_;
  TrainingState run_;
  float base_rate_ = 0;
};

}  // namespace

History run_fit(FitTarget& target, const FitSettings& settings) {
  // An arena of exactly `threads` slots (the global limit alone cannot raise the parallelism
  // above the core count, and the tests run 7 threads on 2 cores).
  return with_threads(settings.threads, [&] { return FitLoop(target, settings).run(); });
}

}  // namespace typenet::detail
