// typenet/train/model.hpp: Model<Network, Loss, Optimizer, Scalar>, which trains, evaluates and runs a network.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/hana/for_each.hpp>
#include <boost/hana/integral_constant.hpp>
#include <boost/hana/range.hpp>
#include <boost/hana/tuple.hpp>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/core/diagnostics.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/random.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/simd.hpp>
#include <typenet/data/dataset.hpp>
#include <typenet/graph/memory.hpp>
#include <typenet/graph/sequential.hpp>
#include <typenet/io/weights.hpp>
#include <typenet/layers/layer_concepts.hpp>
#include <typenet/layers/regularized.hpp>
#include <typenet/layers/softmax.hpp>
#include <typenet/loss/loss_concepts.hpp>
#include <typenet/train/callbacks.hpp>
#include <typenet/train/fit_options.hpp>
#include <typenet/train/history.hpp>
#include <typenet/train/progress.hpp>

namespace typenet {

/// What a network type provides (Sequential and anything derived from it).
template <class N>
concept Network = requires {
  { N::is_valid } -> std::convertible_to<bool>;
  N::layers;
  N::input_shape;
  N::output_shape;
  N::parameter_offsets;
};

namespace detail {

template <class Net, class Loss>
consteval bool check_loss() {
  if constexpr (!Net::is_valid) {
    return false;  // the network's own error has been reported
  } else if constexpr (Loss::template accepts<shape_t<Net::output_shape>>) {
    return true;
  } else {
    Loss::template explain<at_network_output<Net, shape_t<Net::output_shape>, Loss>>();
    return false;
  }
}

template <class Where>
consteval void explain_input_mismatch() {
  static_assert(rejected<Where>,
                "the data set's samples do not have the network's input shape: "
                "reshape the data set (data.reshape<Shape<...>>()) or change Input<...>");
}
template <class Where>
consteval void explain_target_mismatch() {
  static_assert(rejected<Where>,
                "the data set's targets do not have the network's output shape: "
                "give the last Dense layer as many units as there are classes");
}

template <class Net, class Data>
consteval bool check_data() {
  if constexpr (!Net::is_valid) {
    return false;
  } else if constexpr (!(Data::input_shape == Net::input_shape)) {
    explain_input_mismatch<at_network_input<Net, typename Data::input_type, shape_t<Net::input_shape>>>();
    return false;
  } else if constexpr (!(Data::target_shape == Net::output_shape)) {
    explain_target_mismatch<at_network_output<Net, shape_t<Net::output_shape>, typename Data::target_type>>();
    return false;
  } else {
    return true;
  }
}

template <class L>
inline constexpr bool is_softmax = std::is_same_v<typename L::descriptor, Softmax>;

/// Fixed-size pieces of a run of `total` items. The split depends only on `total`, never on
/// the thread count, so every item is always computed by the same code with the same
/// neighbours.
struct Chunks {
  std::size_t total;
  std::size_t size;
  std::size_t count() const { return (total + size - 1) / size; }
  std::size_t first(std::size_t c) const { return c * size; }
  std::size_t length(std::size_t c) const { return std::min(size, total - c * size); }
};

/// Runs `body(c)` for every chunk c, one task each.
template <class F>
void for_each_chunk(std::size_t count, F&& body) {
  oneapi::tbb::parallel_for(
      oneapi::tbb::blocked_range<std::size_t>(0, count, 1),
      [&](const oneapi::tbb::blocked_range<std::size_t>& r) {
        for (std::size_t c = r.begin(); c != r.end(); ++c) body(c);
      },
      oneapi::tbb::simple_partitioner{});
}

/// Which of a model's chunk work areas are in use. A chunk takes a free one when it starts
/// and gives it back when done; there are as many as chunks can run at a time, so one is
/// always free. The one numbered as the thread is tried first (its cache may still hold it).
/// Which area a chunk gets changes no result: a chunk writes everything it reads there.
class WorkAreas {
 public:
  void resize(std::size_t count) {
    busy_ = std::make_unique<std::atomic<bool>[]>(count);
    count_ = count;
  }
  std::size_t size() const { return count_; }

  /// The area taken, given back when it goes out of scope.
  class Lease {
   public:
    Lease(WorkAreas& areas, std::size_t index) : areas_(areas), index_(index) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { areas_.busy_[index_].store(false, std::memory_order_release); }
    std::size_t index() const { return index_; }

   private:
    WorkAreas& areas_;
    std::size_t index_;
  };

  Lease take() {
    const int thread = oneapi::tbb::this_task_arena::current_thread_index();
    const std::size_t start = thread >= 0 ? std::size_t(thread) % count_ : 0;
    for (;;) {
      for (std::size_t k = 0; k < count_; ++k) {
        const std::size_t i = (start + k) % count_;
        if (!busy_[i].load(std::memory_order_relaxed) && !busy_[i].exchange(true, std::memory_order_acquire))
          return Lease(*this, i);
      }
      std::this_thread::yield();
    }
  }

 private:
  std::unique_ptr<std::atomic<bool>[]> busy_;
  std::size_t count_ = 0;
};

}  // namespace detail

/// A network with a loss and an optimizer, its parameters and the buffers to train it.
///
///     tn::Model<SeedCnn, tn::loss::CrossEntropy, tn::optim::Adam> model{{.learning_rate = 1e-3f}};
///     auto history = model.fit(data.train, {.epochs = 10, .validation = &data.test});
///
/// Every buffer is sized from compile-time figures (`memory`) and allocated when the model is
/// made or when training first sees its batch size (or an arena with more threads: a work area
/// per chunk that can run at a time); a training step and a prediction allocate nothing. Results are bitwise identical whatever the number of threads.
template <Network Net, LossFunction Loss, class Optimizer, class S = float>
class Model {
  static_assert(std::is_floating_point_v<S>, "Model's scalar type must be float, double or long double");
  static_assert(detail::reported(detail::check_loss<Net, Loss>()));

 public:
  using network = Net;
  using loss_type = Loss;
  using optimizer_type = Optimizer;
  using scalar = S;
  using input_type = shape_t<Net::input_shape>;
  using output_type = shape_t<Net::output_shape>;

  static constexpr std::size_t layer_count = Net::layer_count;
  static constexpr std::size_t input_size = input_type::size;
  static constexpr std::size_t output_size = output_type::size;
  static constexpr Memory memory = Net::template memory<S, Optimizer::slots>;

  explicit Model(typename Optimizer::Options options = {}, std::uint64_t seed = 0)
      : optimizer_(options),
        params_(Net::parameter_block),
        grads_(Net::parameter_block),
        state_(Optimizer::slots * Net::parameter_block),
        packed_(Net::packed_block) {
    initialize(seed);
    reserve_inference(1);
  }

  /// Draws fresh parameters from `seed` (Glorot-uniform kernels, zero biases, as Keras) and
  /// clears the optimizer's state. The same seed always gives the same model.
  void initialize(std::uint64_t seed) {
    Random random(seed);
    std::size_t position = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      using L = decltype(layer);
      S* block = params_.data() + Net::parameter_offsets[position++];
      for (std::size_t t = 0; t < L::parameter_tensors.size(); ++t) {
        const ParameterTensor& tensor = L::parameter_tensors[t];
        S* values = block + detail::tensor_offset(L::parameter_tensors, t);
        const double limit = std::sqrt(6.0 / double(tensor.fan_in + tensor.fan_out));
        for (std::size_t i = 0; i < tensor.size; ++i) {
          switch (tensor.init) {
            case Init::zeros: values[i] = S{}; break;
            case Init::ones: values[i] = S{1}; break;
            case Init::glorot_uniform: values[i] = S(random.uniform(-limit, limit)); break;
          }
        }
      }
    });
    std::fill(state_.data(), state_.data() + state_.size(), S{});
    std::fill(grads_.data(), grads_.data() + grads_.size(), S{});
    optimizer_.iterations = 0;
    pack();
  }

  // ---- training ------------------------------------------------------------------------

  /// Trains for `options.epochs` epochs over `train`, in mini-batches of `options.batch_size`
  /// samples (reshuffled every epoch when `options.shuffle`), and returns every epoch's log.
  template <class Data>
  History fit(const Data& train, const FitOptions<std::type_identity_t<Data>>& options = {}) {
    static_assert(detail::reported(detail::check_data<Net, Data>()));
    if (options.batch_size == 0) throw Error("fit: batch_size must be at least 1");
    if (options.epochs == 0) throw Error("fit: epochs must be at least 1");
    if (train.empty()) throw Error("fit: the training data set is empty");
    if (options.validation && options.validation->empty()) throw Error("fit: the validation data set is empty");
    if (!(options.validation_split >= 0 && options.validation_split < 1))
      throw Error("fit: validation_split must be at least 0 and below 1");
    if (options.validation_split > 0) {
      // Keras's rule: the last fraction of the samples, before any shuffling, validates.
      if (options.validation) throw Error("fit: give validation data or a validation_split, not both");
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
        return fit(training, split);
      } else {
        throw Error("fit: validation_split needs a data set that can be sliced (Dataset)");
      }
    }
    if (options.early_stopping) {
      options.early_stopping->monitor.higher_is_better();  // checks the mode now, not after an epoch
      if (options.early_stopping->monitor.name.starts_with("val_") && !options.validation)
        throw Error("fit: early_stopping monitors " + options.early_stopping->monitor.name +
                    ", which needs validation data or a validation_split");
    }
    for (const Monitor* monitor : {options.model_checkpoint ? &options.model_checkpoint->monitor : nullptr,
                                   options.reduce_lr_on_plateau ? &options.reduce_lr_on_plateau->monitor : nullptr}) {
      if (!monitor) continue;
      monitor->higher_is_better();
      if (monitor->name.starts_with("val_") && !options.validation)
        throw Error("fit: a callback monitors " + monitor->name + ", which needs validation data or a validation_split");
    }

    if (options.threads > 0) {
      // An arena of exactly `threads` slots (the global limit alone cannot raise the
      // parallelism above the core count, and the tests run 7 threads on 2 cores).
      oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism, options.threads);
      oneapi::tbb::task_arena arena(int(options.threads));
      return arena.execute([&] { return run_fit(train, options); });
    }
    return run_fit(train, options);
  }

 private:
  /// Where a `fit` is: what a checkpoint holds besides the parameters and optimizer state.
  struct TrainingState {
    std::size_t epoch = 0;  ///< epochs done
    std::uint64_t samples = 0;
    std::uint64_t batch_size = 0;
    bool shuffle = true;
    std::uint64_t seed = 0;
    Random shuffler;
    std::vector<std::uint32_t> order;  ///< the training samples in the order of the last epoch
    History history;
    detail::CallbackState callbacks;
  };

  template <class Data>
  History run_fit(const Data& train, const FitOptions<Data>& options) {
    const std::size_t n = train.size();
    const std::size_t batch = std::min(options.batch_size, n);
    reserve_training(batch);
    TrainingState run;
    run.order.resize(n);
    std::iota(run.order.begin(), run.order.end(), std::uint32_t{0});
    run.shuffler = Random(options.seed);
    run.samples = n;
    run.batch_size = options.batch_size;
    run.shuffle = options.shuffle;
    run.seed = options.seed;
    noise_seed_ = options.seed;
    if (options.resume && !options.checkpoint.empty() && std::filesystem::exists(options.checkpoint)) {
      resume_from(options.checkpoint, run, options.epochs);
      run.history.resumed_after = run.epoch;
    }
    const float base_rate = optimizer_.options.learning_rate;  // what ReduceLROnPlateau scales
    if (options.early_stopping && options.early_stopping->restore_best_weights) best_params_.resize(Net::parameter_block);
    const std::size_t steps = (n + batch - 1) / batch;
    Progress progress(options.out ? *options.out : std::cout, options.epochs, steps,
                      options.verbose && options.live_progress.value_or(stdout_is_terminal()));
    for (std::size_t epoch = run.epoch + 1; epoch <= options.epochs; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      if (options.verbose) progress.begin_epoch(epoch);
      if (options.shuffle) {
        for (std::size_t i = n - 1; i > 0; --i) std::swap(run.order[i], run.order[run.shuffler.below(i + 1)]);
      }
      double loss_sum = 0;
      double correct = 0;
      for (std::size_t step = 0; step < steps; ++step) {
        const std::size_t first = step * batch;
        const std::size_t count = std::min(batch, n - first);
        if (options.learning_rate || run.callbacks.lr_factor != 1) {
          const double rate = (options.learning_rate ? options.learning_rate(optimizer_.iterations) : base_rate) *
                              run.callbacks.lr_factor;
          optimizer_.options.learning_rate =
              float(std::max(rate, options.reduce_lr_on_plateau ? options.reduce_lr_on_plateau->min_lr : 0.0));
        }
        const auto [loss, right] = compute_gradients(train, std::span<const std::uint32_t>(run.order.data() + first, count));
        check_and_clip(train, loss, std::span<const std::uint32_t>(run.order.data() + first, count), options.clip_norm,
                       epoch, step + 1);
        apply_gradients();
        loss_sum += loss;
        correct += right;
        if (options.verbose) progress.step(step + 1, loss_sum / double(first + count), correct / double(first + count));
      }
      EpochLog log{.epoch = epoch, .loss = loss_sum / double(n), .accuracy = correct / double(n)};
      if (options.validation) {
        const Score score = evaluate(*options.validation);
        log.val_loss = score.loss;
        log.val_accuracy = score.accuracy;
      }
      log.learning_rate = optimizer_.options.learning_rate;
      log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (options.verbose) progress.end_epoch(log);
      run.history.epochs.push_back(log);
      run.epoch = epoch;
      const bool stop = end_of_epoch(log, options, run, base_rate);
      if (!options.checkpoint.empty() && (epoch % std::max<std::size_t>(options.checkpoint_every, 1) == 0 ||
                                          epoch == options.epochs || stop))
        save_checkpoint(options.checkpoint, run);
      if (stop) break;
    }
    return run.history;
  }

  /// The callbacks, in Keras's usual order, after an epoch's log is complete; true when early
  /// stopping ends the training.
  template <class Data>
  bool end_of_epoch(const EpochLog& log, const FitOptions<Data>& options, TrainingState& run, float base_rate) {
    detail::CallbackState& state = run.callbacks;
    if (!options.csv_log.empty()) write_history_csv(options.csv_log, run.history);
    if (options.on_epoch_end) options.on_epoch_end(log);
    if (const auto& save = options.model_checkpoint) {
      const double value = save->monitor.value(log);
      if (!save->save_best_only || save->monitor.improves(value, state.save_best)) {
        if (save->save_best_only) state.save_best = value;
        this->save(save->path);
      }
    }
    if (const auto& plateau = options.reduce_lr_on_plateau) {
      const double value = plateau->monitor.value(log);
      if (state.plateau_cooldown > 0) {
        --state.plateau_cooldown;
        state.plateau_wait = 0;
      }
      if (plateau->monitor.improves(value, state.plateau_best)) {
        state.plateau_best = value;
        state.plateau_wait = 0;
      } else if (state.plateau_cooldown == 0 && ++state.plateau_wait >= plateau->patience) {
        if (double(optimizer_.options.learning_rate) > plateau->min_lr) {
          state.lr_factor *= plateau->factor;
          optimizer_.options.learning_rate = float(std::max(double(base_rate) * state.lr_factor, plateau->min_lr));
          if (options.verbose)
            (options.out ? *options.out : std::cout)
                << "Epoch " << log.epoch << ": ReduceLROnPlateau reducing learning rate to "
                << optimizer_.options.learning_rate << ".\n";
          state.plateau_cooldown = plateau->cooldown;
          state.plateau_wait = 0;
        }
      }
    }
    if (const auto& early = options.early_stopping) {
      if (log.epoch <= early->start_from_epoch) return false;
      const double value = early->monitor.value(log);
      if (early->monitor.improves(value, state.stop_best)) {
        state.stop_best = value;
        state.stop_wait = 0;
        state.best_epoch = log.epoch;
        if (early->restore_best_weights) std::copy(params_.data(), params_.data() + Net::parameter_block, best_params_.data());
        return false;
      }
      if (++state.stop_wait >= early->patience) {
        run.history.stopped_epoch = log.epoch;
        run.history.best_epoch = state.best_epoch;
        if (early->restore_best_weights && state.best_epoch > 0) {
          std::copy(best_params_.data(), best_params_.data() + Net::parameter_block, params_.data());
          pack();
        }
        if (options.verbose)
          (options.out ? *options.out : std::cout)
              << "Epoch " << log.epoch << ": early stopping"
              << (early->restore_best_weights && state.best_epoch > 0
                      ? " (restoring the weights of epoch " + std::to_string(state.best_epoch) + ")"
                      : std::string())
              << "\n";
        return true;
      }
    }
    return false;
  }

 public:

  /// The sum of the per-sample losses and the number of samples classified right in one
  /// mini-batch.
  struct BatchResult {
    double loss_sum;
    double correct;
  };

  /// One optimizer step on the samples `indices` of `data`: forward, backward, update.
  /// Allocates nothing once the workspace holds `indices.size()` samples.
  template <class Data>
  BatchResult train_step(const Data& data, std::span<const std::uint32_t> indices) {
    const BatchResult result = compute_gradients(data, indices);
    apply_gradients();
    return result;
  }

  /// One optimizer step with the gradient in `gradients()`.
  void apply_gradients() {
    optimizer_.begin_step();
    constexpr std::size_t piece = 4096;  // elements per update task; a multiple of every vector width
    detail::for_each_chunk((Net::parameter_block + piece - 1) / piece, [&](std::size_t c) {
      const std::size_t begin = c * piece, end = std::min(Net::parameter_block, (c + 1) * piece);
      // Only trainable tensors: a moving average is the layer's, not the optimizer's.
      for (std::size_t r = 0; r < trainable.count; ++r) {
        const auto [from, to] = trainable.ranges[r];
        if (to <= begin || from >= end) continue;
        optimizer_.update(params_.data(), grads_.data(), state_.data(), Net::parameter_block, std::max(from, begin),
                          std::min(to, end));
      }
    });
    if constexpr (highest_coupled > 0) {
      if (moving_pending_) update_moving_statistics();
      moving_pending_ = false;
    }
    pack();
  }

  /// Forward and backward passes on the samples `indices` of `data`, leaving the gradient of
  /// the mean loss in `gradients()`; the parameters do not change.
  template <class Data>
  BatchResult compute_gradients(const Data& data, std::span<const std::uint32_t> indices) {
    static_assert(detail::reported(detail::check_data<Net, Data>()));
    const std::size_t batch = indices.size();
    if (batch == 0) throw Error("train_step: the batch is empty");
    for (const std::uint32_t index : indices)
      if (index >= data.size())
        throw Error("train_step: sample index " + std::to_string(index) + " is outside a data set of " +
                    std::to_string(data.size()) + " samples");
    reserve_training(batch);
    sync_packed();
    // The random stream of this step (Dropout): from the seed and the step count alone.
    step_noise_ = Random(noise_seed_ ^ (0x9e3779b97f4a7c15ULL * (optimizer_.iterations + 1))).next();
    const detail::Chunks chunks{batch, chunk_size(batch)};
    const S scale = S{1} / S(batch);
    batch_samples_ = batch;
    // Stages: a batch-coupled layer (BatchNormalization) needs the whole batch's statistics
    // before any chunk may go past it, forward and backward. Without one there is one stage.
    std::size_t from = 1;  // the first layer of the forward stage
    for (std::size_t b = 1; b <= layer_count; ++b) {
      if (!coupled[b]) continue;
      // With a coupled layer every output and gradient is kept for the whole batch: no chunk
      // uses a work area but for scratch, and the stages' parallel loops take their own.
      detail::for_each_chunk(chunks.count(), [&](std::size_t c) {
        const auto area = work_areas_.take();
        const Site at{chunks.first(c), area.index()};
        if (from == 1) gather(data, indices, at, chunks.length(c));
        forward_chunk(at, chunks.length(c), from, b - 1);
        coupled_statistics(b, c, chunks.first(c), chunks.length(c));
      });
      reduce_statistics(b, chunks.count(), batch);
      from = b;
    }
    std::size_t down_to = highest_coupled;  // the backward stage ends above this layer
    detail::for_each_chunk(chunks.count(), [&](std::size_t c) {
      const std::size_t first = chunks.first(c);
      const std::size_t count = chunks.length(c);
      const auto area = work_areas_.take();
      const Site at{first, area.index()};
      if (from == 1) gather(data, indices, at, count);
      forward_chunk(at, count, from, layer_count);
      const S* t = target() + first * output_size;
      S* y = output(layer_count, at);
      S* losses = sample_losses() + 2 * first;
      for (std::size_t i = 0; i < count; ++i) {
        const S* yi = y + i * output_size;
        const S* ti = t + i * output_size;
        losses[2 * i] = Loss::template value<S, output_size>(yi, ti);
        losses[2 * i + 1] = correct(yi, ti) ? S{1} : S{};
        if constexpr (fused_softmax) {
          Loss::template softmax_gradient<S, output_size>(yi, ti, gradient(layer_count - 1, at) + i * output_size,
                                                          scale);
        } else {
          Loss::template gradient<S, output_size>(yi, ti, gradient(layer_count, at) + i * output_size, scale);
        }
      }
      backward_chunk(at, count, layer_count, down_to + 1);
      if (down_to > 0)
        coupled_gradient_statistics(down_to, c, first, count);
      else
        chunk_weight_gradients(c, at, count);
    });
    while (down_to > 0) {
      const std::size_t b = down_to;
      reduce_gradient_statistics(b, chunks.count());
      down_to = next_coupled_below(b);
      detail::for_each_chunk(chunks.count(), [&](std::size_t c) {
        const std::size_t first = chunks.first(c);
        const std::size_t count = chunks.length(c);
        const auto area = work_areas_.take();
        const Site at{first, area.index()};
        backward_chunk(at, count, b, down_to + 1);
        if (down_to > 0)
          coupled_gradient_statistics(down_to, c, first, count);
        else
          chunk_weight_gradients(c, at, count);
      });
    }
    weight_gradients(batch, chunks.count());
    moving_pending_ = highest_coupled > 0;
    BatchResult result{0, 0};
    for (std::size_t i = 0; i < batch; ++i) {
      result.loss_sum += double(sample_losses()[2 * i]);
      result.correct += double(sample_losses()[2 * i + 1]);
    }
    if constexpr (has_penalties) {
      add_penalty_gradients();
      result.loss_sum += penalty() * double(batch);  // the mean loss includes it once
    }
    return result;
  }

  // ---- inference -----------------------------------------------------------------------

  /// The mean loss and the accuracy over `data`, `batch` samples at a time.
  template <class Data>
  Score evaluate(const Data& data, std::size_t batch = 256, std::size_t top_k = 5) {
    static_assert(detail::reported(detail::check_data<Net, Data>()));
    if (data.empty()) throw Error("evaluate: the data set is empty");
    if (top_k == 0) throw Error("evaluate: top_k must be at least 1");
    // Per sample: loss, right, in the top k, true class, predicted class; summed in order below.
    constexpr std::size_t fields = 5;
    std::vector<double> results(fields * data.size());
    infer_all(data, batch, "evaluate", [&](std::size_t sample, const S* y, std::size_t count) {
      for (std::size_t i = 0; i < count; ++i) {
        std::array<S, output_size> t;
        std::ranges::copy(data.target(sample + i), t.begin());
        const S* yi = y + i * output_size;
        double* r = results.data() + fields * (sample + i);
        r[0] = double(Loss::template value<S, output_size>(yi, t.data()));
        r[1] = correct(yi, t.data()) ? 1 : 0;
        const std::size_t truth = class_of(t.data());
        r[2] = output_size == 1 ? r[1] : top_k_correct(std::span<const S>(yi, output_size), truth, top_k) ? 1 : 0;
        r[3] = double(truth);
        r[4] = double(class_of(yi));
      }
    });
    Score score{.confusion = ConfusionMatrix(output_size == 1 ? 2 : output_size), .top_k = top_k};
    double loss_sum = 0, right = 0, in_top = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
      const double* r = results.data() + fields * i;
      loss_sum += r[0];
      right += r[1];
      in_top += r[2];
      score.confusion.add(std::size_t(r[3]), std::size_t(r[4]));
    }
    score.loss = loss_sum / double(data.size()) + penalty();
    score.accuracy = right / double(data.size());
    score.top_k_accuracy = in_top / double(data.size());
    return score;
  }

  /// The predicted class of every sample of `data` (Keras's argmax of predict; for one
  /// output, whether it is above 0.5).
  template <class Data>
  std::vector<std::size_t> predict_classes(const Data& data, std::size_t batch = 256) {
    static_assert(detail::reported(detail::check_data<Net, Data>()));
    std::vector<std::size_t> classes(data.size());
    infer_all(data, batch, "predict_classes", [&](std::size_t sample, const S* y, std::size_t count) {
      for (std::size_t i = 0; i < count; ++i) classes[sample + i] = class_of(y + i * output_size);
    });
    return classes;
  }

  /// The network's outputs for every sample of `data`, `batch` samples at a time, written
  /// sample after sample to `outputs` (data.size() * output_size values): the probabilities,
  /// for a classifier. Allocates nothing once a batch of this size has been seen.
  template <class Data>
  void predict(const Data& data, std::span<S> outputs, std::size_t batch = 256) {
    static_assert(detail::reported(detail::check_data<Net, Data>()));
    if (outputs.size() != data.size() * output_size)
      throw Error("predict: " + std::to_string(outputs.size()) + " output values for " + std::to_string(data.size()) +
                  " samples of " + std::to_string(output_size));
    infer_all(data, batch, "predict", [&](std::size_t sample, const S* y, std::size_t count) {
      std::copy(y, y + count * output_size, outputs.begin() + sample * output_size);
    });
  }

  /// The network's output for one sample (`data.input(i)`, or any span of input_size
  /// numbers), written to `y`. Allocates nothing.
  template <class Input>
  void predict(const Input& x, std::span<S, output_size> y) {
    if constexpr (requires { x.copy_to(inference_input()); }) {
      x.copy_to(inference_input());
    } else {
      if (std::ranges::size(x) != input_size)
        throw Error("predict: the sample has " + std::to_string(std::ranges::size(x)) + " values, the network takes " +
                    std::to_string(input_size));
      std::ranges::copy(x, inference_input());
    }
    sync_packed();
    const S* out = infer_chunk(0, 1);
    std::copy(out, out + output_size, y.begin());
  }

  /// The network's output for one sample.
  template <class Input>
  std::array<S, output_size> predict(const Input& x) {
    std::array<S, output_size> y;
    predict(x, std::span<S, output_size>(y));
    return y;
  }

  /// The class with the highest score for one sample.
  template <class Input>
  std::size_t predict_class(const Input& x) {
    const auto y = predict(x);
    return std::size_t(std::max_element(y.begin(), y.end()) - y.begin());
  }

  // ---- parameters ----------------------------------------------------------------------

  /// All parameters, layer after layer, each tensor padded to a cache line (see `tensor`).
  /// Handing out a writable view marks the kernels' packed copies stale: the next pass
  /// refreshes them (see `parameters_changed`).
  std::span<S> parameters() {
    packed_stale_ = true;
    return {params_.data(), Net::parameter_block};
  }
  std::span<const S> parameters() const { return {params_.data(), Net::parameter_block}; }
  /// The gradient left by the last `compute_gradients` or `train_step`, laid out as `parameters`.
  std::span<const S> gradients() const { return {grads_.data(), Net::parameter_block}; }

  /// Tensor `index` ("kernel" 0, "bias" 1) of the layer at `position` (1-based), unpadded.
  std::span<S> tensor(std::size_t position, std::size_t index) {
    const auto [offset, size] = tensor_location(position, index);
    packed_stale_ = true;
    return {params_.data() + offset, size};
  }
  std::span<const S> gradient_of(std::size_t position, std::size_t index) const {
    const auto [offset, size] = tensor_location(position, index);
    return {grads_.data() + offset, size};
  }

  /// The sum of the kernel penalties of the Regularized layers (Keras's regularization
  /// losses), which fit and evaluate add to the mean loss they report; 0 without any.
  double penalty() const {
    double total = 0;
    for_each_penalised([&]<class P>(const S* w, std::size_t size) {
      double l1 = 0, l2 = 0;
      for (std::size_t i = 0; i < size; ++i) {
        l1 += std::abs(double(w[i]));
        l2 += double(w[i]) * double(w[i]);
      }
      total += P::l1 * l1 + P::l2 * l2;
    });
    return total;
  }

  /// The kernels' packed copies of the parameters (a convolution's transformed kernels) follow
  /// writes made through `parameters()` or `tensor()` by themselves: the next pass refreshes
  /// them. Call this after writing through a view kept from before a pass.
  void parameters_changed() { pack(); }

  Optimizer& optimizer() { return optimizer_; }
  const Optimizer& optimizer() const { return optimizer_; }

  // ---- files ----------------------------------------------------------------------------

  /// The network as a weight file describes it: each layer as written in the type, the
  /// shapes it receives and produces, and its parameter tensors.
  static io::Architecture architecture() {
    io::Architecture layers;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      using L = decltype(layer);
      io::LayerRecord record{std::string(L::descriptor::spelling()),
                             {shape_t<L::input_shape>::dims.begin(), shape_t<L::input_shape>::dims.end()},
                             {shape_t<L::output_shape>::dims.begin(), shape_t<L::output_shape>::dims.end()},
                             {}};
      for (const ParameterTensor& t : L::parameter_tensors) record.tensors.push_back({std::string(t.name), t.size});
      layers.push_back(std::move(record));
    });
    return layers;
  }

  /// Saves the parameters to `path` (README "Weight files"), atomically: a failure or a
  /// crash during the save leaves the previous file as it was.
  void save(const std::string& path) const {
    io::ByteWriter body;
    write_parameters(body);
    io::save_file(path, io::FileKind::weights, body.bytes());
  }

  /// Loads the parameters saved in `path` by `save` (or the weights of a checkpoint). Throws
  /// Error naming the file and the fault when it is missing, truncated, corrupt, of another
  /// format version or scalar type, or saved from another network (naming the first layer
  /// that differs); the model is then exactly as it was. The optimizer's state is untouched.
  void load(const std::string& path) { load_weights(io::load_file(path)); }

  /// The same from a file's bytes already in memory; `name` stands for the file in messages.
  void load(std::vector<unsigned char> bytes, const std::string& name) {
    load_weights(io::check_file(std::move(bytes), name));
  }

  static void summary(std::ostream& out = std::cout) {
    print_summary(out, Net::summary_rows(), memory, sizeof(S));
  }

 private:
  static constexpr bool fused_softmax = [] {
    if constexpr (Loss::fuses_with_softmax && layer_count > 0)
      return detail::is_softmax<typename Net::template layer<layer_count - 1>>;
    else
      return false;
  }();

  static std::size_t chunk_size(std::size_t batch) { return Net::samples_per_chunk(batch); }

  static constexpr bool has_penalties = [] {
    bool any = false;
    boost::hana::for_each(Net::layers, [&](auto layer) { any = any || detail::has_penalty<decltype(layer)>; });
    return any;
  }();

  /// Calls f.template operator()<Penalty>(kernel, size) for each Regularized layer's kernel.
  template <class F>
  void for_each_penalised(F&& f) const {
    std::size_t position = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      using L = decltype(layer);
      if constexpr (detail::has_penalty<L>)
        f.template operator()<typename L::penalty>(params_.data() + Net::parameter_offsets[position],
                                                   L::parameter_tensors[0].size);
      ++position;
    });
  }

  /// Adds the penalties' gradients to the kernels' (2 l2 w + l1 sign(w), sign(0) = 0, as
  /// TensorFlow's).
  void add_penalty_gradients() {
    for_each_penalised([&]<class P>(const S* w, std::size_t size) {
      S* g = grads_.data() + (w - params_.data());
      const S l1 = S(P::l1), twice_l2 = S(2 * P::l2);
      for (std::size_t i = 0; i < size; ++i) g[i] += twice_l2 * w[i] + l1 * S((w[i] > S{}) - (w[i] < S{}));
    });
  }

  static constexpr std::string_view scalar_name = sizeof(S) == 4 ? "float32" : "float64";

  /// Calls f(values, size) for every parameter tensor, in file order, of the block `base`
  /// laid out as the parameters.
  template <class T, class F>
  static void for_each_tensor(T* base, F&& f) {
    std::size_t position = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      using L = decltype(layer);
      T* block = base + Net::parameter_offsets[position++];
      for (std::size_t t = 0; t < L::parameter_tensors.size(); ++t)
        f(block + detail::tensor_offset(L::parameter_tensors, t), L::parameter_tensors[t].size);
    });
  }

  /// The body of a weight file: the scalar type, the architecture, the parameter values.
  void write_parameters(io::ByteWriter& out) const {
    out.text(scalar_name);
    io::write_architecture(out, architecture());
    for_each_tensor(params_.data(), [&](const S* values, std::size_t size) { out.values(values, size); });
  }

  /// Reads what `write_parameters` wrote into `fresh` (laid out as the parameters), checking
  /// the scalar type and the architecture against this model's.
  static void read_parameters(io::ByteReader& in, S* fresh) {
    const std::string scalar = in.text();
    if (scalar != scalar_name) {
      if (scalar == "float32" || scalar == "float64")
        in.fail("holds " + scalar + " parameters, the model's scalar type is " + std::string(scalar_name) +
                " (make a Model<..., " + (scalar == "float32" ? "float" : "double") + "> to read it)");
      in.fail("holds parameters of an unknown scalar type (corrupt)");
    }
    io::check_architecture(in.name(), io::read_architecture(in), architecture());
    for_each_tensor(fresh, [&](S* values, std::size_t size) { in.values(values, size); });
  }

  /// A checkpoint: the weights' body, then the loss, the optimizer (name, step count, state)
  /// and the TrainingState.
  void save_checkpoint(const std::string& path, const TrainingState& run) const {
    io::ByteWriter out;
    write_parameters(out);
    out.text(Loss::name);
    out.text(Optimizer::name);
    out.u64(optimizer_.iterations);
    out.u32(static_cast<std::uint32_t>(Optimizer::slots));
    for (std::size_t slot = 0; slot < Optimizer::slots; ++slot)
      for_each_tensor(state_.data() + slot * Net::parameter_block,
                      [&](const S* values, std::size_t size) { out.values(values, size); });
    out.u64(run.epoch);
    out.u64(run.samples);
    out.u64(run.batch_size);
    out.u8(run.shuffle ? 1 : 0);
    out.u64(run.seed);
    for (const std::uint64_t word : run.shuffler.state_) out.u64(word);
    out.u64(run.order.size());
    for (const std::uint32_t index : run.order) out.u32(index);
    out.u64(run.history.epochs.size());
    for (const EpochLog& log : run.history.epochs) {
      out.u64(log.epoch);
      out.f64(log.loss);
      out.f64(log.accuracy);
      out.u8((log.val_loss ? 1 : 0) | (log.val_accuracy ? 2 : 0));
      out.f64(log.val_loss.value_or(0.0));
      out.f64(log.val_accuracy.value_or(0.0));
      out.f64(log.learning_rate);
      out.f64(log.seconds);
    }
    const detail::CallbackState& c = run.callbacks;
    out.f64(c.stop_best);
    out.u64(c.stop_wait);
    out.u64(c.best_epoch);
    out.f64(c.save_best);
    out.f64(c.plateau_best);
    out.u64(c.plateau_wait);
    out.u64(c.plateau_cooldown);
    out.f64(c.lr_factor);
    out.u8(best_params_.size() > 0 ? 1 : 0);
    if (best_params_.size() > 0)
      for_each_tensor(best_params_.data(), [&](const S* values, std::size_t size) { out.values(values, size); });
    io::save_file(path, io::FileKind::checkpoint, out.bytes());
  }

  /// Reads the checkpoint at `path`, checks that it belongs to this model and to a fit like
  /// `run` (same data size, batch size, shuffling and seed), and only then takes its
  /// parameters, optimizer state and training state.
  void resume_from(const std::string& path, TrainingState& run, std::size_t epochs) {
    const io::FileContents file = io::load_file(path);
    io::ByteReader in(file.body(), file.name);
    if (file.kind != io::FileKind::checkpoint) in.fail("holds weights only, not a checkpoint to resume from");
    detail::AlignedBuffer<S> params(Net::parameter_block);
    detail::AlignedBuffer<S> state(Optimizer::slots * Net::parameter_block);
    read_parameters(in, params.data());
    const std::string loss = in.text();
    if (loss != Loss::name) in.fail("was written training with loss " + loss + ", this model uses " + std::string(Loss::name));
    const std::string optimizer = in.text();
    if (optimizer != Optimizer::name)
      in.fail("was written training with optimizer " + optimizer + ", this model uses " + std::string(Optimizer::name));
    const std::uint64_t iterations = in.u64();
    if (in.u32() != Optimizer::slots) in.fail("holds optimizer state of the wrong size (corrupt)");
    for (std::size_t slot = 0; slot < Optimizer::slots; ++slot)
      for_each_tensor(state.data() + slot * Net::parameter_block, [&](S* values, std::size_t size) { in.values(values, size); });
    TrainingState saved;
    saved.epoch = in.u64();
    saved.samples = in.u64();
    saved.batch_size = in.u64();
    saved.shuffle = in.u8() != 0;
    saved.seed = in.u64();
    for (std::uint64_t& word : saved.shuffler.state_) word = in.u64();
    const auto differs = [&](const char* what, std::uint64_t then, std::uint64_t now) {
      if (then != now)
        in.fail(std::string("was written by a fit with ") + what + " " + std::to_string(then) + ", this one has " +
                std::to_string(now) + ": resume with the same data and options");
    };
    differs("training samples", saved.samples, run.samples);
    differs("batch_size", saved.batch_size, run.batch_size);
    differs("shuffle", saved.shuffle, run.shuffle);
    differs("seed", saved.seed, run.seed);
    if (saved.epoch > epochs)
      in.fail("is at epoch " + std::to_string(saved.epoch) + ", beyond the " + std::to_string(epochs) +
              " epochs this fit asks for");
    const std::uint64_t order = in.count(4, "sample indices");
    if (order != run.samples) in.fail("holds a sample order of the wrong length (corrupt)");
    saved.order.resize(order);
    std::vector<bool> seen(order, false);
    for (std::uint32_t& index : saved.order) {
      index = in.u32();
      if (index >= order || seen[index]) in.fail("holds a sample order that is not a permutation (corrupt)");
      seen[index] = true;
    }
    const std::uint64_t logs = in.count(8 * 7 + 1, "epoch logs");
    for (std::uint64_t i = 0; i < logs; ++i) {
      EpochLog log;
      log.epoch = in.u64();
      log.loss = in.f64();
      log.accuracy = in.f64();
      const std::uint8_t has = in.u8();
      const double val_loss = in.f64();
      const double val_accuracy = in.f64();
      if (has & 1) log.val_loss = val_loss;
      if (has & 2) log.val_accuracy = val_accuracy;
      log.learning_rate = in.f64();
      log.seconds = in.f64();
      saved.history.epochs.push_back(log);
    }
    detail::CallbackState& c = saved.callbacks;
    c.stop_best = in.f64();
    c.stop_wait = in.u64();
    c.best_epoch = in.u64();
    c.save_best = in.f64();
    c.plateau_best = in.f64();
    c.plateau_wait = in.u64();
    c.plateau_cooldown = in.u64();
    c.lr_factor = in.f64();
    detail::AlignedBuffer<S> best;
    if (in.u8() != 0) {
      best.resize(Net::parameter_block);
      for_each_tensor(best.data(), [&](S* values, std::size_t size) { in.values(values, size); });
    }
    if (in.remaining() != 0)
      in.fail("has " + std::to_string(in.remaining()) + " unexpected bytes after the training state (corrupt)");
    // All read and checked: now the model and the run take it.
    std::swap(params_, params);
    std::swap(state_, state);
    if (best.size() > 0) std::swap(best_params_, best);
    optimizer_.iterations = iterations;
    pack();
    run = std::move(saved);
  }

  /// Stops training with an Error naming the epoch, the batch and the layer when the loss or
  /// the gradient is not finite, before the optimizer applies it; then, when `clip_norm` is
  /// positive, scales the gradient down to that global norm (Keras's global_clipnorm).
  template <class Data>
  void check_and_clip(const Data& data, double loss_sum, std::span<const std::uint32_t> indices, double clip_norm,
                      std::size_t epoch, std::size_t batch) {
    // The common case costs one vector pass over the gradient; the norm only when clipping.
    double squares = 0;
    bool ok = std::isfinite(loss_sum) && detail::all_finite(grads_.data(), Net::parameter_block);
    if (ok && clip_norm > 0) {
      for (std::size_t i = 0; i < Net::parameter_block; ++i) squares += double(grads_[i]) * double(grads_[i]);
      ok = std::isfinite(squares);
    }
    if (ok) {
      const double norm = std::sqrt(squares);
      if (clip_norm > 0 && norm > clip_norm) {
        const S scale = S(clip_norm / norm);
        for (std::size_t i = 0; i < Net::parameter_block; ++i) grads_[i] *= scale;
      }
      return;
    }
    // Where it started: in the data, then the first layer whose output is not finite, then
    // the gradient of the last layer (the backward pass runs from the output).
    const std::string where = "fit: epoch " + std::to_string(epoch) + ", batch " + std::to_string(batch) + ": ";
    const auto finite = [](const S* v, std::size_t n) { return detail::all_finite(v, n); };
    // The outputs not kept for the whole batch (Net::batch_output) are gone: the forward pass
    // runs again, a chunk at a time in one work area, with the failed step's parameters, data
    // and Dropout masks, which make the same values. (With a batch-coupled layer every output
    // is kept, and read where it is.) A sample's data is blamed before any layer: chunks and
    // their samples come in order, so the first bad sample found is the batch's first.
    const detail::Chunks chunks{indices.size(), chunk_size(indices.size())};
    std::size_t first_bad = layer_count + 1;
    for (std::size_t c = 0; c < chunks.count(); ++c) {
      const Site at{chunks.first(c), 0};
      if constexpr (!Net::any_coupled) gather(data, indices, at, chunks.length(c));
      for (std::size_t i = 0; i < chunks.length(c); ++i)
        if (!finite(output(0, at) + i * input_size, input_size))
          throw Error(where + "sample " + std::to_string(indices[at.first + i]) +
                      " of the training data holds a NaN or infinite value");
      if constexpr (!Net::any_coupled) forward_chunk(at, chunks.length(c));
      for_each_position([&](auto position) {
        constexpr std::size_t P = decltype(position)::value;
        if (P < first_bad && Net::stored_output(P) > 0 &&
            !finite(output(P, at), chunks.length(c) * Net::stored_output(P)))
          first_bad = P;
      });
    }
    std::string culprit;
    if (first_bad <= layer_count) culprit = layer_name(first_bad) + "'s output";
    const std::string advice = "; lower the learning rate, or clip gradients with clip_norm";
    if (!culprit.empty()) throw Error(where + "the loss is not finite: " + culprit + " holds a NaN or infinite value" + advice);
    if (!std::isfinite(loss_sum)) {
      const S* y = activation(layer_count);
      double largest = 0;
      for (std::size_t i = 0; i < indices.size() * output_size; ++i) largest = std::max(largest, std::abs(double(y[i])));
      std::ostringstream text;
      text << where << "the loss overflowed: " << layer_name(layer_count) << "'s outputs are finite but reach "
           << largest << advice;
      throw Error(text.str());
    }
    for (std::size_t p = layer_count; p >= 1 && culprit.empty(); --p) {
      const std::size_t begin = Net::parameter_offsets[p - 1], end = Net::parameter_offsets[p];
      if (!finite(grads_.data() + begin, end - begin)) culprit = layer_name(p);
    }
    throw Error(where + "the gradient of " + (culprit.empty() ? std::string("the parameters") : culprit) +
                " is not finite (NaN or infinite, or its norm overflowed); lower the learning rate, or clip "
                "gradients with clip_norm");
  }

  /// "layer 3 (Conv2D<64, 3, 3>)".
  static std::string layer_name(std::size_t position) {
    std::string name;
    std::size_t p = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      if (++p == position) name = "layer " + std::to_string(p) + " (" + std::string(decltype(layer)::descriptor::spelling()) + ")";
    });
    return name;
  }

  void load_weights(const io::FileContents& file) {
    io::ByteReader in(file.body(), file.name);
    detail::AlignedBuffer<S> fresh(Net::parameter_block);
    read_parameters(in, fresh.data());
    if (file.kind == io::FileKind::weights && in.remaining() != 0)
      in.fail("has " + std::to_string(in.remaining()) + " unexpected bytes after the parameters (corrupt)");
    // Everything is read and checked: only now does the model change.
    std::swap(params_, fresh);
    pack();
  }

  /// The class an output (or a target) stands for: the first largest value, or for a single
  /// output whether it is above 0.5.
  static std::size_t class_of(const S* y) {
    if constexpr (output_size == 1)
      return y[0] > S(0.5) ? 1 : 0;
    else
      return std::size_t(std::max_element(y, y + output_size) - y);
  }

  static bool correct(const S* y, const S* t) {
    if constexpr (output_size == 1) {
      return (y[0] > S(0.5)) == (t[0] > S(0.5));
    } else {
      return std::max_element(y, y + output_size) - y == std::max_element(t, t + output_size) - t;
    }
  }

  static std::pair<std::size_t, std::size_t> tensor_location(std::size_t position, std::size_t index) {
    std::optional<std::pair<std::size_t, std::size_t>> found;
    std::size_t p = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      using L = decltype(layer);
      if (++p == position && index < L::parameter_tensors.size())
        found.emplace(Net::parameter_offsets[p - 1] + detail::tensor_offset(L::parameter_tensors, index),
                      L::parameter_tensors[index].size);
    });
    if (!found)
      throw Error("tensor: layer " + std::to_string(position) + " has no parameter tensor " + std::to_string(index));
    return *found;
  }

  // The training workspace: for the whole batch, the outputs, gradients and saved values
  // Net::batch_output and batch_gradient name, the targets, and each sample's loss and
  // correctness; then the chunk work areas, one per chunk that can run at a time (as many as
  // the arena has threads, at most one per chunk), each with the other outputs, gradients and
  // saved values and the scratch area of a chunk's samples.
  void reserve_training(std::size_t batch) {
    const std::size_t threads = std::size_t(std::max(1, oneapi::tbb::this_task_arena::max_concurrency()));
    const std::size_t areas = std::min(Net::most_chunks(std::max(batch, train_capacity_)), threads);
    if (batch <= train_capacity_ && areas <= work_areas_.size()) return;
    batch = std::max(batch, train_capacity_);
    std::size_t offset = 0;
    const auto region = [&](std::size_t elements) {
      const std::size_t at = offset;
      offset += detail::align_elements(elements);
      return at;
    };
    // An area's offsets count from its start; the first area starts at area_offset_.
    const std::size_t samples = Net::samples_per_chunk(batch);
    std::size_t area = 0;
    const auto in_area = [&](std::size_t elements) {
      const std::size_t at = area;
      area += detail::align_elements(elements);
      return at;
    };
    for (std::size_t p = 0; p <= layer_count; ++p)
      out_offset_[p] = Net::batch_output[p] ? region(batch * Net::stored_output(p))
                                            : in_area(samples * Net::stored_output(p));
    for (std::size_t p = 1; p <= layer_count; ++p) {
      grad_offset_[p] = Net::batch_gradient[p] ? region(batch * Net::stored_gradient(p))
                                               : in_area(samples * Net::stored_gradient(p));
      saved_offset_[p] = Net::batch_gradient[p] ? region(batch * Net::saved_sizes[p - 1])
                                                : in_area(samples * Net::saved_sizes[p - 1]);
    }
    scratch_offset_ = in_area(samples * Net::largest_scratch);
    target_offset_ = region(batch * output_size);
    loss_offset_ = region(2 * batch);
    area_offset_ = offset;
    area_size_ = area;
    train_.resize(offset + areas * area);
    work_areas_.resize(areas);
    slots_.resize(Net::most_chunks(batch) * Net::slot_block);
    chunk_capacity_ = Net::most_chunks(batch);
    batch_stats_.resize(stats_offsets[layer_count + 1] + 1);
    partial_stats_.resize(chunk_capacity_ * partial_offsets[layer_count + 1] + 1);
    train_capacity_ = batch;
  }

  /// A chunk's place: its first sample in the batch and the work area it runs in.
  struct Site {
    std::size_t first;
    std::size_t area;
  };
  S* area_data(std::size_t area) { return train_.data() + area_offset_ + area * area_size_; }
  /// The output of position p (0: the input) and the gradient with respect to it, and what
  /// layer p saved, for a chunk's samples from its first.
  S* output(std::size_t p, Site at) {
    return Net::batch_output[p] ? activation(p) + at.first * Net::activation_sizes[p]
                                : area_data(at.area) + out_offset_[p];
  }
  S* gradient(std::size_t p, Site at) {
    return Net::batch_gradient[p] ? gradient(p) + at.first * Net::activation_sizes[p]
                                  : area_data(at.area) + grad_offset_[p];
  }
  S* saved(std::size_t p, Site at) {
    return Net::batch_gradient[p] ? train_.data() + saved_offset_[p] + at.first * Net::saved_sizes[p - 1]
                                  : area_data(at.area) + saved_offset_[p];
  }

  /// The whole batch's output of position p and gradient with respect to it (where
  /// Net::batch_output and batch_gradient keep them).
  S* activation(std::size_t p) { return train_.data() + out_offset_[p]; }
  S* gradient(std::size_t p) { return train_.data() + grad_offset_[p]; }
  S* target() { return train_.data() + target_offset_; }
  S* sample_losses() { return train_.data() + loss_offset_; }

  template <class F>
  static void for_each_position(F&& f) {
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<1>, boost::hana::size_c<layer_count + 1>),
                          [&](auto position) { f(position); });
  }

  template <std::size_t P>
  Pass<S> pass(bool training, S* saved, S* scratch) const {
    Pass<S> pass{params_.data() + Net::parameter_offsets[P - 1], packed_.data() + Net::packed_offsets[P - 1], training,
                 saved, scratch};
    if (training && coupled[P]) {
      pass.batch = batch_stats_.data() + stats_offsets[P];
      pass.batch_samples = batch_samples_;
    }
    return pass;
  }

  // ---- batch-coupled layers: their place, their statistics, the stages around them ------

  /// coupled[P]: layer P normalises over the batch.
  static constexpr const auto& coupled = Net::coupled;
  static constexpr std::size_t highest_coupled = [] {
    std::size_t h = 0;
    for (std::size_t p = 1; p <= layer_count; ++p)
      if (coupled[p]) h = p;
    return h;
  }();
  static constexpr std::size_t next_coupled_below(std::size_t b) {
    for (std::size_t p = b - 1; p >= 1; --p)
      if (coupled[p]) return p;
    return 0;
  }
  /// Where each coupled layer's reduced statistics sit in batch_stats_ (then, per chunk, its
  /// partial sums in partial_stats_).
  static constexpr auto stats_offsets = [] {
    std::array<std::size_t, layer_count + 2> at{};
    std::size_t p = 0, total = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      using L = decltype(layer);
      at[++p] = total;
      if constexpr (detail::is_batch_coupled<L>) total += L::reduced_size;
    });
    at[layer_count + 1] = total;
    return at;
  }();
  static constexpr auto partial_sizes = [] {
    std::array<std::size_t, layer_count + 2> size{};
    std::size_t p = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      using L = decltype(layer);
      ++p;
      if constexpr (detail::is_batch_coupled<L>) size[p] = L::partial_size;
    });
    return size;
  }();
  /// Coupled layer b's partials: one record of partial_sizes[b] per chunk, from
  /// chunk_capacity_ * partial_offsets[b] on.
  static constexpr auto partial_offsets = [] {
    std::array<std::size_t, layer_count + 2> at{};
    for (std::size_t p = 1; p <= layer_count + 1; ++p) at[p] = at[p - 1] + partial_sizes[p - 1];
    return at;
  }();

  /// Calls f with the bound layer at run-time position p (as a value of its type).
  template <class F>
  static void at_position(std::size_t p, F&& f) {
    std::size_t q = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      if (++q == p) f(layer);
    });
  }

  double* chunk_partial(std::size_t b, std::size_t chunk) {
    return partial_stats_.data() + chunk_capacity_ * partial_offsets[b] + chunk * partial_sizes[b];
  }

  /// Chunk `chunk`'s sums of the input of coupled layer b.
  void coupled_statistics(std::size_t b, std::size_t chunk, std::size_t first, std::size_t count) {
    at_position(b, [&](auto layer) {
      using L = decltype(layer);
      if constexpr (detail::is_batch_coupled<L>)
        L::statistics(activation(b - 1) + first * Net::activation_sizes[b - 1], count, chunk_partial(b, chunk));
    });
  }
  void reduce_statistics(std::size_t b, std::size_t chunks, std::size_t batch) {
    at_position(b, [&](auto layer) {
      using L = decltype(layer);
      if constexpr (detail::is_batch_coupled<L>)
        L::reduce(chunk_partial(b, 0), chunks, batch, batch_stats_.data() + stats_offsets[b]);
    });
  }
  void coupled_gradient_statistics(std::size_t b, std::size_t chunk, std::size_t first, std::size_t count) {
    at_position(b, [&](auto layer) {
      using L = decltype(layer);
      if constexpr (detail::is_batch_coupled<L>)
        L::gradient_statistics(batch_stats_.data() + stats_offsets[b],
                               activation(b - 1) + first * Net::activation_sizes[b - 1],
                               gradient(b) + first * Net::activation_sizes[b], count, chunk_partial(b, chunk));
    });
  }
  void reduce_gradient_statistics(std::size_t b, std::size_t chunks) {
    at_position(b, [&](auto layer) {
      using L = decltype(layer);
      if constexpr (detail::is_batch_coupled<L>)
        L::reduce_gradient(chunk_partial(b, 0), chunks, batch_stats_.data() + stats_offsets[b]);
    });
  }
  /// The running averages of every coupled layer, from the last computed batch.
  void update_moving_statistics() {
    std::size_t p = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      using L = decltype(layer);
      ++p;
      if constexpr (detail::is_batch_coupled<L>)
        L::update_moving(params_.data() + Net::parameter_offsets[p - 1], batch_stats_.data() + stats_offsets[p]);
    });
  }

  /// Copies the inputs and targets of a chunk's samples, [at.first, at.first + count) of the
  /// batch.
  template <class Data>
  void gather(const Data& data, std::span<const std::uint32_t> indices, Site at, std::size_t count) {
    S* x = output(0, at);
    S* t = target() + at.first * output_size;
    const std::size_t first = at.first;
    for (std::size_t i = 0; i < count; ++i) {
      data.input(indices[first + i]).copy_to(x + i * input_size);
      std::ranges::copy(data.target(indices[first + i]), t + i * output_size);
    }
  }

  /// The training pass of layer P for a chunk's samples.
  template <std::size_t P>
  Pass<S> training_pass(Site at) {
    Pass<S> pass = this->pass<P>(true, saved(P, at), area_data(at.area) + scratch_offset_);
    pass.noise = step_noise_ ^ (P * 0xd1b54a32d192ed03ULL);
    pass.sample = at.first;
    return pass;
  }

  /// Forward through every layer for samples [first, first + count). A layer followed by a
  /// ReLU it can fuse writes the ReLU's output itself, and the ReLU is skipped.
  void forward_chunk(Site at, std::size_t count, std::size_t from = 1, std::size_t to_layer = layer_count) {
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      if (P < from || P > to_layer) return;
      if constexpr (!Net::fused_forward[P - 1]) {
        using L = typename Net::template layer<P - 1>;
        constexpr std::size_t to = Net::fused_forward[P] ? P + 1 : P;
        Pass<S> pass = training_pass<P>(at);
        pass.relu = Net::fused_forward[P];
        L::forward(pass, output(P - 1, at), output(to, at), count);
      }
    });
  }

  /// Backward through every layer, last to first. A layer after a ReLU it can take the gradient
  /// of writes the gradient before that ReLU itself, and the ReLU is skipped. No layer before
  /// the first one with parameters needs its gradient: the pass stops there.
  void backward_chunk(Site at, std::size_t count, std::size_t from = layer_count, std::size_t down_to = 1) {
    constexpr std::size_t last = fused_softmax ? layer_count - 1 : layer_count;
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<last>), [&](auto i) {
      constexpr std::size_t P = last - decltype(i)::value;
      if (P > from || P < down_to) return;
      if constexpr (!Net::fused_backward[P]) {
        using L = typename Net::template layer<P - 1>;
        constexpr bool gated = P > 1 && Net::fused_backward[P - 1];
        constexpr std::size_t to = gated ? P - 2 : P - 1;  // the gradient this layer writes
        Pass<S> pass = training_pass<P>(at);
        pass.gate = gated;
        L::backward(pass, output(P - 1, at), output(P, at), gradient(P, at),
                    P > first_trainable && to > 0 ? gradient(to, at) : nullptr, count);
      }
    });
  }

  /// The parameter gradients of the layers that sum per chunk (Net::per_chunk_gradient), for
  /// the chunk's samples, into the chunk's own slot.
  void chunk_weight_gradients(std::size_t chunk, Site at, std::size_t count) {
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      if constexpr (Net::per_chunk_gradient[P]) {
        using L = typename Net::template layer<P - 1>;
        S* slot = slots_.data() + chunk * Net::slot_block + Net::slot_offsets[P];
        for (std::size_t tile = 0; tile < L::gradient_tiles; ++tile)
          L::gradient(training_pass<P>(at), tile, slot, output(P - 1, at), gradient(P, at), count);
      }
    });
  }

  /// The rest of the parameter gradient, in one parallel loop of fixed pieces: the slots of
  /// the per-chunk layers added in chunk order, and the other layers' gradients in tiles of
  /// their parameters, each summing over the whole batch in sample order. No sum depends on
  /// how threads shared the work.
  void weight_gradients(std::size_t batch, std::size_t chunks) {
    constexpr std::size_t piece = 4096;  // slot values added per task
    const std::size_t pieces = (Net::slot_block + piece - 1) / piece;
    detail::for_each_chunk(pieces + total_tiles, [&](std::size_t task) {
      if (task < pieces) {
        for_each_position([&](auto position) {
          constexpr std::size_t P = decltype(position)::value;
          if constexpr (Net::per_chunk_gradient[P]) {
            constexpr std::size_t begin = Net::slot_offsets[P], end = begin + Net::parameter_offsets[P] - Net::parameter_offsets[P - 1];
            const std::size_t from = std::max(begin, task * piece), to = std::min(end, (task + 1) * piece);
            S* g = grads_.data() + Net::parameter_offsets[P - 1] - begin;
            for (std::size_t i = from; i < to; ++i) g[i] = slots_[i];
            for (std::size_t c = 1; c < chunks; ++c) {
              const S* slot = slots_.data() + c * Net::slot_block;
              for (std::size_t i = from; i < to; ++i) g[i] += slot[i];
            }
          }
        });
        return;
      }
      const std::size_t tile = task - pieces;
      for_each_position([&](auto position) {
        constexpr std::size_t P = decltype(position)::value;
        using L = typename Net::template layer<P - 1>;
        if (!Net::per_chunk_gradient[P] && tile >= tile_offsets[P - 1] && tile < tile_offsets[P]) {
          // No scratch: tiles run concurrently. The saved values are the whole batch's.
          L::gradient(pass<P>(true, train_.data() + saved_offset_[P], nullptr), tile - tile_offsets[P - 1],
                      grads_.data() + Net::parameter_offsets[P - 1], activation(P - 1), gradient(P), batch);
        }
      });
    });
  }

  /// The gradient tiles of the layers that do not sum per chunk, numbered across layers.
  static constexpr auto tile_offsets = [] {
    std::array<std::size_t, layer_count + 1> offsets{};
    std::size_t p = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      offsets[p + 1] = offsets[p] + (Net::per_chunk_gradient[p + 1] ? 0 : decltype(layer)::gradient_tiles);
      ++p;
    });
    return offsets;
  }();
  static constexpr std::size_t total_tiles = tile_offsets[layer_count];

  /// The parameter ranges the optimizer updates: every tensor but the non-trainable ones
  /// (moving averages), adjacent ones merged; `count` of at most one a tensor are used.
  static constexpr std::size_t tensor_count = [] {
    std::size_t n = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) { n += decltype(layer)::parameter_tensors.size(); });
    return n;
  }();
  struct Ranges {
    std::array<std::pair<std::size_t, std::size_t>, tensor_count> ranges{};
    std::size_t count = 0;
  };
  static constexpr Ranges trainable = [] {
    Ranges out;
    std::size_t end = std::size_t(-1), p = 0;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      using L = decltype(layer);
      for (std::size_t t = 0; t < L::parameter_tensors.size(); ++t) {
        if (!L::parameter_tensors[t].trainable) continue;
        const std::size_t from = Net::parameter_offsets[p] + detail::tensor_offset(L::parameter_tensors, t);
        if (from != end) out.ranges[out.count++] = {from, from};
        end = from + detail::align_elements(L::parameter_tensors[t].size);
        out.ranges[out.count - 1].second = std::min(end, Net::parameter_block);
      }
      ++p;
    });
    return out;
  }();

  /// The position of the first layer with parameters (layer_count + 1 when there is none).
  static constexpr std::size_t first_trainable = [] {
    std::size_t p = 0, first = layer_count + 1;
    boost::hana::for_each(Net::layers, [&](auto layer) {
      ++p;
      if (decltype(layer)::parameter_count > 0 && first > layer_count) first = p;
    });
    return first;
  }();

  void sync_packed() {
    if (packed_stale_) pack();
  }

  /// The parts layer P's packing comes in: its `pack_tasks` (else 1), and none for a layer
  /// with nothing to pack or whose packed copy serves only its input gradient
  /// (`packed_for_input_gradient`) when it is the first layer with parameters: no pass ever
  /// makes that layer's input gradient.
  template <std::size_t P>
  static constexpr std::size_t pack_parts() {
    using L = typename Net::template layer<P - 1>;
    if constexpr (L::packed_size == 0) return 0;
    else if constexpr (P == first_trainable && requires { requires L::packed_for_input_gradient; }) return 0;
    else if constexpr (requires { L::pack_tasks; }) return L::pack_tasks;
    else return 1;
  }
  static constexpr auto pack_offsets = [] {
    std::array<std::size_t, layer_count + 1> offsets{};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((offsets[I + 1] = offsets[I] + pack_parts<I + 1>()), ...);
    }(std::make_index_sequence<layer_count>{});
    return offsets;
  }();

  /// The packed copies from the parameters, every layer's parts in one parallel loop: it runs
  /// after each optimizer step, and one thread doing it all left the others waiting (the seed
  /// CNN's 2-thread training went from 1.82 to 1.94 times the 1-thread rate).
  void pack() {
    packed_stale_ = false;
    detail::for_each_chunk(pack_offsets[layer_count], [&](std::size_t task) {
      for_each_position([&](auto position) {
        constexpr std::size_t P = decltype(position)::value;
        if constexpr (pack_parts<P>() > 0) {
          using L = typename Net::template layer<P - 1>;
          if (task < pack_offsets[P - 1] || task >= pack_offsets[P]) return;
          const S* params = params_.data() + Net::parameter_offsets[P - 1];
          S* packed = packed_.data() + Net::packed_offsets[P - 1];
          if constexpr (requires { L::pack_tasks; }) L::pack(params, packed, task - pack_offsets[P - 1]);
          else L::pack(params, packed);
        }
      });
    });
  }

  /// Runs every sample of `data` through the network, `batch` at a time, each batch in
  /// parallel chunks; calls use(first sample, outputs, count) for each chunk, on its thread.
  template <class Data, class Use>
  void infer_all(const Data& data, std::size_t batch, const char* caller, Use&& use) {
    if (batch == 0) throw Error(std::string(caller) + ": batch must be at least 1");
    batch = std::min(batch, std::max<std::size_t>(data.size(), 1));
    reserve_inference(batch);
    sync_packed();
    for (std::size_t first = 0; first < data.size(); first += batch) {
      const detail::Chunks chunks{std::min(batch, data.size() - first), chunk_size(std::min(batch, data.size() - first))};
      detail::for_each_chunk(chunks.count(), [&](std::size_t c) {
        const std::size_t begin = chunks.first(c);
        const std::size_t length = chunks.length(c);
        for (std::size_t i = 0; i < length; ++i)
          data.input(first + begin + i).copy_to(inference_input() + (begin + i) * input_size);
        use(first + begin, infer_chunk(begin, length), length);
      });
    }
  }

  // The inference workspace: the input, two buffers the layers write in turn, and the work
  // areas of the layer running.
  static constexpr std::size_t widest = Net::widest_output;

  void reserve_inference(std::size_t batch) {
    if (batch <= infer_capacity_) return;
    infer_.resize(detail::align_elements(batch * input_size) + 2 * detail::align_elements(batch * widest) +
                  detail::align_elements(batch * Net::largest_inference_saved) +
                  batch * Net::largest_inference_scratch);
    infer_capacity_ = batch;
  }
  S* inference_saved() { return inference_buffer(2); }
  S* inference_scratch() {
    return inference_saved() + detail::align_elements(infer_capacity_ * Net::largest_inference_saved);
  }
  S* inference_input() { return infer_.data(); }
  S* inference_buffer(std::size_t which) {
    return infer_.data() + detail::align_elements(infer_capacity_ * input_size) +
           which * detail::align_elements(infer_capacity_ * widest);
  }

  /// Runs samples [first, first + count) of the inference input through the network and
  /// returns where their outputs are.
  const S* infer_chunk(std::size_t first, std::size_t count) {
    const S* in = inference_input() + first * input_size;
    std::size_t next = 0;  // the buffer the next layer writes: they alternate
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      if constexpr (!Net::fused_forward[P - 1]) {
        using L = typename Net::template layer<P - 1>;
        // Each chunk owns a slice of `widest` values per sample in both buffers, whatever the
        // layer, so chunks on other threads never share memory.
        S* out = inference_buffer(next) + first * widest;
        next = 1 - next;
        Pass<S> pass = this->pass<P>(false, inference_saved() + first * Net::largest_inference_saved,
                                     inference_scratch() + first * Net::largest_inference_scratch);
        pass.relu = Net::fused_forward[P];
        L::forward(pass, in, out, count);
        in = out;
      }
    });
    return in;
  }

  Optimizer optimizer_;
  detail::AlignedBuffer<S> params_;
  detail::AlignedBuffer<S> grads_;
  detail::AlignedBuffer<S> state_;
  detail::AlignedBuffer<S> packed_;
  bool packed_stale_ = false;  ///< a writable view of the parameters was handed out since the last pack
  detail::AlignedBuffer<S> train_;
  detail::AlignedBuffer<S> slots_;  ///< one gradient slot per chunk, for the per-chunk layers
  detail::AlignedBuffer<S> infer_;
  detail::AlignedBuffer<S> best_params_;  ///< EarlyStopping's best weights, when it restores them
  std::size_t train_capacity_ = 0;
  std::size_t infer_capacity_ = 0;
  std::array<std::size_t, layer_count + 1> out_offset_{};
  std::array<std::size_t, layer_count + 1> grad_offset_{};
  std::array<std::size_t, layer_count + 1> saved_offset_{};
  detail::AlignedBuffer<double> batch_stats_;    ///< each coupled layer's reduced batch statistics
  detail::AlignedBuffer<double> partial_stats_;  ///< and each chunk's partial sums
  std::size_t chunk_capacity_ = 0;
  std::size_t batch_samples_ = 0;
  bool moving_pending_ = false;  ///< a computed batch whose statistics the running averages still lack
  std::uint64_t noise_seed_ = 0;  ///< FitOptions::seed of the last fit: seeds Dropout's masks
  std::uint64_t step_noise_ = 0;
  std::size_t scratch_offset_ = 0;  ///< in a work area
  std::size_t area_offset_ = 0;     ///< where the first work area starts
  std::size_t area_size_ = 0;
  detail::WorkAreas work_areas_;
  std::size_t target_offset_ = 0;
  std::size_t loss_offset_ = 0;
};

}  // namespace typenet
