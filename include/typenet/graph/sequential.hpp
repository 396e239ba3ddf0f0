// typenet/graph/sequential.hpp: Sequential<Input<...>, Layers...>, a network as a type, with its shapes checked at compile time.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <iostream>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/graph/detail/fold.hpp>
#include <typenet/graph/memory.hpp>
#include <typenet/graph/summary.hpp>
#include <typenet/layers/input.hpp>
#include <typenet/layers/layer_concepts.hpp>
#include <typenet/layers/relu.hpp>

namespace typenet {

namespace detail {
template <class T>
struct input_of {
  static constexpr bool valid = false;
  using shape = poison_shape;
};
template <std::size_t... Dims>
struct input_of<Input<Dims...>> {
  static constexpr bool valid = Input<Dims...>::valid;
  using shape = std::conditional_t<valid, Shape<Dims...>, poison_shape>;  // Input's own check has spoken
};

template <class T>
inline constexpr bool is_input = false;
template <std::size_t... Dims>
inline constexpr bool is_input<Input<Dims...>> = true;

template <class First>
consteval bool check_input() {
  static_assert(is_input<First>,
                "Sequential needs Input<...> as its first argument, e.g. Sequential<Input<28, 28, 1>, Flatten, Dense<10>>");
  if constexpr (is_input<First>) {
    return First::template check_parameters<at_layer<0, First, typename First::shape>>();
  } else {
    return false;
  }
}

template <class L>
inline constexpr bool is_relu = requires { requires std::is_same_v<typename L::descriptor, ReLU>; };

template <class List>
struct layer_tuple;
template <class... Ls>
struct layer_tuple<type_list<Ls...>> {
  using type = boost::hana::tuple<Ls...>;
  static constexpr std::size_t parameter_count = (std::size_t{0} + ... + Ls::parameter_count);
  /// Elements of one sample's output of each layer, in order.
  static constexpr std::array<std::size_t, sizeof...(Ls)> output_sizes{shape_t<Ls::output_shape>::size...};
  /// Elements each layer's parameter block occupies (tensors padded to cache lines).
  static constexpr std::array<std::size_t, sizeof...(Ls)> block_sizes{
      [] {
        std::size_t total = 0;
        for (const auto& t : Ls::parameter_tensors) total += align_elements(t.size);
        return total;
      }()...};
  static constexpr std::array<std::size_t, sizeof...(Ls)> packed_sizes{align_elements(Ls::packed_size)...};
  static constexpr std::array<std::size_t, sizeof...(Ls)> saved_sizes{Ls::saved_size...};
  static constexpr std::size_t largest_scratch = std::max({std::size_t{0}, Ls::scratch_size...});
  static constexpr std::size_t largest_inference_saved = std::max({std::size_t{0}, inference_saved_size<Ls>()...});
  static constexpr std::size_t largest_inference_scratch =
      std::max({std::size_t{0}, inference_scratch_size<Ls>()...});
};
}  // namespace detail

/// A feed-forward network: `Input<...>` then layer descriptors, each bound at compile time to
/// the shape the previous one produces. Recommended use is a strong name:
///
///     struct Mlp : Sequential<Input<784>, Dense<128>, ReLU, Dense<10>, Softmax> {};
///
/// A layer that cannot take the shape it receives stops compilation with one error naming
/// `at_layer<position, layer, received shape>`; later layers are not checked again.
template <class First, class... Layers>
struct Sequential {
 private:
  static constexpr bool input_ok = detail::check_input<First>();
  static_assert(detail::reported(input_ok));
  using fold = detail::Fold<1, typename detail::input_of<First>::shape, Layers...>;
  using tuple_info = detail::layer_tuple<typename fold::layers>;

 public:
  /// False when some layer was rejected (the compiler has then already said why).
  static constexpr bool is_valid = input_ok && fold::valid;
  static constexpr std::size_t layer_count = sizeof...(Layers);

  /// The bound layers, in order (position p is element p - 1).
  using layer_tuple = typename tuple_info::type;
  static constexpr layer_tuple layers{};
  template <std::size_t Index>
  using layer = std::remove_cvref_t<decltype(boost::hana::at_c<Index>(layers))>;

  static constexpr typename detail::input_of<First>::shape input_shape{};
  static constexpr typename fold::output output_shape{};
  static constexpr std::size_t parameter_count = tuple_info::parameter_count;

  static constexpr auto relus = [] {
    std::array<bool, layer_count + 2> is{};
    std::size_t p = 0;
    boost::hana::for_each(layers, [&](auto layer) { is[++p] = detail::is_relu<decltype(layer)>; });
    return is;
  }();
  static constexpr auto relu_fusers = [] {
    std::array<bool, layer_count + 2> can{};
    std::size_t p = 0;
    boost::hana::for_each(layers, [&](auto layer) { can[++p] = detail::fuses_relu<decltype(layer)>; });
    return can;
  }();
  static constexpr auto gaters = [] {
    std::array<bool, layer_count + 2> can{};
    std::size_t p = 0;
    boost::hana::for_each(layers, [&](auto layer) { can[++p] = detail::gates_input_gradient<decltype(layer)>; });
    return can;
  }();

  /// The fusion plan. fused_forward[p]: layer p applies the ReLU at p + 1 to its own output,
  /// which it writes where the ReLU's output goes; the ReLU's forward pass is skipped and layer
  /// p's own output is never stored. fused_backward[p]: the ReLU at p has its gradient taken by
  /// layer p + 1, which writes its input gradient already gated; the ReLU's backward pass is
  /// skipped and the gradient at the ReLU's output is never stored.
  static constexpr auto fused_forward = [] {
    std::array<bool, layer_count + 2> fused{};
    std::size_t p = 0;
    boost::hana::for_each(layers, [&](auto layer) {
      ++p;
      if constexpr (detail::is_relu<decltype(layer)>)
        if (p > 1) fused[p - 1] = relu_fusers[p - 1];
    });
    return fused;
  }();
  static constexpr auto fused_backward = [] {
    std::array<bool, layer_count + 2> fused{};
    for (std::size_t p = 1; p < layer_count; ++p) fused[p] = relus[p] && gaters[p + 1];
    return fused;
  }();

  /// One sample's element count at every point: [0] the input, [p] the output of position p.
  static constexpr auto activation_sizes = [] {
    std::array<std::size_t, layer_count + 1> sizes{shape_t<input_shape>::size};
    std::copy(tuple_info::output_sizes.begin(), tuple_info::output_sizes.end(), sizes.begin() + 1);
    return sizes;
  }();

  /// Multiply-adds of one sample's forward pass, times two: every kernel weight of a Dense or
  /// Conv2D layer meets every output position of its filter once.
  static constexpr double forward_flops = [] {
    double total = 0;
    boost::hana::for_each(layers, [&](auto layer) {
      using L = decltype(layer);
      if constexpr (L::parameter_tensors.size() > 0) {
        using Out = shape_t<L::output_shape>;
        total += 2.0 * double(L::parameter_tensors[0].size) * double(Out::size / Out::dims[Out::rank - 1]);
      }
    });
    return total;
  }();
  /// ... and of a training step: the forward pass, every weight gradient, and the input
  /// gradient of every layer with parameters but the first (each as costly as its forward).
  static constexpr double training_flops = [] {
    double total = 0;
    bool first = true;
    boost::hana::for_each(layers, [&](auto layer) {
      using L = decltype(layer);
      if constexpr (L::parameter_tensors.size() > 0) {
        using Out = shape_t<L::output_shape>;
        total += (first ? 4.0 : 6.0) * double(L::parameter_tensors[0].size) * double(Out::size / Out::dims[Out::rank - 1]);
        first = false;
      }
    });
    return total;
  }();

  /// Samples per parallel task of a batch: the batch in at most 8 pieces (fewer, longer sums
  /// for the per-chunk weight gradients: Keras's batch of 32 makes 8 tasks of 4), and, for a small
  /// network, enough samples for about 8 MFLOP of work per task (the largest power of two
  /// below it), so that its Dense layers run as products of several rows. The split depends
  /// only on the batch size and the network, never on the thread count.
  static constexpr std::size_t samples_per_chunk(std::size_t batch) {
    constexpr double flops_per_chunk = 8e6;
    std::size_t by_work = 1;
    while (double(2 * by_work) * training_flops <= flops_per_chunk) by_work *= 2;
    return std::min(std::max((batch + 7) / 8, by_work), std::max<std::size_t>(batch, 1));
  }
  static constexpr std::size_t chunk_count(std::size_t batch) {
    return (batch + samples_per_chunk(batch) - 1) / samples_per_chunk(batch);
  }
  /// The most chunks any batch of up to `batch` samples is cut into (a smaller batch can have
  /// more: 16 samples make 16 chunks of one, 17 make 9 of two).
  static constexpr std::size_t most_chunks(std::size_t batch) {
    std::size_t most = 0;
    for (std::size_t b = 1; b <= batch; ++b) most = std::max(most, chunk_count(b));
    return most;
  }

  /// Whether layer p (1-based) sums its parameter gradient per chunk, into a slot of its own,
  /// the slots then added in chunk order: layers whose every weight is used at many output
  /// positions (convolutions), where a batch's gradient is much work per weight and slots are
  /// few values. Others (Dense) compute it after the batch, in tiles of their parameters.
  static constexpr auto per_chunk_gradient = [] {
    std::array<bool, layer_count + 1> chunked{};
    std::size_t p = 0;
    boost::hana::for_each(layers, [&](auto layer) {
      using L = decltype(layer);
      using Out = shape_t<L::output_shape>;
      ++p;
      if constexpr (L::parameter_count > 0 && Out::rank > 0 && !detail::is_batch_coupled<L>)
        chunked[p] = Out::size / Out::dims[Out::rank - 1] >= 8;
    });
    return chunked;
  }();
  /// Where each such layer's block sits in a chunk's gradient slot, and the slot's length.
  static constexpr auto slot_offsets = [] {
    std::array<std::size_t, layer_count + 1> offsets{};
    std::size_t at = 0;
    for (std::size_t p = 1; p <= layer_count; ++p) {
      offsets[p] = at;
      if (per_chunk_gradient[p]) at += tuple_info::block_sizes[p - 1];
    }
    offsets[0] = at;  // the total
    return offsets;
  }();
  static constexpr std::size_t slot_block = slot_offsets[0];

  /// Offsets of each layer's block in the model's parameter array, and its total length.
  static constexpr auto parameter_offsets = [] {
    std::array<std::size_t, layer_count + 1> offsets{};
    for (std::size_t i = 0; i < layer_count; ++i) offsets[i + 1] = offsets[i] + tuple_info::block_sizes[i];
    return offsets;
  }();
  static constexpr std::size_t parameter_block = parameter_offsets[layer_count];

  static constexpr auto packed_offsets = [] {
    std::array<std::size_t, layer_count + 1> offsets{};
    for (std::size_t i = 0; i < layer_count; ++i) offsets[i + 1] = offsets[i] + tuple_info::packed_sizes[i];
    return offsets;
  }();
  static constexpr std::size_t packed_block = packed_offsets[layer_count];

  /// Per-sample values each layer keeps from forward to backward (e.g. a padded input), and
  /// the largest per-sample values any layer keeps or uses as scratch during one call.
  static constexpr auto saved_sizes = tuple_info::saved_sizes;
  static constexpr std::size_t largest_scratch = tuple_info::largest_scratch;
  static constexpr std::size_t largest_inference_saved = tuple_info::largest_inference_saved;
  static constexpr std::size_t largest_inference_scratch = tuple_info::largest_inference_scratch;

  /// The largest output of any layer, per sample.
  static constexpr std::size_t widest_output = *std::max_element(activation_sizes.begin() + 1, activation_sizes.end());

  /// The elements of one sample's output of layer p, and of the gradient with respect to it,
  /// that training keeps: none where fusion makes them unnecessary.
  static constexpr std::size_t stored_output(std::size_t p) { return fused_forward[p] ? 0 : activation_sizes[p]; }
  static constexpr std::size_t stored_gradient(std::size_t p) { return fused_backward[p] ? 0 : activation_sizes[p]; }

  /// Per-sample training workspace, in elements: the input, every layer's output and the
  /// gradient with respect to it (but those fusion removes), what layers keep for backward,
  /// the scratch area, the target, and the sample's loss and correctness.
  /// The reduced and the per-chunk statistics of the batch-coupled layers, in doubles.
  static constexpr std::pair<std::size_t, std::size_t> coupled_sizes = [] {
    std::pair<std::size_t, std::size_t> sizes{0, 0};
    boost::hana::for_each(layers, [&](auto layer) {
      using L = decltype(layer);
      if constexpr (detail::is_batch_coupled<L>) {
        sizes.first += L::reduced_size;
        sizes.second += L::partial_size;
      }
    });
    return sizes;
  }();

  /// coupled[p]: layer p normalises over the batch (BatchNormalization).
  static constexpr auto coupled = [] {
    std::array<bool, layer_count + 2> is{};
    std::size_t p = 0;
    boost::hana::for_each(layers, [&](auto layer) { is[++p] = detail::is_batch_coupled<decltype(layer)>; });
    return is;
  }();
  static constexpr bool any_coupled = std::ranges::any_of(coupled, [](bool b) { return b; });

  /// Which layer outputs and gradients training keeps for the whole batch. The parameter
  /// gradient of a layer that does not sum per chunk (Dense) runs after the batch, over all of
  /// it: its input and its output's gradient, and what it saved, stay (and the network's
  /// output, for the loss). So does everything in a network with a batch-coupled layer
  /// (BatchNormalization), whose stages hand the batch from one parallel loop to the next.
  /// The rest lives only while its chunk runs: in the work area of one of the chunks running
  /// at a time, reused by the chunks after it. (Kept for the whole batch, the CIFAR-shaped
  /// network's 22 MB outgrew the 16 MB L3 cache; in chunk areas it trains 7-25 % faster,
  /// the more the busier the host.)
  static constexpr auto batch_gradient = [] {
    std::array<bool, layer_count + 1> kept{};
    std::size_t p = 0;
    boost::hana::for_each(layers, [&](auto layer) {
      ++p;
      kept[p] = any_coupled || (decltype(layer)::parameter_count > 0 && !per_chunk_gradient[p]);
    });
    return kept;
  }();
  static constexpr auto batch_output = [] {
    std::array<bool, layer_count + 1> kept{};
    for (std::size_t p = 0; p <= layer_count; ++p)
      kept[p] = any_coupled || p == layer_count || batch_gradient[p + 1];
    return kept;
  }();

  /// Per-sample training workspace, in elements, of the whole batch: the outputs, gradients
  /// and saved values kept for it (see batch_output), the target, and the sample's loss and
  /// correctness.
  static constexpr std::size_t training_elements_per_sample = [] {
    std::size_t total = (batch_output[0] ? activation_sizes[0] : 0) + activation_sizes[layer_count] + 2;
    for (std::size_t p = 1; p <= layer_count; ++p)
      total += (batch_output[p] ? stored_output(p) : 0) +
               (batch_gradient[p] ? stored_gradient(p) + saved_sizes[p - 1] : 0);
    return total;
  }();
  /// And per sample of a chunk running: the other outputs, gradients and saved values, and the
  /// scratch area.
  static constexpr std::size_t training_elements_in_flight = [] {
    std::size_t total = (batch_output[0] ? 0 : activation_sizes[0]) + largest_scratch;
    for (std::size_t p = 1; p <= layer_count; ++p)
      total += (batch_output[p] ? 0 : stored_output(p)) +
               (batch_gradient[p] ? 0 : stored_gradient(p) + saved_sizes[p - 1]);
    return total;
  }();
  /// Per-sample inference workspace, in elements: the input, two buffers that alternate, and
  /// the work areas of the layer running.
  static constexpr std::size_t inference_elements_per_sample =
      activation_sizes[0] + 2 * widest_output + largest_inference_saved + largest_inference_scratch;

  /// The bytes a model of this network holds, with scalar `S` and an optimizer keeping
  /// `OptimizerSlots` values per parameter (Adam 2, SGD with momentum 1, plain SGD 0).
  template <class S = float, std::size_t OptimizerSlots = 2>
  static constexpr Memory memory{
      .parameters = parameter_block * sizeof(S),
      .gradients = parameter_block * sizeof(S),
      .optimizer_state = OptimizerSlots * parameter_block * sizeof(S),
      .packed = packed_block * sizeof(S),
      .training_per_sample = training_elements_per_sample * sizeof(S),
      .training_in_flight = training_elements_in_flight * sizeof(S),
      .inference_per_sample = inference_elements_per_sample * sizeof(S),
      .gradient_slot = slot_block * sizeof(S),
      .batch_statistics = coupled_sizes.first * sizeof(double),
      .statistics_per_chunk = coupled_sizes.second * sizeof(double),
      .chunk_count = &most_chunks,
      .chunk_samples = &samples_per_chunk,
  };

  /// The rows of `summary()`.
  static std::vector<SummaryRow> summary_rows() {
    std::vector<SummaryRow> rows;
    std::size_t position = 0;
    boost::hana::for_each(layers, [&](auto layer) {
      using L = decltype(layer);
      std::size_t trainable = 0;
      for (const auto& t : L::parameter_tensors) trainable += t.trainable ? t.size : 0;
      rows.push_back({++position, L::descriptor::spelling(), shape_t<L::output_shape>::to_string(),
                      L::parameter_count, trainable});
    });
    return rows;
  }

  /// A Keras-like table: each layer, its output shape and parameter count, then the totals
  /// and the memory figures (float, Adam, batch 32).
  static void summary(std::ostream& out = std::cout) { print_summary(out, summary_rows(), memory<>, sizeof(float)); }
};

}  // namespace typenet
