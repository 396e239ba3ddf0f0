// typenet/train/fit_loop.hpp: fit_loop, Keras's fit over a model's public steps: epochs, shuffling, callbacks, checkpoints, the log.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <span>
#include <string>
#include <utility>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/random.hpp>
#include <typenet/train/callbacks.hpp>
#include <typenet/train/checkpoint.hpp>
#include <typenet/train/divergence.hpp>
#include <typenet/train/fit_options.hpp>
#include <typenet/train/history.hpp>
#include <typenet/train/progress.hpp>

namespace typenet::detail {

/// Throws Error naming the option at fault, before any training.
template <class Data>
void check_fit_options(const Data& train, const FitOptions<Data>& options) {
  if (options.batch_size == 0) throw Error("fit: batch_size must be at least 1");
  if (options.epochs == 0) throw Error("fit: epochs must be at least 1");
  if (train.empty()) throw Error("fit: the training data set is empty");
  if (options.validation && options.validation->empty()) throw Error("fit: the validation data set is empty");
  if (!(options.validation_split >= 0 && options.validation_split < 1))
    throw Error("fit: validation_split must be at least 0 and below 1");
  if (options.validation_split > 0 && options.validation)
    throw Error("fit: give validation data or a validation_split, not both");
  if (options.early_stopping) {
    options.early_stopping->monitor.higher_is_better();  // checks the mode now, not after an epoch
    if (options.early_stopping->monitor.name.starts_with("val_") && !options.validation && options.validation_split == 0)
      throw Error("fit: early_stopping monitors " + options.early_stopping->monitor.name +
                  ", which needs validation data or a validation_split");
  }
  for (const Monitor* monitor : {options.model_checkpoint ? &options.model_checkpoint->monitor : nullptr,
                                 options.reduce_lr_on_plateau ? &options.reduce_lr_on_plateau->monitor : nullptr}) {
    if (!monitor) continue;
    monitor->higher_is_better();
    if (monitor->name.starts_with("val_") && !options.validation && options.validation_split == 0)
      throw Error("fit: a callback monitors " + monitor->name + ", which needs validation data or a validation_split");
  }
}

/// One fit of `model` (a Model) on `train`, through its public steps: train_step, evaluate,
/// save, its parameters, optimizer and optimizer state.
template <class M, class Data>
class FitLoop {
  using S = typename M::scalar;
  using Net = typename M::network;

 public:
  FitLoop(M& model, const Data& train, const FitOptions<Data>& options)
      : model_(model), train_(train), options_(options), out_(options.out ? *options.out : std::cout) {}

  History run() {
    const std::size_t n = train_.size();
    const std::size_t batch = std::min(options_.batch_size, n);
    run_.order.resize(n);
    std::iota(run_.order.begin(), run_.order.end(), std::uint32_t{0});
    run_.shuffler = Random(options_.seed);
    run_.samples = n;
    run_.batch_size = options_.batch_size;
    run_.shuffle = options_.shuffle;
    run_.seed = options_.seed;
    model_.noise_seed(options_.seed);
    if (options_.resume && !options_.checkpoint.empty() && std::filesystem::exists(options_.checkpoint)) resume();
    base_rate_ = model_.optimizer().options.learning_rate;  // what ReduceLROnPlateau scales
    if (options_.early_stopping && options_.early_stopping->restore_best_weights && best_.size() == 0)
      best_.resize(Net::parameter_block);
    const std::size_t steps = (n + batch - 1) / batch;
    Progress progress(out_, options_.epochs, steps,
                      options_.verbose && options_.live_progress.value_or(stdout_is_terminal()));
    for (std::size_t epoch = run_.epoch + 1; epoch <= options_.epochs; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      if (options_.verbose) progress.begin_epoch(epoch);
      if (options_.shuffle)
        for (std::size_t i = n - 1; i > 0; --i) std::swap(run_.order[i], run_.order[run_.shuffler.below(i + 1)]);
      double loss_sum = 0;
      double correct = 0;
      for (std::size_t step = 0; step < steps; ++step) {
        const std::size_t first = step * batch;
        const std::size_t count = std::min(batch, n - first);
        const double factor = run_.callbacks.plateau.lr_factor;
        if (options_.learning_rate || factor != 1) {
          const double rate =
              (options_.learning_rate ? options_.learning_rate(model_.optimizer().iterations) : base_rate_) * factor;
          model_.optimizer().options.learning_rate =
              float(std::max(rate, options_.reduce_lr_on_plateau ? options_.reduce_lr_on_plateau->min_lr : 0.0));
        }
        const auto [loss, right] =
            model_.train_step(train_, std::span<const std::uint32_t>(run_.order.data() + first, count),
                              StepOptions{.clip_norm = options_.clip_norm, .epoch = epoch, .batch = step + 1});
        loss_sum += loss;
        correct += right;
        if (options_.verbose) progress.step(step + 1, loss_sum / double(first + count), correct / double(first + count));
      }
      EpochLog log{.epoch = epoch, .loss = loss_sum / double(n), .accuracy = correct / double(n)};
      if (options_.validation) {
        const Score score = model_.evaluate(*options_.validation);
        log.val_loss = score.loss;
        log.val_accuracy = score.accuracy;
      }
      log.learning_rate = model_.optimizer().options.learning_rate;
      log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (options_.verbose) progress.end_epoch(log);
      run_.history.epochs.push_back(log);
      run_.epoch = epoch;
      const bool stop = end_of_epoch(log);
      if (!options_.checkpoint.empty() &&
          (epoch % std::max<std::size_t>(options_.checkpoint_every, 1) == 0 || epoch == options_.epochs || stop))
        save_checkpoint<Net, typename M::loss_type, typename M::optimizer_type>(
            options_.checkpoint, std::as_const(model_).parameters().data(), model_.optimizer_state().data(),
            model_.optimizer().iterations, run_, best_);
      if (stop) break;
    }
    return run_.history;
  }

 private:
  /// Takes the checkpoint's parameters, optimizer state and training state, once all of it
  /// is read and checked.
  void resume() {
    Checkpoint<S> saved =
        read_checkpoint<Net, typename M::loss_type, typename M::optimizer_type, S>(options_.checkpoint, run_,
                                                                                    options_.epochs);
    std::ranges::copy(std::span<const S>(saved.params.data(), Net::parameter_block), model_.parameters().begin());
    std::ranges::copy(std::span<const S>(saved.state.data(), saved.state.size()), model_.optimizer_state().begin());
    model_.optimizer().iterations = saved.iterations;
    model_.parameters_changed();
    if (saved.best.size() > 0) best_ = std::move(saved.best);
    run_ = std::move(saved.run);
    run_.history.resumed_after = run_.epoch;
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
      auto& rate = model_.optimizer().options.learning_rate;
      if (state.plateau.on_epoch_end(*plateau, log, double(rate))) {
        rate = float(std::max(double(base_rate_) * state.plateau.lr_factor, plateau->min_lr));
        if (options_.verbose)
          out_ << "Epoch " << log.epoch << ": ReduceLROnPlateau reducing learning rate to " << rate << ".\n";
      }
    }
    if (const auto& early = options_.early_stopping) {
      const auto verdict = state.early.on_epoch_end(*early, log);
      const std::span<const S> params = std::as_const(model_).parameters();
      if (verdict == EarlyStoppingState::Verdict::improved && early->restore_best_weights)
        std::ranges::copy(params, best_.data());
      if (verdict != EarlyStoppingState::Verdict::stop) return false;
      run_.history.stopped_epoch = log.epoch;
      run_.history.best_epoch = state.early.best_epoch;
      const bool restore = early->restore_best_weights && state.early.best_epoch > 0;
      if (restore) std::ranges::copy(std::span<const S>(best_.data(), Net::parameter_block), model_.parameters().begin());
      if (options_.verbose)
        out_ << "Epoch " << log.epoch << ": early stopping"
             << (restore ? " (restoring the weights of epoch " + std::to_string(state.early.best_epoch) + ")"
                         : std::string())
             << "\n";
      return true;
    }
    return false;
  }

  M& model_;
  const Data& train_;
  const FitOptions<Data>& options_;
  std::ostream& out_;
  TrainingState run_;
  float base_rate_ = 0;
  AlignedBuffer<S> best_;  ///< EarlyStopping's best weights, when it restores them
};

/// Keras's fit: checks the options, splits off validation_split, runs in an arena of
/// `options.threads` threads when given.
template <class M, class Data>
History fit(M& model, const Data& train, const FitOptions<Data>& options) {
  check_fit_options(train, options);
  if (options.validation_split > 0) {
    // Keras's rule: the last fraction of the samples, before any shuffling, validates.
    const std::size_t split_at = std::size_t(std::floor(double(train.size()) * (1.0 - options.validation_split)));
    if (split_at == 0 || split_at == train.size())
      throw Error("fit: a validation_split of " + std::to_string(options.validation_split) + " leaves " +
                  (split_at == 0 ? "no training" : "no validation") + " samples out of " + std::to_string(train.size()));
    if constexpr (requires { { train.slice(0, 1) } -> std::convertible_to<Data>; }) {
      const Data training = train.slice(0, split_at);
      const Data validation = train.slice(split_at, train.size());
      FitOptions<Data> split = options;
      split.validation_split = 0;
      split.validation = &validation;
      return fit(model, training, split);
    } else {
      throw Error("fit: validation_split needs a data set that can be sliced (Dataset)");
    }
  }
  if (options.threads > 0) {
    // An arena of exactly `threads` slots (the global limit alone cannot raise the
    // parallelism above the core count, and the tests run 7 threads on 2 cores).
    oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism, options.threads);
    oneapi::tbb::task_arena arena(int(options.threads));
    return arena.execute([&] { return FitLoop<M, Data>(model, train, options).run(); });
  }
  return FitLoop<M, Data>(model, train, options).run();
}

}  // namespace typenet::detail
