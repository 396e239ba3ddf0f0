// typenet/core/build_check.hpp: build_advice, what the flags of the including file cost typenet's kernels, said once where a user looks (summary, fit's log).
#pragma once

#include <iosfwd>

namespace typenet::detail {

/// typenet's kernels are templates compiled in the user's own file, so that file's flags decide
/// their speed (the seed CNN trained at 3,700 images/s with -O2 alone, 17,000-21,500 with -O3
/// -march=native). A line saying what to add when the flags fall short, else nullptr. It has
/// internal linkage: each file says what it was compiled with.
#if !defined(__OPTIMIZE__)
constexpr const char* build_advice =
    "typenet: this program was compiled without optimisation, so its networks run tens of times slower "
    "than they can: compile with -O3 -march=native (Meson: --buildtype=release)";
#elif (defined(__x86_64__) || defined(__i386__)) && !(defined(__AVX2__) && defined(__FMA__))
constexpr const char* build_advice =
    "typenet: this program was compiled without AVX2 and FMA, which typenet's kernels are written for, so "
    "its networks run several times slower than they can: add -march=native (or -mavx2 -mfma)";
#else
constexpr const char* build_advice = nullptr;
#endif

/// Writes `advice` and a newline to `out` unless it is null or a line of advice was already
/// written by this program (src/build_check.cpp): once, not at every fit.
void print_build_advice(std::ostream& out, const char* advice);

}  // namespace typenet::detail
