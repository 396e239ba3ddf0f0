// typenet/core/simd.hpp: the vector type the kernels compute with, sized for the target's widest registers.
#pragma once

#include <cstddef>
#include <cstring>
#include <type_traits>
#include <utility>

#include <typenet/core/detail/compiler.hpp>

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace typenet::detail {

/// Bytes in one vector register of the target this translation unit is compiled for. One
/// portable kernel source serves every width: GNU vector extensions (g++ and clang++) lower
/// `vec<S>` to the machine's instructions (SSE, AVX2, AVX-512; NEON on aarch64), so the `native`
/// build option is all it takes.
#if defined(__AVX512F__)
inline constexpr std::size_t simd_bytes = 64;
#elif defined(__AVX__)
inline constexpr std::size_t simd_bytes = 32;
#else
inline constexpr std::size_t simd_bytes = 16;
#endif

template <class S>
inline constexpr std::size_t lanes = simd_bytes / sizeof(S);

/// A vector register of S. (Through a member typedef, so that `vec<S>` in a parameter list
/// does not take part in deducing S.)
template <class S>
using vec = typename gnu_vector<S, simd_bytes>::type;

template <class S>
TYPENET_INLINE vec<S> load(const S* p) {
  vec<S> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class S>
TYPENET_INLINE void store(S* p, vec<S> v) {
  std::memcpy(p, &v, sizeof v);
}

/// The first `count` (at most lanes) values at p, the other lanes zero: a last, partial block
/// read without reading past it.
template <class S>
TYPENET_INLINE vec<S> load_first(const S* p, std::size_t count) {
  if (count == lanes<S>) return load(p);
  vec<S> v{};
  std::memcpy(&v, p, count * sizeof(S));
  return v;
}

/// The first `count` (at most lanes) lanes of v to p, nothing past them.
template <class S>
TYPENET_INLINE void store_first(S* p, vec<S> v, std::size_t count) {
  if (count == lanes<S>) return store(p, v);
  std::memcpy(p, &v, count * sizeof(S));
}

/// x in every lane. (Written x - 0 because 0 + x is not an identity for -0.0: the compiler
/// would emit an addition before the broadcast.)
template <class S>
TYPENET_INLINE vec<S> splat(S x) {
  return x - vec<S>{};
}

/// a * b + c, rounded once where the target has fused multiply-add, else twice; the same
/// wherever it is used. Kernels call this instead of writing `acc += a * b`, because whether
/// the compiler contracts that expression depends on its tuning and on the code around it
/// (g++ tuned for AMD Zen splits FMA chains it finds in some loops and not in others), and a
/// row computed by two kernels that round differently would make results depend on how a
/// batch was split into chunks. The project builds with -ffp-contract=off for the same reason.
template <class V>
TYPENET_INLINE V multiply_add(V a, V b, V c) {
#if defined(__FMA__) || defined(__AVX512F__)
  // The compilers' own builtins, which <immintrin.h>'s _mm*_fmadd_p* wrap (the same names in
  // g++ and clang++): that header alone took about 1 s of every translation unit to parse.
  using S = std::remove_cvref_t<decltype(a[0])>;
  if constexpr (std::is_same_v<S, float> && sizeof(V) == 16) return __builtin_ia32_vfmaddps(a, b, c);
  if constexpr (std::is_same_v<S, double> && sizeof(V) == 16) return __builtin_ia32_vfmaddpd(a, b, c);
  if constexpr (std::is_same_v<S, float> && sizeof(V) == 32) return __builtin_ia32_vfmaddps256(a, b, c);
  if constexpr (std::is_same_v<S, double> && sizeof(V) == 32) return __builtin_ia32_vfmaddpd256(a, b, c);
#if defined(__AVX512F__)
  constexpr int current_rounding = 4;  // _MM_FROUND_CUR_DIRECTION
  if constexpr (std::is_same_v<S, float> && sizeof(V) == 64)
    return __builtin_ia32_vfmaddps512_mask(a, b, c, static_cast<unsigned short>(-1), current_rounding);
  if constexpr (std::is_same_v<S, double> && sizeof(V) == 64)
    return __builtin_ia32_vfmaddpd512_mask(a, b, c, static_cast<unsigned char>(-1), current_rounding);
#endif
#elif defined(__aarch64__) && defined(__ARM_NEON)
  // NEON's fused multiply-add on 128-bit vectors (arm_neon.h, which only ARM builds parse).
  using S = std::remove_cvref_t<decltype(a[0])>;
  if constexpr (std::is_same_v<S, float> && sizeof(V) == 16)
    return (V)vfmaq_f32((float32x4_t)c, (float32x4_t)a, (float32x4_t)b);
  if constexpr (std::is_same_v<S, double> && sizeof(V) == 16)
    return (V)vfmaq_f64((float64x2_t)c, (float64x2_t)a, (float64x2_t)b);
#endif
  return a * b + c;
}

/// In every lane a < b ? a : b (Less) or a > b ? a : b (Greater): b where either is a NaN, as
/// x86's vminps / vmaxps, which this is there (the compilers' builtins, as for `multiply_add`).
/// g++ compiles the expression with a constant operand as a compare and a masked move, 4 cycles
/// longer on a recurrent gate's chain.
template <bool Less, class V>
TYPENET_INLINE V select_by_order(V a, V b) {
#if defined(__x86_64__) || defined(__i386__)
  using S = std::remove_cvref_t<decltype(a[0])>;
  constexpr bool single = std::is_same_v<S, float>;
  if constexpr (sizeof(V) == 16) {
    if constexpr (single) return Less ? __builtin_ia32_minps(a, b) : __builtin_ia32_maxps(a, b);
    else return Less ? __builtin_ia32_minpd(a, b) : __builtin_ia32_maxpd(a, b);
  }
#if defined(__AVX__)
  if constexpr (sizeof(V) == 32) {
    if constexpr (single) return Less ? __builtin_ia32_minps256(a, b) : __builtin_ia32_maxps256(a, b);
    else return Less ? __builtin_ia32_minpd256(a, b) : __builtin_ia32_maxpd256(a, b);
  }
#endif
#if defined(__AVX512F__)
  constexpr int current_rounding = 4;  // _MM_FROUND_CUR_DIRECTION
  if constexpr (sizeof(V) == 64) {
#if defined(__clang__)
    if constexpr (single)
      return Less ? __builtin_ia32_minps512(a, b, current_rounding) : __builtin_ia32_maxps512(a, b, current_rounding);
    else
      return Less ? __builtin_ia32_minpd512(a, b, current_rounding) : __builtin_ia32_maxpd512(a, b, current_rounding);
#else
    if constexpr (single)
      return Less ? __builtin_ia32_minps512_mask(a, b, a, static_cast<unsigned short>(-1), current_rounding)
                  : __builtin_ia32_maxps512_mask(a, b, a, static_cast<unsigned short>(-1), current_rounding);
    else
      return Less ? __builtin_ia32_minpd512_mask(a, b, a, static_cast<unsigned char>(-1), current_rounding)
                  : __builtin_ia32_maxpd512_mask(a, b, a, static_cast<unsigned char>(-1), current_rounding);
#endif
  }
#endif
#endif
  if constexpr (Less) return a < b ? a : b;
  else return a > b ? a : b;
}

/// v within [-bound, bound], a NaN kept (bound in every lane).
template <class V>
TYPENET_INLINE V clamp_symmetric(V v, V bound) {
  return select_by_order<true>(bound, select_by_order<false>(-bound, v));
}

/// The vector at p, loaded once and held in a register (see `in_register`, core/detail/compiler.hpp).
template <class S>
TYPENET_INLINE vec<S> load_held(const S* p) {
  vec<S> v = load(p);
  in_register(v);
  return v;
}

/// Whether every one of the n values at p is finite: x - x is 0 for a finite x and NaN for an
/// infinity or a NaN, and a NaN survives any sum. One vector pass, no branch per value.
template <class S>
inline bool all_finite(const S* p, std::size_t n) {
  constexpr std::size_t W = lanes<S>;
  const std::size_t whole = n / W * W;
  vec<S> acc{};
  for (std::size_t i = 0; i < whole; i += W) {
    const vec<S> v = load(p + i);
    acc += v - v;
  }
  S sum{};
  for (std::size_t i = whole; i < n; ++i) sum += p[i] - p[i];
  for (std::size_t l = 0; l < W; ++l) sum += acc[l];
  return sum == S{};
}

/// Lanes of v where keep is above zero, zero elsewhere (a NaN in keep counts as not above).
template <class V>
TYPENET_INLINE V where_positive(V keep, V v) {
  using mask = decltype(keep > keep);
  return (V)((mask)v & (keep > V{}));
}

/// The sum of v's lanes as a tree: lane i and lane i + W/2 added, then the same on those W/2
/// sums, down to one (`__builtin_shufflevector` takes each half, in g++ 12 and clang++ alike).
template <class S, std::size_t W = lanes<S>>
TYPENET_INLINE S sum_lanes(typename gnu_vector<S, W * sizeof(S)>::type v) {
  if constexpr (W == 1) {
    return v[0];
  } else {
    const auto half = [&]<std::size_t... I>(std::index_sequence<I...>, auto from) {
      return __builtin_shufflevector(v, v, (I + decltype(from)::value)...);
    };
    return sum_lanes<S, W / 2>(half(std::make_index_sequence<W / 2>{}, std::integral_constant<std::size_t, 0>{}) +
                               half(std::make_index_sequence<W / 2>{}, std::integral_constant<std::size_t, W / 2>{}));
  }
}

}  // namespace typenet::detail
