// typenet/core/simd.hpp: the vector type the kernels compute with, sized for the target's widest registers.
#pragma once

#include <cstddef>
#include <cstring>

namespace typenet::detail {

/// Bytes in one vector register of the target this translation unit is compiled for. One
/// portable kernel source serves every width: GNU vector extensions (g++ and clang++) lower
/// `vec<S>` to the machine's instructions, so the `native` build option is all it takes.
#if defined(__AVX512F__)
inline constexpr std::size_t simd_bytes = 64;
#elif defined(__AVX__)
inline constexpr std::size_t simd_bytes = 32;
#else
inline constexpr std::size_t simd_bytes = 16;
#endif

template <class S>
inline constexpr std::size_t lanes = simd_bytes / sizeof(S);

template <class S>
struct vector_of {
  typedef S type __attribute__((vector_size(simd_bytes)));
};

/// A vector register of S. (Through a member typedef, so that `vec<S>` in a parameter list
/// does not take part in deducing S.)
template <class S>
using vec = typename vector_of<S>::type;

template <class S>
inline vec<S> load(const S* p) {
  vec<S> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class S>
inline void store(S* p, vec<S> v) {
  std::memcpy(p, &v, sizeof v);
}

/// x in every lane. (Written x - 0 because 0 + x is not an identity for -0.0: the compiler
/// would emit an addition before the broadcast.)
template <class S>
inline vec<S> splat(S x) {
  return x - vec<S>{};
}

/// Lanes of v where keep is above zero, zero elsewhere (a NaN in keep counts as not above).
template <class V>
inline V where_positive(V keep, V v) {
  using mask = decltype(keep > keep);
  return (V)((mask)v & (keep > V{}));
}

}  // namespace typenet::detail
