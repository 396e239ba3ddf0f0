// typenet/core/detail/compiler.hpp: the compiler-specific attributes, pragmas and hacks, each with its reason.
#pragma once

#include <cstddef>

// Each entry says why it exists and what it measured; none changes a result, only how the
// compiler arranges the same operations. g++ and clang++ understand all of them.

/// Always inlined, whatever the compiler's budget (the kernels' leaf helpers and micro-tiles):
/// in a program with several models g++ stopped inlining some of them (a call per stored
/// vector), and the seed CNN's batch-1 latency rose from 37 to 55 us against the same code alone.
#define TYPENET_INLINE [[gnu::always_inline]] inline

/// Never inlined (the direct convolution's panels), so that it compiles the same in every
/// program: inlined into a small benchmark, conv_tile's rolled loop spilled again and ran at
/// half speed.
#define TYPENET_NOINLINE [[gnu::noinline]]

/// The loop after it stays rolled (conv_tile's loops over a kernel row's taps): unrolled over
/// the 27 taps of a 3x3 kernel on 3 channels, g++ interleaved the taps' products until it ran
/// out of registers, spilled, and reached 62 % of the FMA peak instead of 88 %.
#define TYPENET_ROLLED _Pragma("GCC unroll 1")

namespace typenet::detail {

/// The GNU vector extension's type of Bytes / sizeof(S) lanes of S (g++ and clang++ lower it to
/// the target's vector instructions: one kernel source for SSE, AVX2 and AVX-512). Reached
/// through its member typedef (`vec` in core/simd.hpp says why).
template <class S, std::size_t Bytes>
struct gnu_vector {
  typedef S type __attribute__((vector_size(Bytes)));
};

/// Makes the compiler hold v in a register from here on. A micro-tile loads its vectors of B
/// once and reads each in several multiply-adds; g++ may instead fold the load into every one
/// of them (a multiply-add with a memory operand), which costs no register but a load each: on
/// AVX2, a 6 x 2 tile then needs 18 loads per step where 8 do, and the loads, not the
/// multiply-adds, set its speed (with the rolled loop above, the CIFAR-shaped first convolution
/// went from 62 to 88 % of the FMA peak). An empty asm statement that takes and gives back v in
/// a vector register stops the folding; it emits nothing. Elsewhere it does nothing.
template <class V>
TYPENET_INLINE void in_register(V& v) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  asm("" : "+v"(v));
#else
  (void)v;
#endif
}

/// Makes the compiler forget where p points, so that loads through it are not merged with the
/// same loads before it. A streamed GRU step multiplies h_{t-1} by each gate's share of U just
/// before the stage that needs it (GruCell::stage); g++ merged the three gates' broadcasts of
/// each h value into one and held all 32 of a GRU(32) across the gates, spilling most of them.
/// An empty asm statement that takes and gives back p in a register (volatile: g++ merges equal
/// asm statements that are not); it emits nothing.
template <class T>
TYPENET_INLINE void opaque(T*& p) {
#if defined(__GNUC__)
  asm volatile("" : "+r"(p));
#else
  (void)p;
#endif
}

}  // namespace typenet::detail
