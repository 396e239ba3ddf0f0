// typenet/layers/gru.hpp: GRU<Units, Return>, the gated recurrent unit with the reset gate after the recurrent product (Keras `GRU`, reset_after=True; PyTorch `nn.GRU`).
#pragma once

#include <cstddef>
#include <string_view>

#include <typenet/core/vector_math.hpp>
#include <typenet/layers/detail/recurrent.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

namespace detail {
/// Gates in Keras's order z (update), r (reset), h (candidate); act holds x W + b_x, rec holds
/// h_{t-1} U + b_h, each in that order:
///   z = sigmoid(act_z + rec_z), r = sigmoid(act_r + rec_r), n = tanh(act_h + r * rec_h),
///   h_t = z * h_{t-1} + (1 - z) * n.
struct GruCell {
  static constexpr std::string_view name = "GRU";
  static constexpr std::size_t gates = 3;
  static constexpr bool reset_after = true, carry = false;
  static constexpr Init bias_init = Init::zeros;

  /// One block of units: g the gates' inputs from x W + b_x in, their activations z, r, n out;
  /// rec h_{t-1} U + b_h; hp h_{t-1}. Returns h_t: the stages in order.
  template <class S>
  TYPENET_INLINE static vec<S> block(vec<S> (&g)[gates], const vec<S> (&rec)[gates], vec<S> hp, vec<S>&) {
    vec<S> h;
    stage<0, S>(g, rec, hp, h);
    stage<1, S>(g, rec, hp, h);
    stage<2, S>(g, rec, hp, h);
    return h;
  }

  /// The cell in stages, each needing one more gate's inputs (stage_gates[k] for stage k): a
  /// small layer's streamed step (Recurrent's `staged`) computes each gate's share of h_{t-1} U
  /// just before its stage, so that the core runs a stage's chain while it multiplies the next
  /// gate's share (issue order is program order, and the core runs the oldest ready instruction
  /// first).
  ///
  /// The chain runs through r, then n, so they come first, z last (z first had made GRU(16) 1.5
  /// ns slower). With r = (1 + t) / 2, t = tanh(x_r / 2), n's input a_n + r rec_n is computed as
  /// (a_n + rec_n / 2) + t (rec_n / 2): one multiply-add after t where r's own, a product and a
  /// sum had been. h_t = z h_{t-1} + (1 - z) n as one multiply-add after n (GRU(16) 2 ns faster).
  static constexpr std::size_t stage_gates[gates] = {1, 2, 0};
  template <std::size_t Stage, class S>
  TYPENET_INLINE static void stage(vec<S> (&g)[gates], const vec<S> (&rec)[gates], vec<S> hp, vec<S>& h) {
    const vec<S> half = splat<S>(S(0.5));
    if constexpr (Stage == 0) {
      g[1] = tanh_of_half<S>(g[1] + rec[1]);  // t, until stage 1 makes it r
    } else if constexpr (Stage == 1) {
      const vec<S> half_rec = half * rec[2];
      g[2] = tanh<S>(multiply_add(g[1], half_rec, g[2] + half_rec));
      g[1] = multiply_add(half, g[1], half);
    } else {
      g[0] = logistic<S>(g[0] + rec[0]);
      h = multiply_add(splat<S>(S(1)) - g[0], g[2], g[0] * hp);
    }
  }
  /// act: z, r, n in; the gradients at x W + b_x out. rec: h U + b_h in; the gradients at
  /// h U + b_h out. dh: the gradient at h_t in; its share of dh_{t-1} through z out.
  template <std::size_t U, class S>
  static void step_back(S* act, S* rec, const S* hp, const S*, const S*, S* dh, S*) {
    for (std::size_t j = 0; j < U; ++j) {
      const S z = act[j], r = act[U + j], n = act[2 * U + j], d = dh[j];
      const S dn = d * (S{1} - z) * (S{1} - n * n);
      const S dz = d * (hp[j] - n) * z * (S{1} - z);
      const S dr = dn * rec[2 * U + j] * r * (S{1} - r);
      act[j] = dz;
      act[U + j] = dr;
      act[2 * U + j] = dn;
      rec[j] = dz;
      rec[U + j] = dr;
      rec[2 * U + j] = dn * r;
      dh[j] = d * z;
    }
  }
};
}  // namespace detail

/// Keras's GRU(units) with its defaults (tanh, sigmoid gates, reset_after=True, the state
/// starting at zero), which is PyTorch's nn.GRU: W is (features, 3 Units), U (Units, 3 Units),
/// the bias (2, 3 Units): the input bias, then the recurrent bias, gates in the order z, r, h.
/// Glorot-uniform W, orthogonal U, zero biases. Return::sequences outputs (steps, Units).
template <std::size_t Units, Return Returns = Return::last_step>
struct GRU : detail::Recurrent<GRU<Units, Returns>, detail::GruCell, Units, Returns> {};

}  // namespace typenet
