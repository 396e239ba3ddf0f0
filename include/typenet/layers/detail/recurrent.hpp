// typenet/layers/detail/recurrent.hpp: Recurrent<Descriptor, Cell, Units, Return>, the shared body of SimpleRNN, GRU and LSTM: the passes over time, trained by backpropagation through time.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/simd.hpp>
#include <typenet/core/text.hpp>
#include <typenet/kernels/gemm.hpp>
#include <typenet/kernels/select.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

/// What a recurrent layer outputs: its state after the last step (Keras's default,
/// return_sequences=False), or its state after every step (return_sequences=True), for another
/// recurrent layer or a per-step layer after it.
enum class Return { last_step, sequences };

namespace detail {

/// A recurrent layer over a (steps, features) input: at each step t the gates' inputs are
/// x_t W + h_{t-1} U + biases (`Cell::gates` blocks of Units each, in Keras's order), and the
/// cell makes the new state h_t from them (and its carry c_t, for an LSTM).
///
/// The passes run the n samples of a call side by side: x W for all steps of a sample is one
/// product (rows are steps), and the recurrent product h_{t-1} U is one product per step whose
/// rows are the samples, read in place from each sample's saved area; the gate activations are
/// fused into one pass per step and sample. Every sample's values go through the same sequence
/// of operations whatever n is, so a sample alone and in a batch give the same bits.
///
/// `saved` per sample (written by forward, read and overwritten by backward, read by gradient):
///   act  T x G*U: the gates' inputs, then (forward) their activations, then (backward) the
///        gradients at the gates' inputs from x W;
///   rec  T x G*U (GRU only, its reset gate applies after U): h_{t-1} U + the recurrent bias,
///        then (backward) the gradients at the gates' inputs from h U;
///   h    (T + 1) x U: the states h_0 = 0 .. h_T;  c (LSTM only) (T + 1) x U: the carries.
/// `scratch` per sample: the gradient reaching h_t (and c_t) during backward.
template <class Descriptor, class Cell, std::size_t Units, Return Returns>
struct Recurrent {
  static constexpr std::string_view name = Cell::name;
  static constexpr Text spelling() {
    return Text(name) + "<" + decimal(Units) + (Returns == Return::sequences ? ", sequences>" : ">");
  }

  template <class Where>
  static consteval bool check_parameters() {
    static_assert(Units > 0 || rejected<Where>, "a recurrent layer (SimpleRNN, GRU, LSTM) needs at least one unit");
    return Units > 0;
  }

  template <AnyShape In>
  static constexpr bool accepts = In::rank == 2;

  template <class Where>
  static consteval void explain() {
    static_assert(rejected<Where>,
                  "a recurrent layer (SimpleRNN, GRU, LSTM) needs a rank-2 input (steps, features): declare "
                  "sequences as Input<steps, features>, and give a recurrent layer before it Return::sequences");
  }

  template <AnyShape In>
    requires accepts<In>
  struct bind {
    using descriptor = Descriptor;
    static constexpr std::size_t T = In::dims[0], C = In::dims[1], U = Units, G = Cell::gates, GU = G * U;
    static constexpr bool split = Cell::reset_after;  ///< GRU: h U kept apart from x W
    static constexpr bool carry = Cell::carry;        ///< LSTM: a carry c beside h
    static constexpr In input_shape{};
    static constexpr auto output_shape = [] {
      if constexpr (Returns == Return::sequences) return Shape<T, U>{};
      else return Shape<U>{};
    }();

    static constexpr std::size_t bias_size = (split ? 2 : 1) * GU;  ///< a GRU's two rows: x's bias, h's
    static constexpr std::array<ParameterTensor, 3> parameter_tensors{
        ParameterTensor{"kernel", C * GU, Init::glorot_uniform, C, GU, true, {C, GU}},
        ParameterTensor{"recurrent_kernel", U * GU, Init::orthogonal, U, GU, true, {U, GU}},
        split ? ParameterTensor{"bias", bias_size, Init::zeros, 0, 0, true, {2, GU}}
              : ParameterTensor{"bias", bias_size, Cell::bias_init, 0, 0, true, {GU}},
    };
    static constexpr std::size_t parameter_count = C * GU + U * GU + bias_size;
    static constexpr std::size_t recurrent_at = tensor_offset(parameter_tensors, 1);
    static constexpr std::size_t bias_at = tensor_offset(parameter_tensors, 2);
    /// Every step's x_t W and h_{t-1} U (sizes the plan's chunks; the first tensor alone would
    /// count one step's x W).
    static constexpr std::size_t multiply_adds = T * (C + U) * GU;

    static constexpr std::size_t act_at = 0;
    static constexpr std::size_t rec_at = act_at + T * GU;
    static constexpr std::size_t h_at = rec_at + (split ? T * GU : 0);
    static constexpr std::size_t c_at = h_at + (T + 1) * U;
    static constexpr std::size_t saved_size = c_at + (carry ? (T + 1) * U : 0);
    /// Where backward leaves the gradients at the gates' inputs from h U (dU and dh_{t-1} read
    /// them): rec for a GRU, act (the same as from x W) otherwise.
    static constexpr std::size_t h_gradient_at = split ? rec_at : act_at;
    /// The state a step leaves for the next: h, then an LSTM's carry c.
    static constexpr std::size_t state_size = (carry ? 2 : 1) * U;
    /// The gradients reaching that state during backward.
    static constexpr std::size_t scratch_size = state_size;

    /// The gradient in tiles of `rows` rows of the kernel, then of the recurrent kernel, then the
    /// bias: each its own span of the block, so that they run in parallel (one tile for the
    /// recurrent kernel had left one thread doing a third of an LSTM(128)'s step alone).
    static constexpr std::size_t rows = 32;
    static constexpr std::size_t kernel_tiles = (C + rows - 1) / rows, recurrent_tiles = (U + rows - 1) / rows;
    static constexpr std::size_t gradient_tiles = kernel_tiles + recurrent_tiles + 1;
    static constexpr GradientSpan gradient_span(std::size_t tile) {
      if (tile < kernel_tiles) return {tile * rows * GU, std::min(rows, C - tile * rows) * GU};
      if (tile < kernel_tiles + recurrent_tiles) {
        const std::size_t first = (tile - kernel_tiles) * rows;
        return {recurrent_at + first * GU, std::min(rows, U - first) * GU};
      }
      return {bias_at, bias_size};
    }

    /// U transposed (G*U, U) for the gradient through time, then W transposed (G*U, C) for the
    /// input gradient. Backpropagation through time reads U^T even where no input gradient is
    /// made, so even a first layer is packed.
    static constexpr std::size_t packed_size = GU * U + GU * C;
    static constexpr bool packed_for_training = true;  ///< the forward pass reads the parameters
    template <class S>
    static void pack(const S* params, S* packed) {
      for (std::size_t k = 0; k < U; ++k)
        for (std::size_t j = 0; j < GU; ++j) packed[j * U + k] = params[recurrent_at + k * GU + j];
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t j = 0; j < GU; ++j) packed[GU * U + j * C + c] = params[c * GU + j];
    }

    /// One step of the cell for one sample, a block of units at a time (Cell::block): act holds
    /// the gates' inputs (rec h_{t-1} U + b_h for a GRU) and receives their activations, h and c
    /// the new state (they may be hp and cp). Every unit gets the same instructions whatever its
    /// block, and a last, partial block is padded.
    template <class S>
    static void cell_step(S* act, const S* rec, const S* hp, S* h, const S* cp, S* c) {
      constexpr std::size_t W = lanes<S>;
      for (std::size_t j = 0; j < U; j += W) {
        const std::size_t count = std::min(W, U - j);
        vec<S> g[G], r[G]{};
        for (std::size_t k = 0; k < G; ++k) {
          g[k] = load_first(act + k * U + j, count);
          if constexpr (split) r[k] = load_first(rec + k * U + j, count);
        }
        vec<S> cv{};
        if constexpr (carry) cv = load_first(cp + j, count);
        const vec<S> hv = Cell::template block<S>(g, r, load_first(hp + j, count), cv);
        for (std::size_t k = 0; k < G; ++k) store_first(act + k * U + j, g[k], count);
        store_first(h + j, hv, count);
        if constexpr (carry) store_first(c + j, cv, count);
      }
    }

    /// The parts h_{t-1} U is cut into (kernels::recurrent_parts: small layers, whose stream
    /// step waits on that product).
    template <class S>
    static constexpr std::size_t parts = kernels::recurrent_parts<S, U, GU>();
    /// h U for m rows of h (rsh apart) into out (rows ldo apart), started as `start` says, in
    /// `parts` runs: the same sequence of operations on every value as the stream step's.
    template <class S>
    static void recurrent_product(std::size_t m, const S* h, std::size_t rsh, const S* u, S* out, std::size_t ldo,
                                  kernels::Start start, const S* row = nullptr) {
      if constexpr (parts<S> > 1) kernels::gemm_split<S, GU, U, parts<S>>(m, h, rsh, 1, u, GU, out, ldo, start, row);
      else kernels::gemm<S, GU, U>(m, h, rsh, 1, u, GU, out, ldo, start, row);
    }

    /// A staged step's product (Cell::stage): gate Gate's x W + b_x into g and h_{t-1} U + b_h
    /// (in recurrent_product's parts) into rc, as gemm's one-row tiles. Each gate broadcasts h
    /// again: the gates multiplied together, as one product, left r's share finished only when
    /// all were, and the cell's chain could only start then (GRU(16) 1.5 ns slower).
    template <class S, std::size_t Gate, std::size_t V = U / lanes<S>>
    TYPENET_INLINE static void gate_product(const S* params, const S* x, const S* state, vec<S> (&g)[V][G],
                                            vec<S> (&rc)[V][G]) {
      const S* bias = params + bias_at;
      opaque(state);  // g++ merged the gates' broadcasts and held all of h's, spilling them
      vec<S> a[1][V], r[1][V];
      kernels::detail::start_tile<S, 1, V, U>(a, nullptr, 0, kernels::Start::row, bias + Gate * U);
      kernels::detail::add_products<S, 1, V>(a, C, x, 0, 1, params + Gate * U, GU);
      kernels::detail::start_tile<S, 1, V, U>(r, nullptr, 0, kernels::Start::row, bias + GU + Gate * U);
      kernels::detail::add_products_split<S, 1, V, U, parts<S>>(r, state, 0, 1, params + recurrent_at + Gate * U, GU);
#pragma GCC unroll 16
      for (std::size_t b = 0; b < V; ++b) {
        g[b][Gate] = a[0][b];
        rc[b][Gate] = r[0][b];
      }
    }

    /// Whether a stream step runs the cell in stages (Cell::stage), each gate's product just
    /// before its stage: where each part of a gate's product is a short chain (at most 4
    /// multiply-adds), so that r's share is ready early. Measured (ns per sample, one core, Zen
    /// 5): GRU(16) with AVX-512 (4 parts of 4) 37-38.5 -> 35.5-37; with AVX2 (2 parts of 8)
    /// 48-50 -> 54.5-55.5; GRU(32) with AVX-512 (4 parts of 8) no change, with AVX2 (one part
    /// of 32) 115-145 -> 150-175. Each gate broadcasts h again, and the loads, not the
    /// multiply-adds, bound those.
    template <class S>
    static constexpr bool staged = requires { Cell::stage_gates; } && U / parts<S> <= 4;

    /// A staged step from stage K on: the product of the gate it needs, then the stage for every
    /// block of units. Recursive rather than a fold over lambdas, which g++ did not always inline
    /// (a call in the middle of the step).
    template <class S, std::size_t K, std::size_t V = U / lanes<S>>
    TYPENET_INLINE static void stages(const S* params, const S* x, const S* state, vec<S> (&g)[V][G],
                                      vec<S> (&rc)[V][G], const vec<S> (&hp)[V], vec<S> (&h)[V]) {
      gate_product<S, Cell::stage_gates[K]>(params, x, state, g, rc);
#pragma GCC unroll 16
      for (std::size_t b = 0; b < V; ++b) Cell::template stage<K, S>(g[b], rc[b], hp[b], h[b]);
      if constexpr (K + 1 < G) stages<S, K + 1>(params, x, state, g, rc, hp, h);
    }

    /// Streaming (infer/stream.hpp): one step, from the state the step before left in `state`
    /// (state_size values), updated in place; `work` holds step_work_size values. The same
    /// operations on every value as the whole sequence's forward pass at that step (the
    /// multiply-adds in recurrent_product's order, then cell_step's), so the same bits; when the
    /// gates fill whole vectors (Units a multiple of the lanes) and fit in registers, without a
    /// trip through memory between them: one sample's step is a chain of dependent operations,
    /// and its latency is the stream's time per sample.
    static constexpr std::size_t step_work_size = 2 * GU;
    template <class S>
    TYPENET_INLINE static void step(const S* params, const S* x, S* state, [[maybe_unused]] S* work, S* y) {
      const S* u = params + recurrent_at;
      const S* bias = params + bias_at;
      constexpr std::size_t W = lanes<S>, V = U / W, NV = G * V;  // V vectors per gate
      if constexpr (U % W == 0 && NV <= 12 && staged<S>) {
        // A cell in stages (GruCell::stage): each gate's one-row tiles just before the stage that
        // needs them, so the core runs a stage while it multiplies the next gate's share.
        vec<S> g[V][G], rc[V][G], hp[V], h[V];
#pragma GCC unroll 16
        for (std::size_t b = 0; b < V; ++b) hp[b] = load(state + b * W);
        stages<S, 0>(params, x, state, g, rc, hp, h);
#pragma GCC unroll 16
        for (std::size_t b = 0; b < V; ++b) {
          store(state + b * W, h[b]);
          store(y + b * W, h[b]);
        }
      } else if constexpr (U % W == 0 && NV <= 12) {
        // gemm's one-row tiles (their starts and their multiply-adds in order), held in registers.
        vec<S> a[1][NV], r[1][NV];
        kernels::detail::start_tile<S, 1, NV, GU>(a, nullptr, 0, kernels::Start::row, bias);
        kernels::detail::add_products<S, 1, NV>(a, C, x, 0, 1, params, GU);
        if constexpr (split) kernels::detail::start_tile<S, 1, NV, GU>(r, nullptr, 0, kernels::Start::row, bias + GU);
        kernels::detail::add_products_split<S, 1, NV, U, parts<S>>(split ? r : a, state, 0, 1, u, GU);
        for (std::size_t b = 0; b < V; ++b) {
          vec<S> g[G], gr[G]{};
          for (std::size_t k = 0; k < G; ++k) {
            g[k] = a[0][k * V + b];
            if constexpr (split) gr[k] = r[0][k * V + b];
          }
          vec<S> cv{};
          if constexpr (carry) cv = load(state + U + b * W);
          const vec<S> hv = Cell::template block<S>(g, gr, load(state + b * W), cv);
          store(state + b * W, hv);
          store(y + b * W, hv);
          if constexpr (carry) store(state + U + b * W, cv);
        }
      } else {
        S* act = work;
        S* rec = work + GU;
        kernels::gemm<S, GU, C>(1, x, C, 1, params, GU, act, GU, kernels::Start::row, bias);
        if constexpr (split) recurrent_product(1, state, U, u, rec, GU, kernels::Start::row, bias + GU);
        else recurrent_product(1, state, U, u, act, GU, kernels::Start::accumulate);
        cell_step(act, rec, state, state, state + U, state + U);
        std::copy(state, state + U, y);
      }
    }

    template <class S>
    static void forward(const Pass<S>& pass, const S* x, S* y, std::size_t n) {
      const S* w = pass.params;
      const S* u = pass.params + recurrent_at;
      const S* bias = pass.params + bias_at;
      S* const saved = pass.saved;
      for (std::size_t b = 0; b < n; ++b) {
        S* area = saved + b * saved_size;
        kernels::gemm<S, GU, C>(T, x + b * T * C, C, 1, w, GU, area + act_at, GU, kernels::Start::row, bias);
        std::fill_n(area + h_at, U, S{});
        if constexpr (carry) std::fill_n(area + c_at, U, S{});
      }
      for (std::size_t t = 0; t < T; ++t) {
        if constexpr (split)
          recurrent_product(n, saved + h_at + t * U, saved_size, u, saved + rec_at + t * GU, saved_size,
                            kernels::Start::row, bias + GU);
        else
          recurrent_product(n, saved + h_at + t * U, saved_size, u, saved + act_at + t * GU, saved_size,
                            kernels::Start::accumulate);
        for (std::size_t b = 0; b < n; ++b) {
          S* area = saved + b * saved_size;
          cell_step(area + act_at + t * GU, area + rec_at + t * GU, area + h_at + t * U, area + h_at + (t + 1) * U,
                    area + c_at + t * U, area + c_at + (t + 1) * U);
        }
      }
      for (std::size_t b = 0; b < n; ++b) {
        const S* h = saved + b * saved_size + h_at;
        if constexpr (Returns == Return::sequences) std::copy(h + U, h + (T + 1) * U, y + b * T * U);
        else std::copy(h + T * U, h + (T + 1) * U, y + b * U);
      }
    }

    template <class S>
    static void backward(const Pass<S>& pass, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      S* const saved = pass.saved;
      S* const scratch = pass.scratch;
      for (std::size_t b = 0; b < n; ++b) std::fill_n(scratch + b * scratch_size, scratch_size, S{});
      for (std::size_t t = T; t-- > 0;) {
        for (std::size_t b = 0; b < n; ++b) {
          S* area = saved + b * saved_size;
          S* dh = scratch + b * scratch_size;
          if constexpr (Returns == Return::sequences) {
            for (std::size_t j = 0; j < U; ++j) dh[j] += dy[(b * T + t) * U + j];
          } else if (t + 1 == T) {
            for (std::size_t j = 0; j < U; ++j) dh[j] += dy[b * U + j];
          }
          Cell::template step_back<U>(area + act_at + t * GU, area + rec_at + t * GU, area + h_at + t * U,
                                      area + c_at + t * U, area + c_at + (t + 1) * U, dh, dh + U);
        }
        // dh_{t-1} = (gradient at the gates' inputs from h U) U^T, added to what the cell left
        // there (a GRU's direct path z dh; nothing otherwise).
        kernels::gemm<S, U, GU>(n, saved + h_gradient_at + t * GU, saved_size, 1, pass.packed, U, scratch, scratch_size,
                                split ? kernels::Start::accumulate : kernels::Start::zero);
      }
      if (dx)
        for (std::size_t b = 0; b < n; ++b)
          kernels::gemm<S, C, GU>(T, saved + b * saved_size + act_at, GU, 1, pass.packed + GU * U, C, dx + b * T * C,
                                  C, kernels::Start::zero);
    }

    /// After backward of the same samples, tile `tile` at `g` (its span's start): dW = sum x_t^T
    /// d(act), dU = sum h_{t-1}^T d(rec), the biases the sums of the gates' gradients, over steps
    /// and samples in order.
    template <class S>
    static void gradient(const Pass<S>& pass, std::size_t tile, S* g, const S* x, const S*, std::size_t n) {
      if (tile == gradient_tiles - 1) {
        S* db = g;
        std::fill_n(db, bias_size, S{});
        for (std::size_t b = 0; b < n; ++b) {
          const S* area = pass.saved + b * saved_size;
          for (std::size_t t = 0; t < T; ++t)
            for (std::size_t j = 0; j < GU; ++j) {
              db[j] += area[act_at + t * GU + j];
              if constexpr (split) db[GU + j] += area[rec_at + t * GU + j];
            }
        }
        return;
      }
      const bool kernel = tile < kernel_tiles;
      const std::size_t first = (kernel ? tile : tile - kernel_tiles) * rows;
      const std::size_t count = std::min(rows, (kernel ? C : U) - first);
      if (n == 0) std::fill_n(g, count * GU, S{});
      for (std::size_t b = 0; b < n; ++b) {
        const S* area = pass.saved + b * saved_size;
        const auto start = b == 0 ? kernels::Start::zero : kernels::Start::accumulate;
        if (kernel)
          kernels::gemm_any_k<S, GU>(count, T, x + b * T * C + first, 1, C, area + act_at, GU, g, GU, start);
        else
          kernels::gemm_any_k<S, GU>(count, T, area + h_at + first, 1, U, area + h_gradient_at, GU, g, GU, start);
      }
    }
  };
};

}  // namespace detail
}  // namespace typenet
