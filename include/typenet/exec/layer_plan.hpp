// typenet/exec/layer_plan.hpp: LayerPlan<Net>, the part of exec::Plan derived layer by layer: the graph, fusion, gradients, sizes, chunks, parameter gradients, packed copies.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include <typenet/core/shape.hpp>
#include <typenet/exec/gradient_reduction.hpp>
#include <typenet/layers/layer_concepts.hpp>
#include <typenet/layers/regularized.hpp>

namespace typenet::exec {

/// The first part of Plan<Net> (exec/plan.hpp), its base: what follows from each bound layer's
/// declared traits (layers/layer_concepts.hpp) and the graph: which outputs and gradients exist
/// and where they go, the fusion of ReLUs into the layers around them, each position's sizes,
/// the chunks a batch is cut into, which parameter gradients sum per chunk and in how many
/// tasks, and the packed copies. Plan adds the stages around batch-coupled layers, what lives
/// for the whole batch and what per chunk, every offset, and the memory figures. Positions
/// count from 1; position 0 is the input.
template <class Net>
struct LayerPlan {
  static constexpr std::size_t layer_count = Net::layer_count;
  static constexpr std::size_t input_size = shape_t<Net::input_shape>::size;
  static constexpr std::size_t output_size = shape_t<Net::output_shape>::size;

  template <std::size_t P>
  using layer = typename Net::template layer<P - 1>;

  /// f(position) for every position 1..layer_count, as a compile-time constant.
  template <class F>
  static constexpr void for_each_position(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(std::integral_constant<std::size_t, I + 1>{}), ...);
    }(std::make_index_sequence<layer_count>{});
  }

  /// A per-position table: [p] = value<layer p>(), [0] and [layer_count + 1] false.
  template <class F>
  static constexpr auto table(F&& value) {
    std::array<bool, layer_count + 2> out{};
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      out[P] = value.template operator()<layer<P>>();
    });
    return out;
  }

  /// Running totals over the positions: [p] = size(1) + ... + size(p), [0] = 0, where
  /// `size(position)` takes the position as a compile-time constant.
  template <class F>
  static constexpr auto running_total(F&& size) {
    std::array<std::size_t, layer_count + 1> out{};
    for_each_position([&](auto position) { out[position] = out[position - 1] + size(position); });
    return out;
  }

  // ---- the graph -----------------------------------------------------------------------------

  /// [p]: the (first) position node p reads; [0] unused. A merge reads `node<P>::sources`.
  static constexpr auto source = [] {
    std::array<std::size_t, layer_count + 1> at{};
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      at[P] = Net::template node<P - 1>::sources[0];
    });
    return at;
  }();
  static constexpr auto merges = table([]<class L>() { return detail::is_merge<L>; });
  /// [q]: how many inputs of later nodes read the output of position q (0: the input).
  static constexpr auto consumers = [] {
    std::array<std::size_t, layer_count + 1> count{};
    for_each_position([&](auto position) {
      for (std::size_t q : Net::template node<decltype(position)::value - 1>::sources) ++count[q];
    });
    return count;
  }();
  /// [q]: whether training needs the gradient with respect to the output of position q.
  static constexpr auto needs_gradient = Net::needs_gradient;

  // ---- fusion -------------------------------------------------------------------------------

  static constexpr auto relus = table([]<class L>() { return detail::is_relu_activation<L>; });
  static constexpr auto relu_fusers = table([]<class L>() { return detail::fuses_relu<L>; });
  static constexpr auto gaters = table([]<class L>() { return detail::gates_input_gradient<L>; });

  /// fused_forward[p]: layer p applies the ReLU at p + 1 to its own output, which it writes
  /// where the ReLU's output goes; the ReLU's forward pass is skipped and layer p's own output
  /// is never stored. fused_backward[p]: the ReLU at p has its gradient taken by layer p + 1,
  /// which writes its input gradient already gated; the ReLU's backward pass is skipped and the
  /// gradient at the ReLU's output is never stored. Either only where the ReLU and its
  /// neighbour are each other's only link (no branch reads what would not be stored).
  static constexpr auto fused_forward = [] {
    std::array<bool, layer_count + 2> fused{};
    for (std::size_t p = 2; p <= layer_count; ++p)
      if (relus[p] && source[p] == p - 1 && consumers[p - 1] == 1) fused[p - 1] = relu_fusers[p - 1];
    return fused;
  }();
  static constexpr auto fused_backward = [] {
    std::array<bool, layer_count + 2> fused{};
    for (std::size_t p = 1; p < layer_count; ++p)
      fused[p] = relus[p] && gaters[p + 1] && !merges[p + 1] && source[p + 1] == p && consumers[p] == 1;
    return fused;
  }();

  /// Whether the last layer is a softmax whose input gradient a loss that `fuses_with_softmax`
  /// can write directly (its backward pass is then skipped).
  static constexpr bool ends_in_softmax =
      layer_count > 0 && table([]<class L>() { return detail::is_softmax_activation<L>; })[layer_count] &&
      consumers[source[layer_count]] == 1;

  // ---- the gradient at each output ------------------------------------------------------------

  /// [p]: where layer p's backward pass writes its input gradient: the gradient at its input's
  /// output, or, past a ReLU whose gradient it takes, at the ReLU's input.
  static constexpr auto gradient_target = [] {
    std::array<std::size_t, layer_count + 1> to{};
    for (std::size_t p = 1; p <= layer_count; ++p) to[p] = fused_backward[source[p]] ? source[source[p]] : source[p];
    return to;
  }();
  /// [p]: whether layer p's backward pass makes an input gradient at all (something before it,
  /// on a path to it, has parameters); a merge's gradients are passed on by the engine.
  static constexpr auto makes_input_gradient = [] {
    std::array<bool, layer_count + 1> makes{};
    for (std::size_t p = 1; p <= layer_count; ++p)
      makes[p] = !merges[p] && !fused_backward[p] && needs_gradient[source[p]];
    return makes;
  }();
  /// [p]: whether layer p adds its input gradient to what later layers wrote there (an output
  /// read by several layers): it writes it to the accumulation area first. The highest-placed
  /// layer writes; the others add, in the order of their positions, from the last down.
  static constexpr auto accumulates = [] {
    std::array<bool, layer_count + 1> adds{};
    std::array<bool, layer_count + 1> written{};
    for (std::size_t p = layer_count; p >= 1; --p) {
      if (!makes_input_gradient[p]) continue;
      adds[p] = written[gradient_target[p]];
      written[gradient_target[p]] = true;
    }
    return adds;
  }();
  /// [q]: whether a layer (not a merge) writes the gradient at q; merges then add theirs to it.
  static constexpr auto written_by_layer = [] {
    std::array<bool, layer_count + 1> written{};
    for (std::size_t p = 1; p <= layer_count; ++p)
      if (makes_input_gradient[p]) written[gradient_target[p]] = true;
    return written;
  }();
  /// [q]: the Add whose gradient is also q's, where that Add is the only node reading q (the end
  /// of a residual body): its gradient passes to q unchanged, so q uses it where it is instead
  /// of a copy of its own (0: q has a gradient of its own).
  static constexpr auto gradient_alias = [] {
    std::array<std::size_t, layer_count + 1> alias{};
    for_each_position([&](auto position) {
      constexpr std::size_t A = decltype(position)::value;
      if constexpr (detail::is_merge<layer<A>> && detail::is_add_merge<layer<A>>)
        for (std::size_t q : Net::template node<A - 1>::sources)
          if (q > 0 && consumers[q] == 1 && !fused_backward[q]) alias[q] = A;
    });
    return alias;
  }();

  /// The largest gradient a layer adds through the accumulation area, per sample.
  static constexpr std::size_t accumulated_size = [] {
    std::size_t most = 0;
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      if (accumulates[P]) most = std::max(most, shape_t<layer<P>::input_shape>::size);
    });
    return most;
  }();

  // ---- sizes --------------------------------------------------------------------------------

  /// One sample's element count at every point: [0] the input, [p] the output of position p.
  static constexpr auto activation_sizes = [] {
    std::array<std::size_t, layer_count + 1> sizes{input_size};
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      sizes[P] = shape_t<layer<P>::output_shape>::size;
    });
    return sizes;
  }();
  /// The largest output of any layer, per sample.
  static constexpr std::size_t widest_output = *std::max_element(activation_sizes.begin() + 1, activation_sizes.end());

  template <class F>
  static constexpr std::size_t largest(F&& size) {
    std::size_t most = 0;
    for_each_position([&](auto position) { most = std::max(most, size.template operator()<layer<decltype(position)::value>>()); });
    return most;
  }
  /// [p - 1]: per-sample values layer p keeps from forward to backward (e.g. a padded input).
  static constexpr auto saved_sizes = [] {
    std::array<std::size_t, layer_count> sizes{};
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      sizes[P - 1] = layer<P>::saved_size;
    });
    return sizes;
  }();
  /// The largest per-sample values any layer uses as scratch during one call, and keeps or
  /// uses as scratch in inference.
  static constexpr std::size_t largest_scratch = largest([]<class L>() { return L::scratch_size; });
  static constexpr std::size_t largest_inference_saved =
      largest([]<class L>() { return detail::inference_saved_size<L>(); });
  static constexpr std::size_t largest_inference_scratch =
      largest([]<class L>() { return detail::inference_scratch_size<L>(); });

  /// The elements of one sample's output of layer p, and of the gradient with respect to it,
  /// that training keeps: none where fusion makes them unnecessary.
  static constexpr std::size_t stored_output(std::size_t p) { return fused_forward[p] ? 0 : activation_sizes[p]; }
  static constexpr std::size_t stored_gradient(std::size_t p) {
    return fused_backward[p] || gradient_alias[p] ? 0 : activation_sizes[p];
  }

  // ---- chunks -------------------------------------------------------------------------------

  /// Samples per parallel task of a batch: the batch in at most 8 pieces (fewer, longer sums
  /// for the per-chunk weight gradients: Keras's batch of 32 makes 8 tasks of 4), and, for a small
  /// network, enough samples for about 8 MFLOP of work per task (the largest power of two
  /// below it), so that its Dense layers run as products of several rows. The split depends
  /// only on the batch size and the network, never on the thread count.
  static constexpr std::size_t samples_per_chunk(std::size_t batch) {
    constexpr double flops_per_chunk = 8e6;
    std::size_t by_work = 1;
    while (double(2 * by_work) * Net::training_flops <= flops_per_chunk) by_work *= 2;
    return std::min(std::max((batch + 7) / 8, by_work), std::max<std::size_t>(batch, 1));
  }
  static constexpr std::size_t chunk_count(std::size_t batch) {
    return (batch + samples_per_chunk(batch) - 1) / samples_per_chunk(batch);
  }
  /// The most chunks any batch of up to `batch` samples is cut into (a smaller batch can have
  /// more: 8 samples make 8 chunks of one, 9 make 5 of two).
  static constexpr std::size_t most_chunks(std::size_t batch) {
    std::size_t most = 0;
    for (std::size_t b = 1; b <= batch; ++b) most = std::max(most, chunk_count(b));
    return most;
  }

  // ---- parameter gradients ------------------------------------------------------------------

  /// Elements each layer's parameter block occupies (Net::parameter_offsets lays them out).
  static constexpr std::size_t block_size(std::size_t p) {
    return Net::parameter_offsets[p] - Net::parameter_offsets[p - 1];
  }

  /// Whether layer p sums its parameter gradient per chunk, into a slot of its own, the slots
  /// then added in a fixed order: layers whose every weight is used at many output positions
  /// (convolutions), where a batch's gradient is much work per weight and slots are few values.
  /// Others (Dense) compute it after the batch, in tiles of their parameters.
  static constexpr auto per_chunk_gradient = table([]<class L>() {
    using Out = shape_t<L::output_shape>;
    if constexpr (L::parameter_count > 0 && Out::rank > 0 && !detail::is_batch_coupled<L>)
      return Out::size / Out::dims[Out::rank - 1] >= 8;
    else
      return false;
  });
  /// Where each such layer's block sits in a chunk's gradient slot; [0] is the slot's length.
  static constexpr auto slot_offsets = [] {
    std::array<std::size_t, layer_count + 1> offsets{};
    std::size_t at = 0;
    for (std::size_t p = 1; p <= layer_count; ++p) {
      offsets[p] = at;
      if (per_chunk_gradient[p]) at += block_size(p);
    }
    offsets[0] = at;
    return offsets;
  }();
  static constexpr std::size_t slot_block = slot_offsets[0];

  /// The gradients of the layers that do not sum per chunk run after the batch, in parallel
  /// tasks, each task's sum over the batch's chunks a tree of its own (sum_chunk_tree): a task
  /// per tile where the layer's tiles write spans of their own (`gradient_span`), else one task
  /// for all its tiles. A batch-coupled layer's gradient reads the batch's statistics, already
  /// summed over the chunks: its tiles run once each, over the whole batch.
  template <std::size_t P>
  static constexpr std::size_t gradient_tasks() {
    using L = layer<P>;
    if constexpr (per_chunk_gradient[P] || L::gradient_tiles == 0) return 0;
    else if constexpr (detail::has_gradient_spans<L> || detail::is_batch_coupled<L>) return L::gradient_tiles;
    else return 1;
  }
  /// Those tasks numbered across layers: layer P's are [task_offsets[P - 1], task_offsets[P]).
  static constexpr auto task_offsets =
      running_total([](auto position) { return gradient_tasks<decltype(position)::value>(); });
  static constexpr std::size_t total_tasks = task_offsets[layer_count];
  /// The most values one task's tree sums in memory: the largest span (or block) of a layer
  /// summed so (a layer that `sums_chunk_tree` keeps its pending sums in registers).
  static constexpr std::size_t largest_tree_span = [] {
    std::size_t most = 0;
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      using L = layer<P>;
      if constexpr (gradient_tasks<P>() > 0 && !detail::is_batch_coupled<L> && !detail::sums_chunk_tree<L>)
        for (std::size_t t = 0; t < L::gradient_tiles; ++t) most = std::max(most, detail::gradient_span<L>(t).size);
    });
    return most;
  }();
  /// The values a task's tree holds besides its result, for batches of up to `batch` samples:
  /// in the work area it takes (free then: every chunk is done).
  static constexpr std::size_t tree_elements(std::size_t batch) {
    return tree_levels(most_chunks(batch)) * detail::align_elements(largest_tree_span);
  }

  /// The parameter ranges the optimizer updates: every tensor but the non-trainable ones
  /// (moving averages), adjacent ones merged; `count` of at most one a tensor are used.
  static constexpr std::size_t tensor_count = [] {
    std::size_t n = 0;
    for_each_position([&](auto position) { n += layer<decltype(position)::value>::parameter_tensors.size(); });
    return n;
  }();
  struct Ranges {
    std::array<std::pair<std::size_t, std::size_t>, tensor_count> ranges{};
    std::size_t count = 0;
  };
  static constexpr Ranges trainable = [] {
    Ranges out;
    std::size_t end = std::size_t(-1);
    for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      using L = layer<P>;
      for (std::size_t t = 0; t < L::parameter_tensors.size(); ++t) {
        if (!L::parameter_tensors[t].trainable) continue;
        const std::size_t from = Net::parameter_offsets[P - 1] + detail::tensor_offset(L::parameter_tensors, t);
        if (from != end) out.ranges[out.count++] = {from, from};
        end = from + detail::align_elements(L::parameter_tensors[t].size);
        out.ranges[out.count - 1].second = std::min(end, Net::parameter_block);
      }
    });
    return out;
  }();

  /// Whether any layer adds a penalty on its kernel to the loss (Regularized).
  static constexpr bool has_penalties = [] {
    bool any = false;
    for_each_position([&](auto position) { any = any || detail::has_penalty<layer<decltype(position)::value>>; });
    return any;
  }();

  // ---- packed copies ------------------------------------------------------------------------

  static constexpr auto packed_offsets = running_total(
      [](auto position) { return detail::align_elements(layer<decltype(position)::value>::packed_size); });
  static constexpr std::size_t packed_block = packed_offsets[layer_count];

  /// The parts layer P's packing comes in: its `pack_tasks` (else 1), and none for a layer
  /// with nothing to pack or whose packed copy serves only its input gradient
  /// (`packed_for_input_gradient`) when no pass makes that gradient (a first layer).
  template <std::size_t P>
  static constexpr std::size_t pack_parts() {
    using L = layer<P>;
    if constexpr (L::packed_size == 0) return 0;
    else if constexpr (!needs_gradient[source[P]] && detail::packed_for_input_gradient<L>) return 0;
    else return detail::pack_task_count<L>();
  }
  static constexpr auto pack_offsets =
      running_total([](auto position) { return pack_parts<decltype(position)::value>(); });

  /// Whether the forward pass reads layer P's packed copy: not where only backward's dx reads
  /// it (`packed_for_input_gradient`, Dense's transposed kernel), nor where only backward does
  /// (`packed_for_training`, a recurrent layer's).
  template <std::size_t P>
  static constexpr bool packed_for_forward = pack_parts<P>() > 0 && !detail::packed_for_input_gradient<layer<P>> &&
                                             !detail::packed_for_training<layer<P>>;
  /// The packed copies laid out for inference alone (Predictor): space and packing parts only
  /// for those the forward pass reads. (The MLP 784-128-10's block shrinks from 100,480
  /// elements, its transposed kernels, to none.)
  static constexpr auto inference_packed_offsets = running_total([](auto position) {
    constexpr std::size_t P = decltype(position)::value;
    return packed_for_forward<P> ? detail::align_elements(layer<P>::packed_size) : 0;
  });
  static constexpr std::size_t inference_packed_block = inference_packed_offsets[layer_count];
  static constexpr auto inference_pack_offsets = running_total([](auto position) {
    constexpr std::size_t P = decltype(position)::value;
    return packed_for_forward<P> ? pack_parts<P>() : std::size_t{0};
  });
};

}  // namespace typenet::exec
