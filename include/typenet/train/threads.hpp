// typenet/train/threads.hpp: with_threads, a caller's own training loop run on a chosen number of threads.
#pragma once

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include <typenet/exec/chunks.hpp>

namespace typenet {

/// Runs `f()` with typenet's parallel work (the chunks of every train_step, compute_gradients,
/// evaluate or predict called inside it) on exactly `threads` threads, as FitOptions::threads
/// does for fit: a oneTBB arena of that many slots, entered once for the whole call, so a loop
/// of many steps pays for it once. 0: f() as it is, on the current arena (all cores unless the
/// program limited it). Returns what f returns; an exception thrown by f reaches the caller.
/// Results do not depend on the thread count: a loop run with 1 thread and with 8 gives the
/// same bits.
template <class F>
decltype(auto) with_threads(std::size_t threads, F&& f) {
  using R = std::invoke_result_t<F&>;
  static_assert(!std::is_reference_v<R>, "with_threads: f must return a value or nothing, not a reference");
  if (threads == 0) return f();
  if constexpr (std::is_void_v<R>) {
    exec::run_with_threads(
        threads, [](void* context) { (*static_cast<std::remove_reference_t<F>*>(context))(); },
        const_cast<void*>(static_cast<const void*>(&f)));
  } else {
    struct Call {
      std::remove_reference_t<F>& f;
      std::optional<R> result;
    } call{f, std::nullopt};
    exec::run_with_threads(
        threads,
        [](void* context) {
          auto& c = *static_cast<Call*>(context);
          c.result.emplace(c.f());
        },
        &call);
    return R(std::move(*call.result));
  }
}

}  // namespace typenet
