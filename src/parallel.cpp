// src/parallel.cpp: the only place typenet calls TBB: chunks as tasks, thread counts, arenas, work-area leases.
#include <thread>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <typenet/exec/chunks.hpp>

namespace typenet::detail {

void run_chunks(std::size_t count, void (*body)(void* context, std::size_t chunk), void* context) {
  oneapi::tbb::parallel_for(
      oneapi::tbb::blocked_range<std::size_t>(0, count, 1),
      [&](const oneapi::tbb::blocked_range<std::size_t>& r) {
        for (std::size_t c = r.begin(); c != r.end(); ++c) body(context, c);
      },
      oneapi::tbb::simple_partitioner{});
}

}  // namespace typenet::detail

namespace typenet::exec {

std::size_t max_threads() { return std::size_t(std::max(1, oneapi::tbb::this_task_arena::max_concurrency())); }

void run_with_threads(std::size_t threads, void (*body)(void* context), void* context) {
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism, threads);
  oneapi::tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] { body(context); });
}

WorkAreas::Lease WorkAreas::take() {
  const int thread = oneapi::tbb::this_task_arena::current_thread_index();
  const std::size_t start = thread >= 0 ? std::size_t(thread) % count_ : 0;
  for (;;) {
    for (std::size_t k = 0; k < count_; ++k) {
      const std::size_t i = (start + k) % count_;
      if (!busy_[i].load(std::memory_order_relaxed) && !busy_[i].exchange(true, std::memory_order_acquire))
        return Lease(*this, i);
    }
    std::this_thread::yield();
  }
}

}  // namespace typenet::exec
