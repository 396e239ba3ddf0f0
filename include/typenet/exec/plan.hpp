// typenet/exec/plan.hpp: Plan<Net>, how a network runs, derived once at compile time from its bound layers.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include <typenet/exec/layer_plan.hpp>
#include <typenet/graph/memory.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::exec {

/// The parameters a pass reads: the block laid out as Net::parameter_offsets, and the
/// kernels' packed copy of it laid out as Plan::packed_offsets.
template <class S>
struct Weights {
  const S* params;
  const S* packed;
};

/// Where a training step's buffers sit, for batches of up to `batch` samples: offsets of the
/// regions kept for the whole batch (from the workspace's start) and of those in a chunk work
/// area (from the area's start). Computed by Plan::training_layout, which both the memory
/// figures and the allocation read.
template <std::size_t Positions>
struct TrainingLayout {
  std::size_t batch = 0;                   ///< the samples it holds
  std::size_t chunk_samples = 0;           ///< samples of a chunk of such a batch
  std::array<std::size_t, Positions> output{};    ///< [p]: the output of position p (0: the input)
  std::array<std::size_t, Positions> gradient{};  ///< [p]: the gradient with respect to it
  std::array<std::size_t, Positions> saved{};     ///< [p]: what layer p keeps for its backward pass
  std::size_t scratch = 0;                 ///< in an area
  std::size_t accumulation = 0;            ///< in an area: an input gradient on its way to be added
  std::size_t target = 0;
  std::size_t loss = 0;                    ///< each sample's loss and correctness
  std::size_t batch_elements = 0;          ///< the regions kept for the whole batch; the first area starts here
  std::size_t area_elements = 0;           ///< one chunk work area
};

/// Everything about how network `Net` runs, from its bound layers' declared traits
/// (layers/layer_concepts.hpp) and nothing else: its base LayerPlan (exec/layer_plan.hpp)
/// derives the fusion of ReLUs into the layers around them, the chunks a batch is cut into and
/// which parameter gradients sum per chunk; this part the stages around batch-coupled layers,
/// what lives for the whole batch and what per chunk, every offset, and the memory figures.
/// The engine and the inference runner read it; no part of them tests for a particular layer
/// type. Positions count from 1; position 0 is the input.
template <class Net>
struct Plan : LayerPlan<Net> {
  using base = LayerPlan<Net>;
  template <std::size_t P>
  using layer = typename base::template layer<P>;
  using base::accumulated_size, base::activation_sizes, base::chunk_count, base::for_each_position;
  using base::fused_forward, base::gradient_alias, base::gradient_target, base::input_size;
  using base::largest_inference_saved, base::largest_inference_scratch, base::largest_scratch, base::layer_count;
  using base::makes_input_gradient, base::most_chunks, base::output_size, base::packed_block;
  using base::per_chunk_gradient, base::samples_per_chunk, base::saved_sizes, base::slot_block, base::source;
  using base::stored_gradient, base::stored_output, base::table, base::tree_elements, base::widest_output;

  // ---- batch-coupled layers -----------------------------------------------------------------

  /// coupled[p]: layer p normalises over the batch (BatchNormalization); the passes then run
  /// in stages around it, with its statistics summed per chunk and added in a fixed tree over chunks.
  static constexpr auto coupled = table([]<class L>() { return detail::is_batch_coupled<L>; });
  static constexpr bool any_coupled = std::ranges::any_of(coupled, [](bool b) { return b; });
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
  /// [p]: the doubles of coupled layer p's reduced statistics, and of one chunk's partial sums.
  template <class F>
  static constexpr auto coupled_sizes(F&& size) {
    std::array<std::size_t, layer_count + 2> out{};
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      if constexpr (detail::is_batch_coupled<layer<P>>) out[P] = size.template operator()<layer<P>>();
    });
    return out;
  }
  static constexpr auto reduced_sizes = coupled_sizes([]<class L>() { return L::reduced_size; });
  static constexpr auto partial_sizes = coupled_sizes([]<class L>() { return L::partial_size; });
  /// Where each coupled layer's reduced statistics start; [layer_count + 1] is their total.
  static constexpr auto stats_offsets = [] {
    std::array<std::size_t, layer_count + 2> at{};
    for (std::size_t p = 1; p <= layer_count + 1; ++p) at[p] = at[p - 1] + reduced_sizes[p - 1];
    return at;
  }();
  /// Coupled layer b's partials: one record of partial_sizes[b] per chunk, from
  /// chunks * partial_offsets[b] on; [layer_count + 1] is one chunk's total.
  static constexpr auto partial_offsets = [] {
    std::array<std::size_t, layer_count + 2> at{};
    for (std::size_t p = 1; p <= layer_count + 1; ++p) at[p] = at[p - 1] + partial_sizes[p - 1];
    return at;
  }();

  // ---- what lives for the whole batch, and what per chunk -----------------------------------

  /// Which layer outputs, gradients and saved values training keeps for the whole batch. The
  /// parameter gradient of a layer that does not sum per chunk (Dense) runs after the batch,
  /// over all of it (after_batch_gradient): its input and its output's gradient, and what it
  /// saved, stay (and the network's output, for the loss). In a network with a batch-coupled
  /// layer the stages hand the batch from one parallel loop to the next, so every output and
  /// saved value stays, and each gradient that one stage writes and another reads
  /// (crosses_stages). The rest lives only while its chunk runs, in the work area of one of the
  /// chunks running at a time. (Kept for the whole batch, the CIFAR-shaped network's 22 MB
  /// outgrew the 16 MB L3 cache; in chunk areas it trains 7-25 % faster, the more the busier the
  /// host.)
  static constexpr auto after_batch_gradient = [] {
    std::array<bool, layer_count + 1> after{};
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      after[P] = coupled[P] || (layer<P>::parameter_count > 0 && !per_chunk_gradient[P]);
    });
    return after;
  }();
  /// [p]: the backward stage that runs layer p's backward pass and per-chunk gradient: 0 above
  /// the highest batch-coupled layer, one more below each (the coupled layers at or above p).
  /// The gradient at p is completed in stage backward_stage[p + 1] (a coupled layer's, in the
  /// stage above its own: its statistics need it whole).
  static constexpr auto backward_stage = [] {
    std::array<std::size_t, layer_count + 2> stage{};
    for (std::size_t p = layer_count; p >= 1; --p) stage[p] = stage[p + 1] + (coupled[p] ? 1 : 0);
    return stage;
  }();
  /// [q]: whether the gradient at q is written in one backward stage and read in another: by a
  /// later layer in a higher stage, or read by a merge's source finished in another stage, or at
  /// a coupled layer.
  static constexpr auto crosses_stages = [] {
    std::array<bool, layer_count + 1> crosses{};
    for (std::size_t q = 1; q <= layer_count; ++q) {
      const std::size_t finished = backward_stage[q + 1];
      crosses[q] = coupled[q];
      for (std::size_t c = q + 1; c <= layer_count; ++c)
        if (makes_input_gradient[c] && gradient_target[c] == q && backward_stage[c] != finished) crosses[q] = true;
    }
    for_each_position([&](auto position) {
      constexpr std::size_t A = decltype(position)::value;
      if constexpr (detail::is_merge<layer<A>>)
        for (std::size_t q : Net::template node<A - 1>::sources)
          if (q > 0 && base::needs_gradient[q] && backward_stage[q + 1] != backward_stage[A + 1]) crosses[A] = true;
    });
    return crosses;
  }();
  static constexpr auto batch_gradient = [] {
    std::array<bool, layer_count + 1> kept{};
    for (std::size_t p = 1; p <= layer_count; ++p) kept[p] = after_batch_gradient[p] || crosses_stages[p];
    for (std::size_t p = 1; p <= layer_count; ++p)  // an alias and its Add share one buffer
      if (gradient_alias[p]) kept[gradient_alias[p]] = kept[gradient_alias[p]] || kept[p];
    for (std::size_t p = 1; p <= layer_count; ++p)
      if (gradient_alias[p]) kept[p] = kept[gradient_alias[p]];
    return kept;
  }();
  static constexpr auto batch_saved = [] {
    std::array<bool, layer_count + 1> kept{};
    for (std::size_t p = 1; p <= layer_count; ++p) kept[p] = any_coupled || after_batch_gradient[p];
    return kept;
  }();
  static constexpr auto batch_output = [] {
    std::array<bool, layer_count + 1> kept{};
    kept[layer_count] = true;
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      for (std::size_t q : Net::template node<P - 1>::sources) kept[q] = kept[q] || after_batch_gradient[P];
    });
    for (bool& k : kept) k = k || any_coupled;
    return kept;
  }();

  /// The training workspace for batches of up to `batch` samples: for the whole batch, the
  /// outputs, gradients and saved values batch_output and batch_gradient name, the targets,
  /// and each sample's loss and correctness; then, per chunk work area, the other outputs,
  /// gradients and saved values and the scratch area of a chunk's samples. Every region starts
  /// on a cache line.
  static constexpr TrainingLayout<layer_count + 1> training_layout(std::size_t batch) {
    TrainingLayout<layer_count + 1> at{.batch = batch, .chunk_samples = samples_per_chunk(batch)};
    std::size_t whole = 0, area = 0;
    const auto region = [&](std::size_t elements) {
      const std::size_t offset = whole;
      whole += detail::align_elements(elements);
      return offset;
    };
    const auto in_area = [&](std::size_t elements) {
      const std::size_t offset = area;
      area += detail::align_elements(elements);
      return offset;
    };
    const std::size_t samples = at.chunk_samples;
    for (std::size_t p = 0; p <= layer_count; ++p)
      at.output[p] = batch_output[p] ? region(batch * stored_output(p)) : in_area(samples * stored_output(p));
    for (std::size_t p = 1; p <= layer_count; ++p) {
      at.gradient[p] = batch_gradient[p] ? region(batch * stored_gradient(p)) : in_area(samples * stored_gradient(p));
      at.saved[p] = batch_saved[p] ? region(batch * saved_sizes[p - 1]) : in_area(samples * saved_sizes[p - 1]);
    }
    for (std::size_t p = 1; p <= layer_count; ++p)
      if (gradient_alias[p]) at.gradient[p] = at.gradient[gradient_alias[p]];
    at.scratch = in_area(samples * largest_scratch);
    at.accumulation = in_area(samples * accumulated_size);
    at.target = region(batch * output_size);
    at.loss = region(2 * batch);
    at.batch_elements = whole;
    at.area_elements = std::max(area, tree_elements(batch));
    return at;
  }

  /// The chunk work areas a run with batches of up to `batch` samples on `threads` threads
  /// holds: one per chunk that can run at a time.
  static constexpr std::size_t work_areas(std::size_t batch, std::size_t threads) {
    return std::min(most_chunks(batch), threads);
  }

  /// Where inference keeps each output: in buffer slot[p] of `count` buffers of widest_output
  /// values per sample, each reused once no later node reads what it held (a chain of layers
  /// takes two, which they write in turn). Node p writes position p, or p + 1 where it fuses
  /// the ReLU there; the input has a region of its own.
  struct InferenceSlots {
    std::array<std::size_t, layer_count + 1> slot{};
    std::size_t count = 0;
  };
  static constexpr InferenceSlots inference_slots = [] {
    std::array<std::size_t, layer_count + 1> last_use{};
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      for (std::size_t q : Net::template node<P - 1>::sources) last_use[q] = std::max(last_use[q], P);
    });
    last_use[layer_count] = layer_count + 1;
    InferenceSlots out;
    std::array<std::size_t, layer_count + 1> holder{};  // [slot]: the position it holds, 0 when free
    for (std::size_t p = 1; p <= layer_count; ++p) {
      if (fused_forward[p - 1]) continue;
      const std::size_t to = fused_forward[p] ? p + 1 : p;
      std::size_t slot = 0;
      while (slot < out.count && holder[slot] != 0 && last_use[holder[slot]] >= p) ++slot;
      if (slot == out.count) ++out.count;
      holder[slot] = to;
      out.slot[to] = slot;
    }
    return out;
  }();

  /// The inference workspace for `batch` samples at a time: the input, the buffers the layers
  /// write (inference_slots), and the saved and scratch areas of the layer running.
  static constexpr std::size_t inference_elements(std::size_t batch) {
    return detail::align_elements(batch * input_size) +
           inference_slots.count * detail::align_elements(batch * widest_output) +
           detail::align_elements(batch * largest_inference_saved) + batch * largest_inference_scratch;
  }

  // ---- memory -------------------------------------------------------------------------------

  /// Per-sample training workspace, in elements, of the whole batch, and per sample of a chunk
  /// running (see batch_output).
  static constexpr std::size_t training_elements_per_sample = [] {
    std::size_t total = (batch_output[0] ? activation_sizes[0] : 0) + activation_sizes[layer_count] + 2;
    for (std::size_t p = 1; p <= layer_count; ++p)
      total += (batch_output[p] ? stored_output(p) : 0) +
               (batch_gradient[p] ? stored_gradient(p) : 0) + (batch_saved[p] ? saved_sizes[p - 1] : 0);
    return total;
  }();
  static constexpr std::size_t training_elements_in_flight = [] {
    std::size_t total = (batch_output[0] ? 0 : activation_sizes[0]) + largest_scratch + accumulated_size;
    for (std::size_t p = 1; p <= layer_count; ++p)
      total += (batch_output[p] ? 0 : stored_output(p)) +
               (batch_gradient[p] ? 0 : stored_gradient(p)) + (batch_saved[p] ? 0 : saved_sizes[p - 1]);
    return total;
  }();
  static constexpr std::size_t inference_elements_per_sample =
      activation_sizes[0] + inference_slots.count * widest_output + largest_inference_saved + largest_inference_scratch;

  /// The bytes a training run's workspace holds, as allocated (regions padded to cache lines):
  /// the training layout, the gradient slots, the batch statistics. `S` is the scalar.
  template <class S>
  static constexpr std::size_t training_workspace_bytes(std::size_t batch, std::size_t threads) {
    const auto at = training_layout(batch);
    return (at.batch_elements + work_areas(batch, threads) * at.area_elements + most_chunks(batch) * slot_block) *
               sizeof(S) +
           (stats_offsets[layer_count + 1] + most_chunks(batch) * partial_offsets[layer_count + 1]) * sizeof(double);
  }
  template <class S>
  static constexpr std::size_t tree_bytes(std::size_t batch) {
    return tree_elements(batch) * sizeof(S);
  }
  template <class S>
  static constexpr std::size_t inference_bytes(std::size_t batch) {
    return inference_elements(batch) * sizeof(S);
  }

  /// The bytes a model of this network holds, with scalar `S` and an optimizer keeping
  /// `OptimizerSlots` values per parameter (Adam 2, SGD with momentum 1, plain SGD 0).
  template <class S = float, std::size_t OptimizerSlots = 2>
  static constexpr Memory memory{
      .parameters = Net::parameter_block * sizeof(S),
      .gradients = Net::parameter_block * sizeof(S),
      .optimizer_state = OptimizerSlots * Net::parameter_block * sizeof(S),
      .packed = packed_block * sizeof(S),
      .training_per_sample = training_elements_per_sample * sizeof(S),
      .training_in_flight = training_elements_in_flight * sizeof(S),
      .inference_per_sample = inference_elements_per_sample * sizeof(S),
      .gradient_slot = slot_block * sizeof(S),
      .batch_statistics = stats_offsets[layer_count + 1] * sizeof(double),
      .statistics_per_chunk = partial_offsets[layer_count + 1] * sizeof(double),
      .chunk_count = &most_chunks,
      .chunk_samples = &samples_per_chunk,
      .gradient_tree = &tree_bytes<S>,
      .training_workspace = &training_workspace_bytes<S>,
      .inference_workspace = &inference_bytes<S>,
  };
};

}  // namespace typenet::exec
