// src/build_check.cpp: print_build_advice, the once-per-program line about the flags a program was compiled with.
#include <typenet/core/build_check.hpp>

#include <atomic>
#include <ostream>

namespace typenet::detail {

void print_build_advice(std::ostream& out, const char* advice) {
  static std::atomic<bool> written{false};
  if (!advice || written.exchange(true)) return;
  out << advice << '\n';
}

}  // namespace typenet::detail
