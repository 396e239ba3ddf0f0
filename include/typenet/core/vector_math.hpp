// typenet/core/vector_math.hpp: e^x, the logistic function and tanh on vectors, for the recurrent layers' gates.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <type_traits>

#include <typenet/core/detail/compiler.hpp>
#include <typenet/core/simd.hpp>

namespace typenet::detail {

/// e^x in every lane: x = n ln 2 + r with |r| <= ln 2 / 2 (n rounded by the 1.5 x 2^mantissa
/// trick, ln 2 in two parts), e^r by its Taylor series in Horner's form (to r^6 for float, r^13
/// for double: within about 2 ulp), times 2^n built in the exponent bits. x is clamped to the
/// range where e^x and e^-x are normal numbers, so the result is never infinite or zero (a NaN
/// stays NaN). Every
/// multiply-add is an explicit `multiply_add`: the same rounding wherever it is inlined, so a
/// value computed alone and in a batch has the same bits. (The C library's exp, one value per
/// call, had made the gates most of a GRU(16)'s time per sample.)
template <class S>
TYPENET_INLINE vec<S> exp(vec<S> x) {
  static_assert(std::is_same_v<S, float> || std::is_same_v<S, double>);
  constexpr bool single = std::is_same_v<S, float>;
  using mask = decltype(x > x);
  const vec<S> high = splat<S>(single ? S(87.0) : S(708.0));
  const vec<S> low = -high;
  // Replaced only where beyond a bound: a NaN stays NaN (a diverging network must show it).
  x = (vec<S>)(((mask)high & (x > high)) | ((mask)x & ~(x > high)));
  x = (vec<S>)(((mask)low & (x < low)) | ((mask)x & ~(x < low)));
  const vec<S> magic = splat<S>(single ? S(12582912.0) : S(6755399441055744.0));  // 1.5 x 2^23, 2^52
  const vec<S> n = multiply_add(x, splat<S>(S(1.4426950408889634)), magic) - magic;
  const vec<S> ln2_high = splat<S>(single ? S(0.693145751953125) : S(0.6931471803691238));
  const vec<S> ln2_low = splat<S>(single ? S(1.428606765330187e-06) : S(1.9082149292705877e-10));
  vec<S> r = multiply_add(n, -ln2_high, x);
  r = multiply_add(n, -ln2_low, r);
  constexpr int terms = single ? 6 : 13;
  vec<S> p = splat<S>(S(1));
  for (int k = terms; k >= 1; --k) p = multiply_add(p, r * splat<S>(S(1) / S(k)), splat<S>(S(1)));
  // 2^n from n's bits; a NaN lane takes n = 0 there (converting NaN to an integer is undefined)
  // and stays NaN through p.
  const vec<S> whole = (vec<S>)((mask)n & (n == n));
  if constexpr (single) {
    using ints = typename gnu_vector<std::int32_t, simd_bytes>::type;
    const ints bits = (__builtin_convertvector(whole, ints) + 127) << 23;
    return p * (vec<S>)bits;
  } else {
    using ints = typename gnu_vector<std::int64_t, simd_bytes>::type;
    const ints bits = (__builtin_convertvector(whole, ints) + 1023) << 52;
    return p * (vec<S>)bits;
  }
}

/// tanh(x) = sign(x) (1 - 2 / (e^2|x| + 1)): within a few ulp of 1 for large |x| (relative to the
/// value: as close to 1 as the value is), and within an absolute few ulp of 1 (not a relative
/// one) near 0.
template <class S>
TYPENET_INLINE vec<S> tanh_by_exp(vec<S> x) {
  using mask = decltype(x > x);
  const mask sign = (mask)x & (mask)splat<S>(-S(0));
  const vec<S> a = (vec<S>)((mask)x & ~(mask)splat<S>(-S(0)));  // |x|
  const vec<S> t = splat<S>(S(1)) - splat<S>(S(2)) / (exp<S>(a + a) + splat<S>(S(1)));
  return (vec<S>)((mask)t | sign);
}

/// tanh(x / 2^Halvings) for float: x P(x^2) / Q(x^2) with P and Q of degree 4, a rational minimax
/// fit of tanh's relative error on [0, 9.1] (0.2 ulp; about 2 ulp of 1 once evaluated in float),
/// never beyond +-1. No exponential, one division, P and Q in Estrin's form: a value's chain of
/// dependent operations is short (a GRU's step waits on a logistic and then a tanh). On x
/// itself, not on |x| with the sign put back: tanh is odd and every operation here rounds
/// symmetrically, so the bits are the same, and each bound is a vmaxps and a vminps where the
/// sign's bit operations and masked moves had been (tanh's chain 51 -> 37 cycles, the
/// logistic's 59 -> 41, on Zen 5). With Halvings > 0 the coefficients are scaled by powers of
/// two instead of x: exactly the same bits as tanh of x / 2^Halvings, one multiplication fewer.
template <int Halvings>
TYPENET_INLINE vec<float> tanh_fit(vec<float> x) {
  using S = float;
  const auto clamp = [](vec<S> v, float bound) { return clamp_symmetric(v, splat<S>(bound)); };
  constexpr float s = 1.0f / float(1 << Halvings);
  // From 9.1 up, where tanh rounds to 1, the fit rises above 1 (by 3e-7 at 9.5): the result's
  // bound at 1 then gives 1 exactly.
  const vec<S> b = clamp(x, 9.5f / s);
  const vec<S> t = b * b, t2 = t * t, t4 = t2 * t2;
  // k0 + k1 u + k2 u^2 + k3 u^3 + k4 u^4 at u = s^2 t (times `scale`), in Estrin's form.
  const auto estrin = [&](float scale, float k0, float k1, float k2, float k3, float k4) {
    const float u = s * s;
    const auto c = [](float v) { return splat<S>(v); };
    return multiply_add(
        t4, c(scale * k4 * u * u * u * u),
        multiply_add(t2, multiply_add(t, c(scale * k3 * u * u * u), c(scale * k2 * u * u)),
                     multiply_add(t, c(scale * k1 * u), c(scale * k0))));
  };
  const vec<S> p = estrin(s, 0.9999999775549705539f, 0.13374408941700623599f, 0.0034877300047908926878f,
                          0.000020479785997003958141f, 1.3175505513869704561e-8f);
  const vec<S> q = estrin(1.0f, 1.0f, 0.46707722872686910554f, 0.02584708604596228803f, 0.0003272784407099788632f,
                          7.7032342035473096862e-7f);
  return clamp((b * p) / q, 1.0f);
}

/// tanh(x) for the recurrent layers' gates: tanh_fit for float, tanh_by_exp for double.
template <class S>
TYPENET_INLINE vec<S> tanh(vec<S> x) {
  if constexpr (std::is_same_v<S, float>) return tanh_fit<0>(x);
  else return tanh_by_exp<S>(x);
}

/// tanh(x / 2) for the recurrent layers' gates: for float tanh_fit<1> (the halving in its
/// coefficients), for double tanh_by_exp.
template <class S>
TYPENET_INLINE vec<S> tanh_of_half(vec<S> x) {
  if constexpr (std::is_same_v<S, float>) return tanh_fit<1>(x);
  else return tanh_by_exp<S>(splat<S>(S(0.5)) * x);
}

/// The logistic function 1 / (1 + e^-x) by that formula: within a few ulp of every value,
/// relative (small ones too, down to e^-87 for float, where e^x's clamp holds it), for the
/// Sigmoid layer, whose outputs are probabilities.
template <class S>
TYPENET_INLINE vec<S> logistic_by_exp(vec<S> x) {
  return splat<S>(S(1)) / (splat<S>(S(1)) + exp<S>(-x));
}

/// The logistic function for the recurrent layers' gates. For float, (1 + tanh(x / 2)) / 2, which
/// shares tanh's short chain: within a few ulp of 1, absolute (values near 0 are multiples of
/// about 3e-8, and 0 below x = -18.2); for double, logistic_by_exp.
template <class S>
TYPENET_INLINE vec<S> logistic(vec<S> x) {
  if constexpr (std::is_same_v<S, float>) {
    const vec<S> half = splat<S>(0.5f);
    return multiply_add(half, tanh_of_half<S>(x), half);
  } else {
    return logistic_by_exp<S>(x);
  }
}

/// y[i] = f(x[i]) for the n values at x, a vector at a time (the last values through a padded
/// vector: every value gets the same instructions); x may be y.
template <class S, class F>
TYPENET_INLINE void map_in_vectors(const S* x, S* y, std::size_t n, F&& f) {
  constexpr std::size_t W = lanes<S>;
  for (std::size_t i = 0; i < n; i += W) {
    const std::size_t count = std::min(W, n - i);
    store_first<S>(y + i, f(load_first(x + i, count)), count);
  }
}

/// tanh(x) within a few ulp of its value (relative) everywhere, for the Tanh layer: for
/// |x| < 0.625, |x| + |x|^3 Q(x^2) with Q a Chebyshev fit of (tanh(x) / x - 1) / x^2 on
/// [0, 0.625^2] (6 terms for float, 12 for double; the fit's own error is under 2e-9 and 4e-18),
/// which keeps the relative accuracy of small values that `tanh_by_exp` loses; beyond,
/// `tanh_by_exp`, whose result is then over 0.55 (and which, unlike the gates' `tanh` for float,
/// stays within an ulp or two of values close to 1). Both are computed and one chosen per lane,
/// so every value gets the same instructions (a value alone and in a batch have the same bits).
template <class S>
TYPENET_INLINE vec<S> tanh_accurate(vec<S> x) {
  using mask = decltype(x > x);
  const mask sign = (mask)x & (mask)splat<S>(-S(0));
  const vec<S> a = (vec<S>)((mask)x & ~(mask)splat<S>(-S(0)));  // |x|
  const vec<S> u = a * a;
  const auto horner = [&](const auto& c) {
    vec<S> q = splat<S>(S(c[0]));
    for (std::size_t i = 1; i < std::size(c); ++i) q = multiply_add(q, u, splat<S>(S(c[i])));
    return q;
  };
  const vec<S> q = [&] {
    if constexpr (std::is_same_v<S, float>) {
      constexpr float c[] = {0.0022927448161781423431f, -0.008343945515839152048f, 0.021768918651028210152f,
                             -0.053959259577204542744f, 0.13333303556915741766f,   -0.33333333172140361638f};
      return horner(c);
    } else {
      constexpr double c[] = {6.48516348279311315e-6,     -0.000031201101425797400033, 0.000092571161295567682707,
                              -0.00023759064960555619551, 0.0005896606577757043347,    -0.0014557754120478055104,
                              0.0035921217511549622695,   -0.008863235103240877925,    0.021869488519008305756,
                              -0.05396825396789699169,    0.13333333333333041602,      -0.33333333333333332938};
      return horner(c);
    }
  }();
  const vec<S> small = (vec<S>)((mask)multiply_add(a * u, q, a) | sign);  // -0 stays -0
  const vec<S> large = tanh_by_exp<S>(x);
  const mask near0 = a < splat<S>(S(0.625));  // false for NaN, which `tanh_by_exp` keeps
  return (vec<S>)(((mask)small & near0) | ((mask)large & ~near0));
}

/// f applied in place to the n values at p, a vector at a time (the last values through a
/// padded vector: every value gets the same instructions).
template <class S, class F>
TYPENET_INLINE void apply_in_vectors(S* p, std::size_t n, F&& f) {
  map_in_vectors(p, p, n, static_cast<F&&>(f));
}

/// The logistic function or tanh of the n values at p, in place.
template <class S>
TYPENET_INLINE void logistic_in_place(S* p, std::size_t n) {
  apply_in_vectors(p, n, [](vec<S> v) { return logistic<S>(v); });
}
template <class S>
TYPENET_INLINE void tanh_in_place(S* p, std::size_t n) {
  apply_in_vectors(p, n, [](vec<S> v) { return tanh<S>(v); });
}

}  // namespace typenet::detail
