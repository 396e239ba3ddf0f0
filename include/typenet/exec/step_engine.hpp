// typenet/exec/step_engine.hpp: StepEngine<Net, Loss, S>, one batch's loss and parameter gradients over a parameter block it does not own.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/core/detail/compiler.hpp>
#include <typenet/exec/batch_statistics.hpp>
#include <typenet/exec/chunks.hpp>
#include <typenet/exec/gradient_reduction.hpp>
#include <typenet/exec/plan.hpp>
#include <typenet/layers/layer_concepts.hpp>
#include <typenet/loss/detail/class_of.hpp>
#include <typenet/loss/loss_concepts.hpp>
#include <typenet/loss/metric.hpp>

namespace typenet::exec {

/// Computes a batch's loss and the gradient of its mean over the parameters: the batch is cut
/// into chunks whose count depends on the batch size only (Plan::samples_per_chunk), each run
/// as a task in a free work area, forward through every layer, the loss, backward; stages
/// around batch-coupled layers hand the batch from one parallel loop to the next. Each chunk's
/// convolution gradients go to a slot of its own, summed in a fixed binary tree over the chunk
/// indices (gradient_reduction.hpp); the other layers' gradients run after the batch in tiles
/// of their parameters, each tile's chunks summed in the same tree. So the result is the same on
/// any number of threads, and each aligned block of 2^k chunks is a subtree of its own. It owns
/// only its workspace: the parameters, their packed copy and the gradient are the caller's.
template <class Net, class Loss, class S>
class StepEngine {
 public:
  using plan = Plan<Net>;
  static constexpr std::size_t layer_count = plan::layer_count;
  static constexpr std::size_t input_size = plan::input_size;
  static constexpr std::size_t output_size = plan::output_size;
  /// The loss writes the gradient at a final softmax's input itself.
  static constexpr bool fused_softmax = detail::loss_fuses_with_softmax<Loss> && plan::ends_in_softmax;

  /// The sums over the batch's samples of their losses and of the step's Metric: 1 for each
  /// sample classified right (accuracy), or each sample's mean absolute error (mae).
  struct Result {
    double loss_sum;
    double metric_sum;
  };

  /// Allocates the workspace for batches of up to `batch` samples, with a work area for each
  /// chunk the current arena can run at a time. Nothing is allocated when it already fits.
  void reserve(std::size_t batch) {
    const std::size_t threads = max_threads();
    const std::size_t areas = plan::work_areas(std::max(batch, layout_.batch), threads);
    if (batch <= layout_.batch && areas <= work_areas_.size()) return;
    layout_ = plan::training_layout(std::max(batch, layout_.batch));
    train_.resize(layout_.batch_elements + areas * layout_.area_elements);
    work_areas_.resize(areas);
    chunk_capacity_ = plan::most_chunks(layout_.batch);
    slots_.resize(chunk_capacity_ * plan::slot_block);
    statistics_.reserve(chunk_capacity_);
  }

  /// The bytes the workspace holds now (what Memory::training reports for its batch size and
  /// work areas).
  std::size_t workspace_bytes() const {
    return (train_.size() + slots_.size()) * sizeof(S) +
           (plan::stats_offsets[layer_count + 1] + chunk_capacity_ * plan::partial_offsets[layer_count + 1]) *
               sizeof(double);
  }

  /// Forward and backward passes on the samples `indices` of `data` with `weights`, writing the
  /// gradient of the mean loss to `grads` (laid out as the parameters). `noise` is the step's
  /// random stream (Dropout's masks). Penalties are the caller's.
  template <class Data>
  Result compute(const Data& data, std::span<const std::uint32_t> indices, Weights<S> weights, S* grads,
                 std::uint64_t noise, Metric metric = detail::default_metric<Loss>) {
    const std::size_t batch = indices.size();
    reserve(batch);
    weights_ = weights;
    step_noise_ = noise;
    const Chunks chunks{batch, plan::samples_per_chunk(batch)};
    const S scale = S{1} / S(batch);
    batch_samples_ = batch;
    // Stages: a batch-coupled layer needs the whole batch's statistics before any chunk may go
    // past it, forward and backward. Without one there is one stage.
    std::size_t from = 1;  // the first layer of the forward stage
    for (std::size_t b = 1; b <= layer_count; ++b) {
      if (!plan::coupled[b]) continue;
      // With a coupled layer every output and gradient is kept for the whole batch: no chunk
      // uses a work area but for scratch, and the stages' parallel loops take their own.
      for_each_chunk(chunks.count(), [&](std::size_t c) {
        const auto area = work_areas_.take();
        const Site at{chunks.first(c), area.index()};
        if (from == 1) gather(data, indices, at, chunks.length(c));
        forward_chunk(at, chunks.length(c), from, b - 1);
        statistics_.statistics(b, c, activation(plan::source[b]) + chunks.first(c) * plan::activation_sizes[plan::source[b]],
                               chunks.length(c));
      });
      statistics_.reduce(b, chunks.count(), batch);
      from = b;
    }
    std::size_t down_to = plan::highest_coupled;  // the backward stage ends above this layer
    for_each_chunk(chunks.count(), [&](std::size_t c) {
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
        losses[2 * i + 1] = metric == Metric::mae ? detail::mean_absolute_error<S, output_size>(yi, ti)
                            : detail::classified_right<Loss, output_size>(yi, ti) ? S{1}
                                                                                   : S{};
        if constexpr (fused_softmax) {
          Loss::template softmax_gradient<S, output_size>(yi, ti, gradient(plan::source[layer_count], at) + i * output_size,
                                                          scale);
        } else {
          Loss::template gradient<S, output_size>(yi, ti, gradient(layer_count, at) + i * output_size, scale);
        }
      }
      backward_chunk(at, count, layer_count, down_to + 1);
      chunk_weight_gradients(c, at, count, layer_count, down_to + 1);
      if (down_to > 0) coupled_gradient_statistics(down_to, c, first, count);
    });
    while (down_to > 0) {
      const std::size_t b = down_to;
      statistics_.reduce_gradient(b, chunks.count());
      down_to = plan::next_coupled_below(b);
      for_each_chunk(chunks.count(), [&](std::size_t c) {
        const std::size_t first = chunks.first(c);
        const std::size_t count = chunks.length(c);
        const auto area = work_areas_.take();
        const Site at{first, area.index()};
        backward_chunk(at, count, b, down_to + 1);
        chunk_weight_gradients(c, at, count, b, down_to + 1);
        if (down_to > 0) coupled_gradient_statistics(down_to, c, first, count);
      });
    }
    weight_gradients(grads, chunks);
    moving_pending_ = plan::highest_coupled > 0;
    Result result{0, 0};
    for (std::size_t i = 0; i < batch; ++i) {
      result.loss_sum += double(sample_losses()[2 * i]);
      result.metric_sum += double(sample_losses()[2 * i + 1]);
    }
    return result;
  }

  /// After `compute`: the running averages of the batch-coupled layers in `params` take the
  /// batch's statistics (once per computed batch; the optimizer step calls it).
  void update_moving_statistics(S* params) {
    if constexpr (plan::highest_coupled > 0) {
      if (moving_pending_) statistics_.update_moving(params);
      moving_pending_ = false;
    }
  }

  /// What went wrong in the last `compute` when its loss or gradient is not finite: the first
  /// sample whose data is not finite, else the first position whose output is not, else none;
  /// and the largest magnitude among the network's outputs.
  struct Diagnosis {
    std::size_t bad_sample = std::size_t(-1);  ///< an index into `indices`
    std::size_t bad_position = layer_count + 1;
    double largest_output = 0;
  };

  /// Runs the forward pass of the last `compute` again to find where it stopped being finite.
  /// The outputs not kept for the whole batch are gone: the pass runs a chunk at a time in one
  /// work area, with the same parameters, data and Dropout masks, which make the same values.
  /// (With a batch-coupled layer every output is kept, and read where it is.) A sample's data
  /// is blamed before any layer: chunks and their samples come in order, so the first bad
  /// sample found is the batch's first.
  template <class Data>
  TYPENET_NOINLINE Diagnosis diagnose(const Data& data, std::span<const std::uint32_t> indices) {
    const auto finite = [](const S* v, std::size_t n) { return detail::all_finite(v, n); };
    const Chunks chunks{indices.size(), plan::samples_per_chunk(indices.size())};
    Diagnosis found;
    for (std::size_t c = 0; c < chunks.count(); ++c) {
      const Site at{chunks.first(c), 0};
      if constexpr (!plan::any_coupled) gather(data, indices, at, chunks.length(c));
      for (std::size_t i = 0; i < chunks.length(c); ++i)
        if (!finite(output(0, at) + i * input_size, input_size)) {
          found.bad_sample = at.first + i;
          return found;
        }
      if constexpr (!plan::any_coupled) forward_chunk(at, chunks.length(c));
      plan::for_each_position([&](auto position) {
        constexpr std::size_t P = decltype(position)::value;
        if (P < found.bad_position && plan::stored_output(P) > 0 &&
            !finite(output(P, at), chunks.length(c) * plan::stored_output(P)))
          found.bad_position = P;
      });
    }
    const S* y = activation(layer_count);
    for (std::size_t i = 0; i < indices.size() * output_size; ++i)
      found.largest_output = std::max(found.largest_output, std::abs(double(y[i])));
    return found;
  }

 private:
  /// A chunk's place: its first sample in the batch and the work area it runs in.
  struct Site {
    std::size_t first;
    std::size_t area;
  };
  S* area_data(std::size_t area) { return train_.data() + layout_.batch_elements + area * layout_.area_elements; }
  /// The output of position p (0: the input) and the gradient with respect to it, and what
  /// layer p saved, for a chunk's samples from its first.
  S* output(std::size_t p, Site at) {
    return plan::batch_output[p] ? activation(p) + at.first * plan::activation_sizes[p]
                                 : area_data(at.area) + layout_.output[p];
  }
  S* gradient(std::size_t p, Site at) {
    return plan::batch_gradient[p] ? gradient(p) + at.first * plan::activation_sizes[p]
                                   : area_data(at.area) + layout_.gradient[p];
  }
  S* saved(std::size_t p, Site at) {
    return plan::batch_saved[p] ? train_.data() + layout_.saved[p] + at.first * plan::saved_sizes[p - 1]
                                   : area_data(at.area) + layout_.saved[p];
  }
  /// The whole batch's output of position p and gradient with respect to it (where
  /// batch_output and batch_gradient keep them).
  S* activation(std::size_t p) { return train_.data() + layout_.output[p]; }
  S* gradient(std::size_t p) { return train_.data() + layout_.gradient[p]; }
  S* target() { return train_.data() + layout_.target; }
  S* sample_losses() { return train_.data() + layout_.loss; }

  template <std::size_t P>
  Pass<S> pass(S* saved, S* scratch) const {
    Pass<S> pass{weights_.params + Net::parameter_offsets[P - 1], weights_.packed + plan::packed_offsets[P - 1], true,
                 saved, scratch};
    if constexpr (plan::coupled[P]) {
      pass.batch = statistics_.reduced(P);
      pass.batch_samples = batch_samples_;
    }
    return pass;
  }
  /// The training pass of layer P for a chunk's samples.
  template <std::size_t P>
  Pass<S> training_pass(Site at) {
    Pass<S> pass = this->pass<P>(saved(P, at), area_data(at.area) + layout_.scratch);
    if constexpr (detail::uses_noise<typename plan::template layer<P>>) {
      pass.noise = step_noise_ ^ (P * 0xd1b54a32d192ed03ULL);
      pass.sample = at.first;
    }
    return pass;
  }

  /// Copies the inputs and targets of a chunk's samples, [at.first, at.first + count) of the
  /// batch.
  template <class Data>
  void gather(const Data& data, std::span<const std::uint32_t> indices, Site at, std::size_t count) {
    S* x = output(0, at);
    S* t = target() + at.first * output_size;
    for (std::size_t i = 0; i < count; ++i) {
      data.input(indices[at.first + i]).copy_to(x + i * input_size);
      std::ranges::copy(data.target(indices[at.first + i]), t + i * output_size);
    }
  }

  /// Forward through layers from..to_layer for a chunk's samples. A layer followed by a ReLU
  /// it can fuse writes the ReLU's output itself, and the ReLU is skipped.
  /// The per-chunk passes are left to the inliner: marked never inlined (be7916b), the seed CNN
  /// trained 3 % slower (g++ 12, Zen 5, interleaved) and its example compiled no faster.
  void forward_chunk(Site at, std::size_t count, std::size_t from = 1, std::size_t to_layer = layer_count) {
    plan::for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      if (P < from || P > to_layer) return;
      if constexpr (!plan::fused_forward[P - 1]) {
        using L = typename plan::template layer<P>;
        constexpr std::size_t to = plan::fused_forward[P] ? P + 1 : P;
        Pass<S> pass = training_pass<P>(at);
        pass.relu = plan::fused_forward[P];
        if constexpr (detail::is_merge<L>) {
          const auto xs = inputs<P>(at);
          L::merge_forward(pass, xs.data(), output(to, at), count);
        } else {
          L::forward(pass, output(plan::source[P], at), output(to, at), count);
        }
      }
    });
  }
  /// The outputs merge P reads, for a chunk's samples.
  template <std::size_t P>
  std::array<const S*, Net::template node<P - 1>::sources.size()> inputs(Site at) {
    std::array<const S*, Net::template node<P - 1>::sources.size()> xs{};
    for (std::size_t k = 0; k < xs.size(); ++k) xs[k] = output(Net::template node<P - 1>::sources[k], at);
    return xs;
  }

  /// Backward through layers from..down_to, last to first, each after the gradient at its
  /// output is complete (finish_gradient: the merges' shares added); the gradient at down_to - 1
  /// is completed last (a batch-coupled layer's statistics read it). A layer after a ReLU it
  /// can take the gradient of writes the gradient before that ReLU itself, and the ReLU is
  /// skipped. No layer makes an input gradient nothing needs (before the first with parameters).
  void backward_chunk(Site at, std::size_t count, std::size_t from = layer_count, std::size_t down_to = 1) {
    constexpr std::size_t last = fused_softmax ? layer_count - 1 : layer_count;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (backward_layer<layer_count - I>(at, count, from, down_to, last), ...);
    }(std::make_index_sequence<layer_count>{});
  }
  template <std::size_t P>
  void backward_layer(Site at, std::size_t count, std::size_t from, std::size_t down_to, std::size_t last) {
    if (P > from || P + 1 < down_to) return;
    if (P < from) finish_gradient<P>(at, count);
    if (P < down_to || P > last) return;
    using L = typename plan::template layer<P>;
    if constexpr (!plan::fused_backward[P] && !detail::is_merge<L>) {
      constexpr std::size_t to = plan::gradient_target[P];  // the gradient this layer writes
      Pass<S> pass = training_pass<P>(at);
      pass.gate = to != plan::source[P];
      S* dx = nullptr;
      if constexpr (plan::makes_input_gradient[P])
        dx = plan::accumulates[P] ? area_data(at.area) + layout_.accumulation : gradient(to, at);
      L::backward(pass, output(plan::source[P], at), output(P, at), gradient(P, at), dx, count);
      if constexpr (plan::accumulates[P]) {
        S* sum = gradient(to, at);
        for (std::size_t i = 0; i < count * plan::activation_sizes[to]; ++i) sum[i] += dx[i];
      }
    }
  }
  /// Completes the gradient at position Q, which layers after it have written: the merges that
  /// read Q add their share (the first one writes it where no layer did), in position order.
  template <std::size_t Q>
  void finish_gradient(Site at, std::size_t count) {
    if constexpr (Q > 0 && plan::needs_gradient[Q]) {
      bool written = plan::written_by_layer[Q];
      plan::for_each_position([&](auto position) {
        constexpr std::size_t A = decltype(position)::value;
        using M = typename plan::template layer<A>;
        if constexpr (A > Q && detail::is_merge<M>) {
          constexpr auto& sources = Net::template node<A - 1>::sources;
          for (std::size_t k = 0; k < sources.size(); ++k) {
            if (sources[k] != Q || plan::gradient_alias[Q] == A) continue;  // already where Q's is
            M::merge_backward(k, gradient(A, at), gradient(Q, at), count, written);
            written = true;
          }
        }
      });
    }
  }

  void coupled_gradient_statistics(std::size_t b, std::size_t chunk, std::size_t first, std::size_t count) {
    statistics_.gradient_statistics(b, chunk, activation(plan::source[b]) + first * plan::activation_sizes[plan::source[b]],
                                    gradient(b) + first * plan::activation_sizes[b], count);
  }

  /// The parameter gradients of the layers from..down_to that sum per chunk
  /// (Plan::per_chunk_gradient), for the chunk's samples, into the chunk's own slot: in the
  /// backward stage that ran their backward passes, while the gradients at their outputs are
  /// still in the chunk's work area.
  void chunk_weight_gradients(std::size_t chunk, Site at, std::size_t count, std::size_t from, std::size_t down_to) {
    plan::for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      if constexpr (plan::per_chunk_gradient[P]) {
        if (P > from || P < down_to) return;
        using L = typename plan::template layer<P>;
        S* slot = slots_.data() + chunk * plan::slot_block + plan::slot_offsets[P];
        for (std::size_t tile = 0; tile < L::gradient_tiles; ++tile)
          L::gradient(training_pass<P>(at), tile, slot + detail::gradient_span<L>(tile).first,
                      output(plan::source[P], at), gradient(P, at), count);
      }
    });
  }

  /// The rest of the parameter gradient, in one parallel loop of fixed pieces: the slots of the
  /// per-chunk layers summed in a tree over chunks (gradient_reduction.hpp), and the other layers'
  /// gradients in tasks (Plan::gradient_tasks), each summed over the chunks in the same tree.
  /// No sum depends on how threads shared the work.
  void weight_gradients(S* grads, Chunks chunks) {
    constexpr std::size_t piece = 4096;  // slot values added per task
    const std::size_t pieces = (plan::slot_block + piece - 1) / piece;
    for_each_chunk(pieces + plan::total_tasks, [&](std::size_t task) {
      if (task < pieces) {
        plan::for_each_position([&](auto position) {
          constexpr std::size_t P = decltype(position)::value;
          if constexpr (plan::per_chunk_gradient[P]) {
            constexpr std::size_t begin = plan::slot_offsets[P], end = begin + plan::block_size(P);
            const std::size_t from = std::max(begin, task * piece), to = std::min(end, (task + 1) * piece);
            if (from < to)
              sum_slots(slots_.data(), plan::slot_block, chunks.count(), from, to,
                        grads + Net::parameter_offsets[P - 1] - begin);
          }
        });
        return;
      }
      plan::for_each_position([&](auto position) {
        constexpr std::size_t P = decltype(position)::value;
        const std::size_t index = task - pieces;
        if (index >= plan::task_offsets[P - 1] && index < plan::task_offsets[P])
          gradient_task<P>(index - plan::task_offsets[P - 1], grads + Net::parameter_offsets[P - 1], chunks);
      });
    });
  }
  /// Task `task` of layer P's gradient into its block `g`: its tile's span (or all its tiles,
  /// where the layer declares no spans), summed over the chunks in the tree, from what the
  /// batch kept: by the layer itself where it `sums_chunk_tree` (Dense), else by
  /// sum_chunk_tree over the layer's values for each chunk, its buffers a work area's (every
  /// chunk is done, so all are free). A batch-coupled layer's runs once over the batch. The
  /// gradient gets no scratch: these tasks run concurrently.
  template <std::size_t P>
  void gradient_task(std::size_t task, S* g, Chunks chunks) {
    using L = typename plan::template layer<P>;
    constexpr std::size_t in = plan::activation_sizes[plan::source[P]], out = plan::activation_sizes[P];
    S* const saved = train_.data() + layout_.saved[P];
    if constexpr (detail::is_batch_coupled<L>) {
      L::gradient(pass<P>(saved, nullptr), task, g + detail::gradient_span<L>(task).first, activation(plan::source[P]),
                  gradient(P), chunks.total);
    } else if constexpr (detail::sums_chunk_tree<L>) {
      L::gradient_tree(pass<P>(saved, nullptr), task, g + L::gradient_span(task).first,
                       activation(plan::source[P]), gradient(P), chunks.total, chunks.size);
    } else {
      constexpr bool spans = detail::has_gradient_spans<L>;
      const GradientSpan span = detail::gradient_span<L>(task);
      const auto chunk_values = [&](std::size_t c, S* to) {
        const std::size_t first = chunks.first(c);
        const Pass<S> at = pass<P>(saved + first * plan::saved_sizes[P - 1], nullptr);
        const S* x = activation(plan::source[P]) + first * in;
        const S* dy = gradient(P) + first * out;
        if constexpr (spans) {
          L::gradient(at, task, to, x, dy, chunks.length(c));
        } else {
          // The tiles may leave values of the block unwritten (padding): zero, as in `g`.
          std::fill(to, to + span.size, S{});
          for (std::size_t tile = 0; tile < L::gradient_tiles; ++tile)
            L::gradient(at, tile, to, x, dy, chunks.length(c));
        }
      };
      if (chunks.count() == 1) {
        chunk_values(0, g + span.first);
        return;
      }
      const auto area = work_areas_.take();
      sum_chunk_tree(chunks.count(), span.size, g + span.first, area_data(area.index()),
                     detail::align_elements(span.size), chunk_values);
    }
  }

  Weights<S> weights_{};
  TrainingLayout<layer_count + 1> layout_{};
  detail::AlignedBuffer<S> train_;
  detail::AlignedBuffer<S> slots_;  ///< one gradient slot per chunk, for the per-chunk layers
  WorkAreas work_areas_;
  BatchStatistics<Net> statistics_;
  std::size_t chunk_capacity_ = 0;
  std::size_t batch_samples_ = 0;
  bool moving_pending_ = false;  ///< a computed batch whose statistics the running averages still lack
  std::uint64_t step_noise_ = 0;
};

}  // namespace typenet::exec
