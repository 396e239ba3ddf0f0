// typenet/train/model.hpp: Model<Network, Loss, Optimizer, Scalar>, which trains, evaluates and runs a network.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <type_traits>
#include <vector>

#include <typenet/core/build_check.hpp>
#include <typenet/core/diagnostics.hpp>
#include <typenet/core/random.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/exec/inference_runner.hpp>
#include <typenet/exec/plan.hpp>
#include <typenet/exec/step_engine.hpp>
#include <typenet/graph/memory.hpp>
#include <typenet/graph/sequential.hpp>
#include <typenet/loss/detail/class_of.hpp>
#include <typenet/loss/loss_concepts.hpp>
#include <typenet/loss/metric.hpp>
#include <typenet/train/checks.hpp>
#include <typenet/train/detail/call_checks.hpp>
#include <typenet/train/detail/model_arguments.hpp>
#include <typenet/train/detail/update.hpp>
#include <typenet/train/divergence.hpp>
#include <typenet/train/evaluate.hpp>
#include <typenet/train/fit_loop.hpp>
#include <typenet/train/fit_options.hpp>
#include <typenet/train/history.hpp>
#include <typenet/train/model_parameters.hpp>
#include <typenet/train/regularization.hpp>

namespace typenet {

/// A network with a loss and an optimizer, its parameters and the buffers to train it: a
/// façade over the parts in exec/ (the plan, the step engine, the inference runner) and train/
/// (the fit loop, checkpoints, divergence checks, penalties). Its public base ModelParameters
/// (train/model_parameters.hpp) holds the parameters, the gradient, the optimizer's state and
/// the packed weights, with their views and weight files.
///
///     tn::Model<SeedCnn, tn::loss::CrossEntropy, tn::optim::Adam> model{{.learning_rate = 1e-3f}};
///     auto history = model.fit(data.train, {.epochs = 10, .validation = &data.test});
///
/// Every buffer is sized from the compile-time plan (`memory` reports the same figures) and
/// allocated when the model is made or when training first sees its batch size (or an arena
/// with more threads); a training step and a prediction allocate nothing. Results are bitwise
/// identical whatever the number of threads.
template <Network Net, class Loss, class Optimizer, class S>
class Model : public ModelParameters<Net, Optimizer, S> {
  static_assert(detail::reported(detail::check_loss<Net, Loss>()));
  using plan = exec::Plan<Net>;
  using base = ModelParameters<Net, Optimizer, S>;
  using base::grads_, base::optimizer_, base::packed_, base::params_, base::state_, base::take, base::weights;

 public:
  using network = Net;
  using loss_type = Loss;
  /// The figure fit logs beside the loss unless FitOptions::metric chooses (loss/metric.hpp).
  static constexpr Metric default_metric = detail::default_metric<Loss>;
  using optimizer_type = Optimizer;
  using scalar = S;
  using input_type = shape_t<Net::input_shape>;
  using output_type = shape_t<Net::output_shape>;

  static constexpr std::size_t layer_count = Net::layer_count;
  static constexpr std::size_t input_size = input_type::size;
  static constexpr std::size_t output_size = output_type::size;
  static constexpr Memory memory = plan::template memory<S, Optimizer::slots>;
  using base::penalty;

  explicit Model(typename Optimizer::Options options = {}, std::uint64_t seed = 0) : base(options, seed) {
    inference_.reserve(1);
  }

  // ---- training ------------------------------------------------------------------------

  /// Trains for `options.epochs` epochs over `train`, in mini-batches of `options.batch_size`
  /// samples (reshuffled every epoch when `options.shuffle`), and returns every epoch's log.
  template <class Data>
  History fit(const Data& train, const FitOptions<std::type_identity_t<Data>>& options = {}) {
    static_assert(detail::reported(detail::check_data<Net, Data, Loss>()));
    return detail::fit(*this, train, options);
  }

  /// The sums of the per-sample losses and of the step's Metric in one mini-batch
  /// (`loss_sum`, `metric_sum`).
  using BatchResult = typename exec::StepEngine<Net, Loss, S>::Result;

  /// One optimizer step on the samples `indices` of `data`: forward, backward, the checks fit
  /// makes (a loss or gradient that is not finite stops with an Error naming the sample or the
  /// layer; `options.clip_norm` clips), the update. Allocates nothing once the workspace holds
  /// `indices.size()` samples.
  template <class Data>
  BatchResult train_step(const Data& data, std::span<const std::uint32_t> indices, const StepOptions& options = {}) {
    const BatchResult result =
        compute(data, indices, options.epoch == 0 ? "train_step" : "fit", options.metric.value_or(default_metric));
    detail::check_and_clip<Net>(engine_, data, indices, result.loss_sum, grads_.data(), options);
    apply_gradients();
    return result;
  }

  /// One optimizer step with the gradient in `gradients()`.
  void apply_gradients() {
    detail::update_parameters<Net>(optimizer_, params_.data(), grads_.data(), state_.data());
    engine_.update_moving_statistics(params_.data());
    packed_.pack(params_.data());
  }

  /// Forward and backward passes on the samples `indices` of `data`, leaving the gradient of
  /// the mean loss in `gradients()`; the parameters do not change.
  template <class Data>
  BatchResult compute_gradients(const Data& data, std::span<const std::uint32_t> indices,
                                Metric metric = default_metric) {
    return compute(data, indices, "compute_gradients", metric);
  }

  /// The seed of Dropout's masks (fit sets it to FitOptions::seed): a step's masks come from
  /// it and the optimizer's step count alone.
  void noise_seed(std::uint64_t seed) { noise_seed_ = seed; }

  // ---- inference -----------------------------------------------------------------------

  /// The mean loss and the accuracy over `data`, `batch` samples at a time.
  template <class Data>
  Score evaluate(const Data& data, std::size_t batch = 256, std::size_t top_k = 5) {
    static_assert(detail::reported(detail::check_data<Net, Data, Loss>()));
    detail::check_evaluation(data.size(), top_k);
    return detail::score_outputs<Loss, output_size, S>(data, top_k, penalty(),
                                                       [&](auto use) { infer_all(data, batch, "evaluate", use); });
  }

  /// The predicted class of every sample of `data` (Keras's argmax of predict; for one
  /// output, whether it is above 0.5, or above 0 for a loss on logits).
  template <class Data>
  std::vector<std::size_t> predict_classes(const Data& data, std::size_t batch = 256) {
    static_assert(detail::reported(detail::check_data<Net, Data, Loss>()));
    std::vector<std::size_t> classes(data.size());
    infer_all(data, batch, "predict_classes", [&](std::size_t sample, const S* y, std::size_t count) {
      for (std::size_t i = 0; i < count; ++i)
        classes[sample + i] = detail::output_class<Loss, output_size>(y + i * output_size);
    });
    return classes;
  }

  /// The network's outputs for every sample of `data`, `batch` samples at a time, written
  /// sample after sample to `outputs` (data.size() * output_size values): the probabilities,
  /// for a classifier. Allocates nothing once a batch of this size has been seen.
  template <class Data>
  void predict(const Data& data, std::span<S> outputs, std::size_t batch = 256) {
    static_assert(detail::reported(detail::check_data<Net, Data, Loss>()));
    detail::check_outputs(outputs.size(), data.size(), output_size);
    infer_all(data, batch, "predict", [&](std::size_t sample, const S* y, std::size_t count) {
      std::copy(y, y + count * output_size, outputs.begin() + sample * output_size);
    });
  }

  /// The network's output for one sample (`data.input(i)`, or any span of input_size
  /// numbers), written to `y`. Allocates nothing, takes no TBB task.
  template <class Input>
  void predict(const Input& x, std::span<S, output_size> y) {
    static_assert(detail::reported(detail::check_sample<Net, Input>()));
    detail::copy_sample<input_size>(x, inference_.input());
    packed_.sync(params_.data());
    const S* out = inference_.run(weights(), 0, 1);
    std::copy(out, out + output_size, y.begin());
  }

  /// The network's output for one sample.
  template <class Input>
  std::array<S, output_size> predict(const Input& x) {
    std::array<S, output_size> y;
    predict(x, std::span<S, output_size>(y));
    return y;
  }

  /// The class with the highest score for one sample (for one output, whether it is above 0.5,
  /// or above 0 for a loss on logits, as predict_classes).
  template <class Input>
  std::size_t predict_class(const Input& x) {
    const auto y = predict(x);
    return detail::output_class<Loss, output_size>(y.data());
  }

  /// The bytes the training and inference workspaces hold now: what `memory.training(batch,
  /// threads)` and `memory.inference(batch)` report, less the parameter blocks.
  std::size_t training_workspace_bytes() const { return engine_.workspace_bytes(); }
  std::size_t inference_workspace_bytes() const { return inference_.workspace_bytes(); }

  // ---- summary ---------------------------------------------------------------------------

  static void summary() { print_summary(Net::summary_rows(), memory, sizeof(S), detail::build_advice); }
  static void summary(std::ostream& out) {
    print_summary(out, Net::summary_rows(), memory, sizeof(S), detail::build_advice);
  }

 private:
  template <class Data>
  BatchResult compute(const Data& data, std::span<const std::uint32_t> indices, const char* caller, Metric metric) {
    static_assert(detail::reported(detail::check_data<Net, Data, Loss>()));
    detail::check_batch(caller, indices, data.size());
    packed_.sync(params_.data());
    // The random stream of this step (Dropout): from the seed and the step count alone.
    const std::uint64_t noise = Random(noise_seed_ ^ (0x9e3779b97f4a7c15ULL * (optimizer_.iterations + 1))).next();
    BatchResult result = engine_.compute(data, indices, weights(), grads_.data(), noise, metric);
    if constexpr (plan::has_penalties) {
      detail::add_penalty_gradients<Net>(params_.data(), grads_.data());
      result.loss_sum += penalty() * double(indices.size());  // the mean loss includes it once
    }
    return result;
  }

  template <class Data, class Use>
  void infer_all(const Data& data, std::size_t batch, const char* caller, Use&& use) {
    detail::check_inference_batch(caller, batch);
    packed_.sync(params_.data());
    inference_.run_all(weights(), data, batch, use);
  }

  exec::StepEngine<Net, Loss, S> engine_;
  exec::InferenceRunner<Net, S> inference_;
  std::uint64_t noise_seed_ = 0;  ///< FitOptions::seed of the last fit: seeds Dropout's masks
};

}  // namespace typenet
