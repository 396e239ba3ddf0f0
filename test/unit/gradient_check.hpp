// test/unit/gradient_check.hpp: central-difference gradient checks in double, shared by the unit tests.
#pragma once

#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>

#include <boost/test/unit_test.hpp>

namespace typenet::testing {

/// Agreement of an analytic derivative with a central difference: |a - n| <= tol * max(1, |n|).
inline bool agrees(double analytic, double numeric, double tolerance = 1e-6) {
  return std::isfinite(analytic) && std::abs(analytic - numeric) <= tolerance * std::max(1.0, std::abs(numeric));
}

/// Compares `analytic[i]` with (f(v + h e_i) - f(v - h e_i)) / 2h for every i, where f reads `values`.
/// Reports at most a few mismatches, naming `what` and the index.
inline void check_gradient(const std::string& what, double* values, const double* analytic, std::size_t count,
                           const std::function<double()>& f, double step = 1e-6, double tolerance = 1e-6) {
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const double saved = values[i];
    values[i] = saved + step;
    const double plus = f();
    values[i] = saved - step;
    const double minus = f();
    values[i] = saved;
    const double numeric = (plus - minus) / (2 * step);
    if (!agrees(analytic[i], numeric, tolerance) && mismatches++ < 5) {
      BOOST_TEST_MESSAGE(what << "[" << i << "]: analytic " << analytic[i] << ", central difference " << numeric);
    }
  }
  BOOST_TEST(mismatches == 0u, what << ": " << mismatches << " of " << count << " derivatives disagree");
}

inline constexpr double unwritten = std::numeric_limits<double>::infinity();

}  // namespace typenet::testing
