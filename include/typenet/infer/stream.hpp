// typenet/infer/stream.hpp: Stream<Net, S>, a causal sequence network run one step at a time, with its state inside the object: no heap, no TBB, no exception, no lock.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <utility>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/simd.hpp>
#include <typenet/exec/plan.hpp>
#include <typenet/graph/detail/merge.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

namespace detail {

/// How a layer of a streamed network runs one step.
enum class StepKind {
  per_step,   ///< on the step's features alone (activations, Dropout, BatchNormalization, a 1-step Conv1D)
  window,     ///< on the last `step_window` steps kept in a window (a causal Conv1D)
  recurrent,  ///< from the state the step before left (SimpleRNN, GRU, LSTM)
  tail,       ///< on a vector, after a recurrent layer that returns its last step (Dense, Softmax)
  merge,      ///< where a block's branches meet (Add, Concat), on their outputs at the step
  refused,    ///< reads steps after its own, or changes the rate of steps (pooling, strides)
};

template <class L>
constexpr StepKind step_kind() {
  using In = std::remove_cvref_t<decltype(L::input_shape)>;
  using D = typename L::descriptor;
  if constexpr (In::rank == 1) return StepKind::tail;
  else if constexpr (In::rank != 2) return StepKind::refused;
  else if constexpr (is_merge<L>) return StepKind::merge;
  else if constexpr (requires { L::state_size; }) return StepKind::recurrent;
  else if constexpr (requires { L::step_window; }) return L::step_window > 0 ? StepKind::window : StepKind::refused;
  else if constexpr (requires { requires D::per_step; }) return StepKind::per_step;
  else return StepKind::refused;
}

/// The bound layer that runs one step of L.
template <class L, StepKind Kind = step_kind<L>()>
struct StepForm {
  using type = L;
};
template <class L>
struct StepForm<L, StepKind::per_step> {
  using In = std::remove_cvref_t<decltype(L::input_shape)>;
  using type = typename L::descriptor::template bind<Shape<1, In::dims[1]>>;
};
template <class L>
struct StepForm<L, StepKind::window> {
  using type = typename L::step_form;
};
template <class Out, std::size_t K>
struct StepForm<AddNode<Out, K>, StepKind::merge> {
  using type = AddNode<Shape<1, Out::dims[1]>, K>;
};
template <class Out, class... Branches>
struct StepForm<ConcatNode<Out, Branches...>, StepKind::merge> {
  using type = ConcatNode<Shape<1, Out::dims[1]>, Shape<1, Branches::dims[1]>...>;
};

/// The steps L keeps in a window: a causal convolution's reach, or none (a convolution of one
/// step reads the step alone, as any other layer).
template <class L>
constexpr std::size_t window_steps() {
  if constexpr (step_kind<L>() == StepKind::window) return L::step_window > 1 ? L::step_window : 0;
  else return 0;
}

template <class L>
constexpr std::size_t step_input_size() {
  using In = std::remove_cvref_t<decltype(L::input_shape)>;
  return In::rank == 2 ? In::dims[1] : In::size;
}
/// A step's output: a sequence's features, or a vector (a recurrent layer returning its last
/// step outputs its state, which a stream hands on at every step).
template <class L>
constexpr std::size_t step_output_size() {
  using Out = std::remove_cvref_t<decltype(L::output_shape)>;
  return Out::rank == 2 ? Out::dims[1] : Out::size;
}

}  // namespace detail

/// A trained sequence network that is causal (each output step reads no input step after its
/// own) run as a stream: `step` takes one step's features and gives that step's output, and
/// `process` a block of steps. The network is declared as it is trained, Input<steps,
/// features>; `steps` does not limit the stream. Causal Conv1D layers keep a window of their last
/// inputs, recurrent layers their state; everything lives in the object, sized at compile time.
/// `step` allocates nothing, takes no lock or TBB task and throws nothing: it may run in an
/// audio callback. A recurrent layer that returns its last step hands its state at every step to
/// the layers after it (Dense, Softmax): the stream's output at step t is then the network's
/// output for the sequence up to t. Blocks (Residual, Add, Concat, Chain, Repeat) stream when
/// their layers do: each position keeps its output for the step, and a merge adds or joins its
/// branches' (a WaveNet-style stack of dilated causal convolutions with residual connections).
///
/// Its outputs are the whole-sequence forward pass's (Model::predict, Predictor) at every step,
/// bitwise: each step runs the same sums in the same order (test/unit/test_stream.cpp).
///
/// Refused at compile time, with the layer's position named: pooling, strides, Padding::same or
/// valid with a kernel longer than one step, GlobalAveragePooling1D and Flatten over time.
template <class Net, class S = float>
class Stream {
  using plan = exec::Plan<Net>;
  static constexpr std::size_t layer_count = Net::layer_count;
  template <std::size_t P>
  using layer = typename plan::template layer<P>;  // position P, from 1
  template <std::size_t P>
  using step_layer = typename detail::StepForm<layer<P>>::type;
  static constexpr std::size_t slack = detail::simd_bytes / sizeof(S);

 public:
  using network = Net;
  using scalar = S;
  static constexpr std::size_t input_size = shape_t<Net::input_shape>::dims[1];  ///< features of one step
  static constexpr std::size_t output_size = detail::step_output_size<layer<layer_count>>();

  /// Reads the parameters in place (the model's layout, as Predictor), which must outlive the
  /// stream; starts from a zero state.
  explicit Stream(const S* parameters) noexcept : params_(parameters) {
    plan::for_each_position([&](auto p) {
      constexpr std::size_t P = decltype(p)::value;
      if constexpr (packed_offsets[P] > packed_offsets[P - 1])
        step_layer<P>::pack(params_ + Net::parameter_offsets[P - 1], packed_.data() + packed_offsets[P - 1]);
    });
    reset();
  }

  /// Back to the state before the first step: zero windows and recurrent states.
  void reset() noexcept {
    std::fill(windows_.begin(), windows_.end(), S{});
    heads_.fill(0);
    std::fill(states_.begin(), states_.end(), S{});
  }

  /// One step: `x` the step's input_size features, `y` its output_size outputs.
  void step(std::span<const S, input_size> x, std::span<S, output_size> y) noexcept { process(x.data(), y.data(), 1); }
  std::array<S, output_size> step(std::span<const S, input_size> x) noexcept {
    std::array<S, output_size> y;
    step(x, std::span<S, output_size>(y));
    return y;
  }
  /// `steps` steps one after the other: x holds input_size values per step, y receives
  /// output_size per step (an audio block: x and y may be the same array when both sizes are 1).
  TYPENET_NOINLINE void process(const S* x, S* y, std::size_t steps) noexcept {
    for (std::size_t t = 0; t < steps; ++t) {
      std::copy(x + t * input_size, x + (t + 1) * input_size, outputs_.begin());
      run_layers(std::make_index_sequence<layer_count>{});
      const S* out = output(layer_count);
      std::copy(out, out + output_size, y + t * output_size);
    }
  }

 private:
  static_assert(shape_t<Net::input_shape>::rank == 2,
                "Stream<Net> runs a sequence network: declare its input as Input<steps, features>");

  /// Where each position's output for the step is (0: the step's input): every position has
  /// its own, since a block's merge reads outputs from before its branches.
  static constexpr auto output_offsets = plan::running_total([](auto p) -> std::size_t {
    constexpr std::size_t P = decltype(p)::value;
    if constexpr (P == 1) return detail::align_elements(input_size);
    else return detail::align_elements(detail::step_output_size<layer<P - 1>>());
  });
  static constexpr std::size_t outputs_size =
      output_offsets[layer_count] + detail::align_elements(detail::step_output_size<layer<layer_count>>());
  S* output(std::size_t p) noexcept { return outputs_.data() + output_offsets[p]; }

  static constexpr auto window_offsets = plan::running_total([](auto p) -> std::size_t {
    using L = layer<decltype(p)::value>;
    return 2 * detail::window_steps<L>() * detail::step_input_size<L>();
  });
  static constexpr auto state_offsets = plan::running_total([](auto p) -> std::size_t {
    using L = layer<decltype(p)::value>;
    if constexpr (detail::step_kind<L>() == detail::StepKind::recurrent) return L::state_size;
    else return 0;
  });
  static constexpr auto packed_offsets = plan::running_total([](auto p) -> std::size_t {
    using L = step_layer<decltype(p)::value>;
    if constexpr (detail::step_kind<layer<decltype(p)::value>>() != detail::StepKind::recurrent && L::packed_size > 0 &&
                  !detail::packed_for_input_gradient<L> && !detail::packed_for_training<L>)
      return detail::align_elements(L::packed_size);
    else return 0;
  });
  /// Work for a step: a recurrent layer's gates, another's saved and scratch areas for one sample.
  static constexpr std::size_t work_size = plan::largest([]<class Bound>() -> std::size_t {
    using L = typename detail::StepForm<Bound>::type;
    if constexpr (detail::step_kind<Bound>() == detail::StepKind::recurrent) return L::step_work_size;
    else return detail::align_elements(detail::inference_saved_size<L>()) + detail::inference_scratch_size<L>();
  });

  /// The layers of one step, inlined into process(): a call per layer had cost a GRU(16)'s
  /// stream a quarter of its time (the gates' constants loaded again at every call).
  template <std::size_t... I>
  TYPENET_INLINE void run_layers(std::index_sequence<I...>) noexcept {
    (run_layer<I + 1>(), ...);
  }

  template <std::size_t P>
  TYPENET_INLINE void run_layer() noexcept {
    using L = step_layer<P>;
    constexpr auto kind = detail::step_kind<layer<P>>();
    if constexpr (kind == detail::StepKind::refused) {
      using where = at_layer<P, typename layer<P>::descriptor, shape_t<layer<P>::input_shape>>;
      static_assert(detail::rejected<where>,
                    "Stream<Net> runs a step at a time: every layer must read no step after its own and keep the "
                    "rate of steps (a causal Conv1D of stride 1, a recurrent layer, an activation; not pooling, a "
                    "stride, Padding::same or valid over more than one step, Flatten or GlobalAveragePooling1D over "
                    "time)");
    } else {
      run_step<P, L, kind>();
    }
  }

  template <std::size_t P, class L, detail::StepKind kind>
  TYPENET_INLINE void run_step() noexcept {
    constexpr auto& sources = Net::template node<P - 1>::sources;
    const S* params = params_ + Net::parameter_offsets[P - 1];
    const S* in = output(sources[0]);
    S* out = output(P);
    Pass<S> pass{params, packed_.data() + packed_offsets[P - 1], false, work_.data(),
                 work_.data() + detail::align_elements(detail::inference_saved_size<L>())};
    if constexpr (detail::is_merge<L>) {
      std::array<const S*, sources.size()> xs{};
      for (std::size_t k = 0; k < sources.size(); ++k) xs[k] = output(sources[k]);
      L::merge_forward(pass, xs.data(), out, 1);
    } else if constexpr (kind == detail::StepKind::recurrent) {
      L::step(params, in, states_.data() + state_offsets[P - 1], work_.data(), out);
    } else if constexpr (detail::window_steps<layer<P>>() > 0) {
      // The window's w slots twice over: the newest step goes to slot h and h + w, and the last
      // w steps, oldest first, are slots h + 1 .. h + w, contiguous: two writes a step, however
      // long the window (shifting it had cost a WaveNet's dilation-128 layer 2,000 copies).
      constexpr std::size_t c = detail::step_input_size<layer<P>>(), w = detail::window_steps<layer<P>>();
      S* slots = windows_.data() + window_offsets[P - 1];
      std::size_t& h = heads_[P - 1];
      h = h + 1 == w ? 0 : h + 1;
      std::copy(in, in + c, slots + h * c);
      std::copy(in, in + c, slots + (h + w) * c);
      L::forward(pass, slots + (h + 1) * c, out, 1);
    } else {
      L::forward(pass, in, out, 1);
    }
  }

  const S* params_;
  alignas(64) std::array<S, outputs_size + slack> outputs_{};
  alignas(64) std::array<S, window_offsets[layer_count] + slack> windows_{};
  alignas(64) std::array<S, state_offsets[layer_count] + slack> states_{};
  std::array<std::size_t, layer_count> heads_{};  ///< each window's newest slot
  alignas(64) std::array<S, packed_offsets[layer_count] + slack> packed_{};
  alignas(64) std::array<S, work_size + slack> work_{};
};

}  // namespace typenet
