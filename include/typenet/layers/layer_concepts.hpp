// typenet/layers/layer_concepts.hpp: the layer protocol: LayerDescriptor, BoundLayer, and every optional trait with its default (the types it speaks in: layers/layer_types.hpp).
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/layers/layer_types.hpp>

// The layer protocol, stated once. The fold of Sequential (graph/detail/fold.hpp) checks every
// requirement below in this order and reports the first one missing, at its layer, in one error;
// the plan and the engine read the optional traits only through the accessors in this header
// (typenet::detail), never by testing for a particular layer type.
//
// A layer descriptor D (what the user writes: `Dense<10>`) provides, in this order:
//   name                      static constexpr std::string_view: "Dense", for summaries and messages
//   spelling()                static, convertible to std::string: the type as written, "Dense<10>",
//                             naming every template argument that changes what the layer computes
//                             (weight files compare spellings, so a file saved with another slope or
//                             rate is refused); a default argument may be left out. typenet's layers
//                             return a constexpr detail::Text, so constant expressions can read it too
//   check_parameters<Where>() template <class Where> static consteval bool: its parameter rule
//                             (Units > 0); on failure a static_assert(... || detail::rejected<Where>)
//   accepts<In>               template <AnyShape In> static constexpr bool: its shape rule, as data
//   explain<Where>()          template <class Where> static consteval void: the message when
//                             accepts fails, a static_assert on detail::rejected<Where>; instantiated
//                             only then (detail::AcceptsAnyShape gives all three rules to a layer
//                             that takes any shape)
//   bind<In>                  template <AnyShape In> struct: the bound layer for input shape In
// Optional traits of a descriptor:
//   activation = true         an element-wise or softmax activation, usable as the second argument of
//                             Dense<Units, Activation> (read by is_activation_descriptor<D>)
//   expands_to                using expands_to = detail::type_list<Parts...>: D is shorthand for its
//                             parts (Dense<128, ReLU> for Dense<128>, ReLU): checked by its own rules,
//                             then replaced by the parts, and has no bind (read by is_shorthand<D>)
//
// A bound layer L = D::bind<In> (a BoundLayer) provides these members:
//   descriptor                using descriptor = D;  (summaries and weight files spell L through it)
//   input_shape, output_shape static constexpr Shape<...> values
//   parameter_tensors         static constexpr std::array<ParameterTensor, P>: Keras's tensors, in order
//   parameter_count           static constexpr std::size_t: the sum of their sizes (a law the fold checks)
//   packed_size               values of the packed copy (a re-layout of the parameters, made by pack)
//   gradient_tiles            how many independent parts `gradient` writes (0 without parameters)
//   saved_size, scratch_size  values per sample of the two work areas (see Pass)
// and these passes, static and templated on the scalar S (checked with S = float and double), each
// returning void, over n consecutive samples (x: n * input size values, y and dy: n * output size):
//   forward(pass, x, y, n)               writes all of y from x;
//   backward(pass, x, y, dy, dx, n)      writes all of dx from dy (dx null: nothing needs it, return);
//   gradient(pass, tile, g, x, dy, n)    writes its tile of the parameter gradient (the layer's own
//                                        block, laid out as params), summed over the n samples in
//                                        sample order; g points at the tile's span (gradient_span
//                                        below: the block's start where the layer declares none). The
//                                        model calls it for the samples of one chunk and adds the
//                                        chunks' sums in a fixed tree (exec/gradient_reduction.hpp);
//                                        it runs after backward of the same samples;
//   pack(params, packed)                 refreshes the packed copy after the parameters change.
// A layer without parameters derives from NoParameters (parameter_tensors, parameter_count,
// packed_size, gradient_tiles, saved_size, scratch_size, gradient and pack, all empty), and one
// with parameters but no work areas from NoWorkAreas.
//
// Optional traits of a bound layer: a layer that does not declare one gets its default. Each is
// read through one accessor (in typenet::detail), never by looking at the layer's type:
//   trait (member)               accessor                       default  meaning when declared
//   fuses_relu = true            fuses_relu<L>                  false    forward applies max(y, 0) when
//                                                                        pass.relu (the ReLU after it is fused)
//   gates_input_gradient = true  gates_input_gradient<L>        false    backward keeps dx only where x > 0
//                                                                        when pass.gate (the ReLU before it)
//   relu_activation = true       is_relu_activation<L>          false    L is max(x, 0): fusable into its
//                                                                        neighbours (ReLU)
//   softmax_activation = true    is_softmax_activation<L>       false    L is a softmax over the last axis: a
//                                                                        loss that fuses_with_softmax writes
//                                                                        its input gradient (Softmax)
//   sigmoid_activation = true    is_sigmoid_activation<L>       false    L is the logistic 1 / (1 + e^-x): its
//                                                                        outputs are probabilities (Sigmoid)
//   uses_noise = true            uses_noise<L>                  false    draws random numbers in training from
//                                                                        pass.noise and pass.sample (Dropout)
//   batch_coupled = true         is_batch_coupled<L>            false    couples the samples of a batch: the
//                                                                        model runs stages around it; requires
//                                                                        the members of BatchCoupledLayer
//                                                                        (BatchNormalization)
//   inference_saved_size         inference_saved_size<L>()      saved_size    work areas in inference,
//   inference_scratch_size       inference_scratch_size<L>()    scratch_size  where smaller (Winograd Conv2D)
//   pack_tasks, and              pack_task_count<L>()           1        packing comes in pack_tasks parts
//     pack(params, packed, task)                                         run in parallel (Dense, Conv2D)
//   packed_for_input_gradient    packed_for_input_gradient<L>   false    only backward's dx reads the packed
//     = true                                                             copy: a first layer is not packed
//   multiply_adds                forward_multiply_adds<L>()     see      one sample's forward multiply-adds,
//                                                               there    where the first tensor times the
//                                                                        output positions undercounts (GRU)
//   packed_for_training = true   packed_for_training<L>         false    only backward reads the packed copy
//                                                                        (with or without dx): inference
//                                                                        does not pack it (GRU, LSTM)
//   penalty (a type with l1, l2) has_penalty<L>                 none     L1 / L2 penalty on its first tensor
//                                                                        (Regularized)
//   gradient_span(tile)          gradient_span<L>(tile)         the      static constexpr GradientSpan: tile
//                                                               block    `tile` of gradient writes every value
//                                                                        of this part of the block and no other
//                                                                        (Dense): the tiles' sums over a batch's
//                                                                        chunks then run apart, in parallel
//   gradient_tree(pass, tile, g, sums_chunk_tree<L>            false    with gradient_span: the tile over n
//     x, dy, n, chunk)                                                   samples cut in chunks of `chunk`, the
//                                                                        chunks' sums added in the model's tree
//                                                                        (the same bits), without storing them
//
// A minimal model: y = -x on any shape, no parameters (docs/writing-a-layer.md walks through a
// larger one; test/static/writing_a_layer.cpp compiles this one):
//
//     struct Negate : typenet::detail::AcceptsAnyShape {   // check_parameters, accepts, explain
//       static constexpr std::string_view name = "Negate";
//       static std::string spelling() { return "Negate"; }
//       template <typenet::AnyShape In>
//       struct bind : typenet::NoParameters {
//         using descriptor = Negate;
//         static constexpr In input_shape{};
//         static constexpr In output_shape{};
//         template <class S>
//         static void forward(const typenet::Pass<S>&, const S* x, S* y, std::size_t n) {
//           for (std::size_t i = 0; i < n * In::size; ++i) y[i] = -x[i];
//         }
//         template <class S>
//         static void backward(const typenet::Pass<S>&, const S*, const S*, const S* dy, S* dx, std::size_t n) {
//           if (dx) for (std::size_t i = 0; i < n * In::size; ++i) dx[i] = -dy[i];
//         }
//       };
//     };

namespace typenet {

namespace detail {

/// Whether descriptor D is shorthand for other layers (`using expands_to = type_list<...>`).
template <class D>
inline constexpr bool is_shorthand = requires { typename D::expands_to; };

/// Whether descriptor D is an activation (`activation = true`): Dense<Units, D> takes it.
template <class D>
inline constexpr bool is_activation_descriptor = requires { requires D::activation; };

}  // namespace detail

namespace detail {

using typenet::NoParameters;
using typenet::NoWorkAreas;

template <class T>
inline constexpr bool is_parameter_array = false;
template <std::size_t P>
inline constexpr bool is_parameter_array<std::array<ParameterTensor, P>> = true;

// ---- the descriptor's parts, one predicate each (the fold reports the first one missing) ----

template <class D>
inline constexpr bool has_layer_name = requires {
  { D::name } -> std::convertible_to<std::string_view>;
};
template <class D>
inline constexpr bool has_spelling = requires {
  { D::spelling() } -> std::convertible_to<std::string>;
};
template <class D, class Where>
inline constexpr bool has_parameter_rule = requires {
  { D::template check_parameters<Where>() } -> std::same_as<bool>;
};
template <class D, class Where>
inline constexpr bool has_message = requires { D::template explain<Where>(); };
template <class D, class In>
inline constexpr bool has_shape_rule = requires {
  { D::template accepts<In> } -> std::convertible_to<bool>;
};
template <class D, class In>
inline constexpr bool has_bind = requires { typename D::template bind<In>; };

// ---- the bound layer's members and passes, one predicate each -------------------------------

template <class L>
inline constexpr bool has_descriptor = requires { typename L::descriptor; };
template <class L>
inline constexpr bool has_input_shape = requires { requires AnyShape<decltype(L::input_shape)>; };
template <class L>
inline constexpr bool has_output_shape = requires { requires AnyShape<decltype(L::output_shape)>; };
template <class L>
inline constexpr bool has_parameter_tensors =
    requires { requires is_parameter_array<std::remove_cvref_t<decltype(L::parameter_tensors)>>; };
template <class L>
inline constexpr bool has_parameter_count = requires {
  { L::parameter_count } -> std::convertible_to<std::size_t>;
};
template <class L>
inline constexpr bool has_packed_size = requires {
  { L::packed_size } -> std::convertible_to<std::size_t>;
};
template <class L>
inline constexpr bool has_gradient_tiles = requires {
  { L::gradient_tiles } -> std::convertible_to<std::size_t>;
};
template <class L>
inline constexpr bool has_saved_size = requires {
  { L::saved_size } -> std::convertible_to<std::size_t>;
};
template <class L>
inline constexpr bool has_scratch_size = requires {
  { L::scratch_size } -> std::convertible_to<std::size_t>;
};

template <class L, class S>
inline constexpr bool has_forward_for = requires(const Pass<S>& pass, const S* x, S* y, std::size_t n) {
  { L::forward(pass, x, y, n) } -> std::same_as<void>;
};
template <class L, class S>
inline constexpr bool has_backward_for =
    requires(const Pass<S>& pass, const S* x, const S* y, const S* dy, S* dx, std::size_t n) {
      { L::backward(pass, x, y, dy, dx, n) } -> std::same_as<void>;
    };
template <class L, class S>
inline constexpr bool has_gradient_for =
    requires(const Pass<S>& pass, std::size_t tile, S* g, const S* x, const S* dy, std::size_t n) {
      { L::gradient(pass, tile, g, x, dy, n) } -> std::same_as<void>;
    };
template <class L, class S>
inline constexpr bool has_pack_for = requires(const S* params, S* packed) {
  { L::pack(params, packed) } -> std::same_as<void>;
};

/// The passes, for both scalar types a model may be built with in typenet's tests and tools.
template <class L>
inline constexpr bool has_forward = has_forward_for<L, float> && has_forward_for<L, double>;
template <class L>
inline constexpr bool has_backward = has_backward_for<L, float> && has_backward_for<L, double>;
template <class L>
inline constexpr bool has_gradient = has_gradient_for<L, float> && has_gradient_for<L, double>;
template <class L>
inline constexpr bool has_pack = has_pack_for<L, float> && has_pack_for<L, double>;

/// The law between two members: parameter_count is the sum of the parameter tensors' sizes.
template <class L>
consteval bool parameter_count_is_the_tensors() {
  return L::parameter_count == logical_size(L::parameter_tensors);
}

/// The law of each tensor's shape: where it has one (rank above 0), its axes multiply to its size.
template <class L>
consteval bool tensor_shapes_fit() {
  for (const ParameterTensor& t : L::parameter_tensors) {
    std::size_t product = 1;
    for (std::size_t a = 0; a < t.shape.rank; ++a) product *= t.shape.dims[a];
    if (t.shape.rank > 0 && product != t.size) return false;
  }
  return true;
}

// ---- the members of a batch-coupled layer ---------------------------------------------------

template <class L, class S>
inline constexpr bool has_batch_coupling_for =
    requires(const S* x, const S* dy, S* params, std::size_t n, double* partial, const double* partials,
             double* reduced, const double* cr) {
      { L::partial_size } -> std::convertible_to<std::size_t>;
      { L::reduced_size } -> std::convertible_to<std::size_t>;
      { L::statistics(x, n, partial) } -> std::same_as<void>;
      { L::reduce(partials, n, n, reduced) } -> std::same_as<void>;
      { L::gradient_statistics(cr, x, dy, n, partial) } -> std::same_as<void>;
      { L::reduce_gradient(partials, n, reduced) } -> std::same_as<void>;
      { L::update_moving(params, cr) } -> std::same_as<void>;
    };

}  // namespace detail

namespace detail {

// ---- the optional traits, one accessor each (the table at the top of this header) -----------

/// Whether a bound layer can apply a following ReLU to its output (`fuses_relu`) or the
/// gradient of a preceding ReLU to its input gradient (`gates_input_gradient`) itself.
template <class L>
inline constexpr bool fuses_relu = requires { requires L::fuses_relu; };
template <class L>
inline constexpr bool gates_input_gradient = requires { requires L::gates_input_gradient; };

/// Whether a bound layer is the element-wise max(x, 0) (`relu_activation`): a layer before it
/// with `fuses_relu` applies it to its own output, a layer after it with `gates_input_gradient`
/// takes its gradient, and the plan skips its passes where either does.
template <class L>
inline constexpr bool is_relu_activation = requires { requires L::relu_activation; };

/// Whether a bound layer is a softmax over its last axis (`softmax_activation`): as the last
/// layer before a loss that `fuses_with_softmax`, the loss writes the gradient at its input and
/// its backward pass is skipped.
template <class L>
inline constexpr bool is_softmax_activation = requires { requires L::softmax_activation; };

/// Whether a bound layer is the logistic function (`sigmoid_activation`): each output is a
/// probability, what BinaryCrossEntropy takes.
template <class L>
inline constexpr bool is_sigmoid_activation = requires { requires L::sigmoid_activation; };

/// Whether a bound layer draws random numbers in training (`uses_noise`: Dropout's masks): the
/// plan gives it `pass.noise` and `pass.sample`.
template <class L>
inline constexpr bool uses_noise = requires { requires L::uses_noise; };

/// Whether a bound layer couples the samples of a batch (BatchNormalization): the model then
/// runs the passes in stages around it, with its `statistics` / `reduce` and
/// `gradient_statistics` / `reduce_gradient` between them.
template <class L>
inline constexpr bool is_batch_coupled = requires { requires L::batch_coupled; };

/// A layer's work areas in inference, where they may be smaller (a Winograd convolution keeps
/// nothing for a backward pass): `inference_saved_size` and `inference_scratch_size` where the
/// layer declares them, else its training sizes.
template <class L>
constexpr std::size_t inference_saved_size() {
  if constexpr (requires { L::inference_saved_size; }) return L::inference_saved_size;
  else return L::saved_size;
}
template <class L>
constexpr std::size_t inference_scratch_size() {
  if constexpr (requires { L::inference_scratch_size; }) return L::inference_scratch_size;
  else return L::scratch_size;
}

/// Whether a bound layer's packing comes in `pack_tasks` parts, each `pack(params, packed, task)`,
/// that the model runs in parallel; else `pack(params, packed)` is one task.
template <class L>
inline constexpr bool packs_in_tasks = requires { L::pack_tasks; };
template <class L>
constexpr std::size_t pack_task_count() {
  if constexpr (packs_in_tasks<L>) return L::pack_tasks;
  else return 1;
}

/// Multiply-adds of one sample's forward pass through a bound layer with parameters: its own
/// `multiply_adds` where it declares one (a recurrent layer: every step's products), else its
/// first tensor's size times its output positions (each weight of a Dense or a convolution
/// meets every position of its filter once). Sizes the plan's chunks (`Net::forward_flops`).
template <class L>
constexpr double forward_multiply_adds() {
  if constexpr (requires { L::multiply_adds; }) {
    return double(L::multiply_adds);
  } else {
    using Out = std::remove_cvref_t<decltype(L::output_shape)>;
    return double(L::parameter_tensors[0].size) * double(Out::size / Out::dims[Out::rank - 1]);
  }
}

/// Whether only the input gradient (backward's dx) reads a bound layer's packed copy
/// (`packed_for_input_gradient`, Dense): the model then does not pack a first layer with
/// parameters, whose input gradient it never makes.
template <class L>
inline constexpr bool packed_for_input_gradient = requires { requires L::packed_for_input_gradient; };
/// Whether only training's backward pass reads a bound layer's packed copy
/// (`packed_for_training`, a recurrent layer's transposed kernels): inference packs nothing for it.
template <class L>
inline constexpr bool packed_for_training = requires { requires L::packed_for_training; };

/// The values of a bound layer's parameter block: its tensors, each padded to a cache line.
template <class L>
constexpr std::size_t block_elements() {
  return tensor_offset(L::parameter_tensors, L::parameter_tensors.size());
}

/// Whether each tile of a bound layer's gradient writes a span of its own (`gradient_span`),
/// and the span of tile `tile`: where the layer declares none, every tile's span is the whole
/// block (its tiles may write anywhere in it, so their sums over chunks run together).
template <class L>
inline constexpr bool has_gradient_spans = requires(std::size_t tile) {
  { L::gradient_span(tile) } -> std::same_as<GradientSpan>;
};
template <class L>
constexpr GradientSpan gradient_span(std::size_t tile) {
  if constexpr (has_gradient_spans<L>) return L::gradient_span(tile);
  else return {0, block_elements<L>()};
}

/// Whether a bound layer with gradient spans sums a tile over a batch's chunks itself, in the
/// model's tree (`gradient_tree(pass, tile, g, x, dy, n, chunk)`, Dense): the model then calls
/// it once over the batch instead of `gradient` once per chunk.
template <class L>
inline constexpr bool sums_chunk_tree =
    has_gradient_spans<L> && requires(const Pass<float>& pass, float* g, const float* x, std::size_t n) {
      { L::gradient_tree(pass, n, g, x, x, n, n) } -> std::same_as<void>;
    };

/// The law of `gradient_span`: every tile's span lies in the block, and no two overlap.
template <class L>
consteval bool gradient_spans_fit() {
  if constexpr (has_gradient_spans<L>) {
    for (std::size_t t = 0; t < L::gradient_tiles; ++t) {
      const GradientSpan span = L::gradient_span(t);
      if (span.first + span.size > block_elements<L>()) return false;
      for (std::size_t u = 0; u < t; ++u) {
        const GradientSpan other = L::gradient_span(u);
        if (span.first < other.first + other.size && other.first < span.first + span.size) return false;
      }
    }
  }
  return true;
}

/// Whether a node is a merge (`merge_inputs`: the number of outputs it reads, graph/detail/
/// merge.hpp), where a block's branches meet: the engine calls its merge_forward and
/// merge_backward instead of forward and backward. Merges are typenet's own (Add, Concat).
template <class L>
inline constexpr bool is_merge = requires { L::merge_inputs; };
/// Whether a merge adds its inputs (`adds = true`): each input's gradient is the merge's.
template <class L>
inline constexpr bool is_add_merge = requires { requires L::adds; };

/// A kernel penalty: the factors of Keras's L1 and L2 regularizers.
template <class P>
concept Penalty = requires {
  { P::l1 } -> std::convertible_to<double>;
  { P::l2 } -> std::convertible_to<double>;
};

/// Whether a bound layer carries a kernel penalty (`using penalty = P`, Regularized): l1 |w| +
/// l2 w^2 of its first parameter tensor joins the loss, and its gradient the tensor's gradient.
template <class L>
inline constexpr bool has_penalty = requires { typename L::penalty; };

}  // namespace detail

/// A layer as the user names it (`Dense<10>`): its name, spelling, parameter rule and message
/// (the parts that do not depend on the input shape; LayerDescriptorFor adds the others).
template <class D>
concept LayerDescriptor =
    detail::has_layer_name<D> && detail::has_spelling<D> && detail::has_parameter_rule<D, at_layer<0, D, Shape<>>> &&
    detail::has_message<D, at_layer<0, D, Shape<>>>;

/// A bound layer's extra members when it declares `batch_coupled` (BatchNormalization), which
/// the model calls between the stages of a batch, with S = float and double:
///   partial_size, reduced_size           doubles of one chunk's sums and of the reduced batch
///   statistics(x, n, partial)            sums n samples' x into partial
///   reduce(partials, chunks, samples, reduced)   adds `chunks` consecutive partials in order and
///                                        derives the batch's statistics (the model has summed the
///                                        chunks' partials in its fixed tree and passes one)
///   gradient_statistics(reduced, x, dy, n, partial), reduce_gradient(partials, chunks, reduced)
///                                        the same for the backward pass
///   update_moving(params, reduced)       the state kept for inference (moving averages)
template <class L>
concept BatchCoupledLayer =
    detail::is_batch_coupled<L> && detail::has_batch_coupling_for<L, float> && detail::has_batch_coupling_for<L, double>;

/// A layer bound to its input shape (the protocol at the top of this header): every member,
/// every pass callable with S = float and double returning void, the parameter-count law, the
/// gradient spans' law where it declares them, and
/// the batch-coupling members where it declares `batch_coupled`.
template <class L>
concept BoundLayer = detail::has_descriptor<L> && detail::has_input_shape<L> && detail::has_output_shape<L> &&
                     detail::has_parameter_tensors<L> && detail::has_parameter_count<L> &&
                     detail::has_packed_size<L> && detail::has_gradient_tiles<L> && detail::has_saved_size<L> &&
                     detail::has_scratch_size<L> && detail::has_forward<L> && detail::has_backward<L> &&
                     detail::has_gradient<L> && detail::has_pack<L> &&
                     detail::parameter_count_is_the_tensors<L>() && detail::tensor_shapes_fit<L>() &&
                     detail::gradient_spans_fit<L>() &&
                     (!detail::is_batch_coupled<L> || BatchCoupledLayer<L>);

/// Descriptor D is a layer for input shape In: its parts, its shape rule for In, and where it
/// accepts In, a bind<In> that is a BoundLayer.
template <class D, class In>
concept LayerDescriptorFor = LayerDescriptor<D> && detail::has_shape_rule<D, In> &&
                             (!D::template accepts<In> ||
                              (detail::has_bind<D, In> && BoundLayer<typename D::template bind<In>>));

}  // namespace typenet
