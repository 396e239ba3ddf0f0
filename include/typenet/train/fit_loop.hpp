// typenet/train/fit_loop.hpp: fit, Keras's fit over a model's public steps; the loop itself (epochs, shuffling, callbacks, checkpoints, the log) is compiled once in src/fit_loop.cpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/core/build_check.hpp>
#include <typenet/core/error.hpp>
#include <typenet/train/callbacks.hpp>
#include <typenet/train/checkpoint.hpp>
#include <typenet/train/divergence.hpp>
#include <typenet/train/fit_options.hpp>
#include <typenet/train/history.hpp>
#include <typenet/train/metrics.hpp>

namespace typenet::detail {

/// FitOptions without its data set: what the loop reads.
struct FitSettings {
  std::size_t epochs;
  std::size_t batch_size;
  bool shuffle;
  std::uint64_t seed;
  bool validation;  ///< whether the target validates after every epoch
  std::function<double(std::size_t)> learning_rate;
  std::size_t threads;
  bool verbose;
  std::optional<bool> live_progress;
  std::ostream* out;
  double clip_norm;
  std::string checkpoint;
  std::size_t checkpoint_every;
  bool resume;
  std::optional<EarlyStopping> early_stopping;
  std::optional<ModelCheckpoint> model_checkpoint;
  std::optional<ReduceLROnPlateau> reduce_lr_on_plateau;
  std::string csv_log;
  std::function<void(const EpochLog&)> on_epoch_end;
  const char* build_advice;  ///< of the file that called fit (core/build_check.hpp), printed once when verbose
  Metric metric;             ///< the figure logged beside the loss (the loss's own unless FitOptions chose)
};

/// What a fit needs of a model, with its data set bound: its public steps, one virtual call
/// per batch or per epoch (never inside a pass). Model's adapter is `ModelFit` below.
class FitTarget {
 public:
  struct Step {
    double loss_sum;
    double metric_sum;  ///< of the settings' metric over the step's samples
  };
  virtual std::size_t samples() const = 0;  ///< of the training data
  virtual Step train_step(std::span<const std::uint32_t> indices, const StepOptions& options) = 0;
  virtual Score validate() = 0;
  virtual float& learning_rate() = 0;          ///< the optimizer's
  virtual std::size_t iterations() const = 0;  ///< the optimizer's step count
  virtual void noise_seed(std::uint64_t seed) = 0;
  virtual void save(const std::string& path) const = 0;
  /// EarlyStopping's best weights, which the target keeps for the fit (not the model): made
  /// room for before the first epoch (`reserve_best`, a no-op when resumed with them), taken
  /// from the parameters when an epoch improves, given back when training stops.
  virtual void reserve_best() = 0;
  virtual void keep_best() = 0;
  virtual void restore_best() = 0;
  /// Writes a checkpoint of the model, `run` and the best weights when there are any.
  virtual void save_checkpoint(const std::string& path, const TrainingState& run) const = 0;
  /// Reads the checkpoint at `path` (checked against `run`, which becomes the saved state)
  /// and takes its parameters, optimizer state and best weights. Nothing changes unless all
  /// of it is read.
  virtual void resume(const std::string& path, TrainingState& run, std::size_t epochs) = 0;

 protected:
  ~FitTarget() = default;
};

/// Throws Error naming the option at fault, before any training (src/fit_loop.cpp).
void check_fit_settings(const FitSettings& settings, std::size_t samples, std::size_t validation_samples,
                        double validation_split);

/// The fit itself, in an arena of `settings.threads` threads when given (src/fit_loop.cpp).
History run_fit(FitTarget& target, const FitSettings& settings);

template <class Loss, class Data>
FitSettings fit_settings(const FitOptions<Data>& o) {
  return {o.epochs,
          o.batch_size,
          o.shuffle,
          o.seed,
          o.validation != nullptr,
          o.learning_rate,
          o.threads,
          o.verbose,
          o.live_progress,
          o.out,
          o.clip_norm,
          o.checkpoint,
          o.checkpoint_every,
          o.resume,
          o.early_stopping,
          o.model_checkpoint,
          o.reduce_lr_on_plateau,
          o.csv_log,
          o.on_epoch_end,
          build_advice,
          o.metric.value_or(default_metric<Loss>)};
}

/// A Model `M` and its training and validation data as a FitTarget.
template <class M, class Data>
class ModelFit final : public FitTarget {
  using S = typename M::scalar;
  using Net = typename M::network;

 public:
  ModelFit(M& model, const Data& train, const Data* validation)
      : model_(model), train_(train), validation_(validation) {}

  std::size_t samples() const override { return train_.size(); }
  Step train_step(std::span<const std::uint32_t> indices, const StepOptions& options) override {
    const auto result = model_.train_step(train_, indices, options);
    return {result.loss_sum, result.metric_sum};
  }
  Score validate() override { return model_.evaluate(*validation_); }
  float& learning_rate() override { return model_.optimizer().options.learning_rate; }
  std::size_t iterations() const override { return model_.optimizer().iterations; }
  void noise_seed(std::uint64_t seed) override { model_.noise_seed(seed); }
  void save(const std::string& path) const override { model_.save(path); }
  void reserve_best() override {
    if (best_.size() == 0) best_.resize(Net::parameter_block);
  }
  void keep_best() override { std::ranges::copy(std::as_const(model_).parameters(), best_.data()); }
  void restore_best() override {
    std::ranges::copy(std::span<const S>(best_.data(), Net::parameter_block), model_.parameters().begin());
  }
  void save_checkpoint(const std::string& path, const TrainingState& run) const override {
    detail::save_checkpoint(path, network_facts<Net>, setup, std::as_const(model_).parameters().data(),
                            std::as_const(model_).optimizer_state().data(), model_.optimizer().iterations, run,
                            best_.size() > 0 ? best_.data() : nullptr);
  }
  void resume(const std::string& path, TrainingState& run, std::size_t epochs) override {
    Checkpoint<S> saved = read_checkpoint<S>(path, network_facts<Net>, setup, run, epochs);
    std::ranges::copy(std::span<const S>(saved.params.data(), Net::parameter_block), model_.parameters().begin());
    std::ranges::copy(std::span<const S>(saved.state.data(), saved.state.size()), model_.optimizer_state().begin());
    model_.optimizer().iterations = saved.iterations;
    model_.parameters_changed();
    if (saved.best.size() > 0) best_ = std::move(saved.best);
    run = std::move(saved.run);
  }

 private:
  static constexpr TrainingSetup setup{M::loss_type::name, M::optimizer_type::name, M::optimizer_type::slots};
  M& model_;
  const Data& train_;
  const Data* validation_;
  AlignedBuffer<S> best_;  ///< EarlyStopping's best weights, when it restores them or a checkpoint had them
};

/// Keras's fit: checks the options, splits off validation_split, then runs the loop.
template <class M, class Data>
History fit(M& model, const Data& train, const FitOptions<Data>& options) {
  FitSettings settings = fit_settings<typename M::loss_type>(options);
  check_fit_settings(settings, train.size(), options.validation ? options.validation->size() : 0,
                     options.validation_split);
  if (options.validation_split > 0) {
    // Keras's rule: the last fraction of the samples, before any shuffling, validates.
    const std::size_t split_at = std::size_t(std::floor(double(train.size()) * (1.0 - options.validation_split)));
    if (split_at == 0 || split_at == train.size())
      throw Error("fit: a validation_split of " + std::to_string(options.validation_split) + " leaves " +
                  (split_at == 0 ? "no training" : "no validation") + " samples out of " +
                  std::to_string(train.size()));
    if constexpr (requires {
                    { train.slice(0, 1) } -> std::convertible_to<Data>;
                  }) {
      const Data training = train.slice(0, split_at);
      const Data validation = train.slice(split_at, train.size());
      settings.validation = true;
      ModelFit<M, Data> target(model, training, &validation);
      return run_fit(target, settings);
    } else {
      throw Error("fit: validation_split needs a data set that can be sliced (Dataset)");
    }
  }
  ModelFit<M, Data> target(model, train, options.validation);
  return run_fit(target, settings);
}

}  // namespace typenet::detail
