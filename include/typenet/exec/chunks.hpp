// typenet/exec/chunks.hpp: Chunks, for_each_chunk and WorkAreas: a batch cut into fixed pieces, run as TBB tasks, each in a free work area.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

namespace typenet::exec {

/// Fixed-size pieces of a run of `total` items. The split depends only on `total`, never on
/// the thread count, so every item is always computed by the same code with the same
/// neighbours.
struct Chunks {
  std::size_t total;
  std::size_t size;
  std::size_t count() const { return (total + size - 1) / size; }
  std::size_t first(std::size_t c) const { return c * size; }
  std::size_t length(std::size_t c) const { return std::min(size, total - c * size); }
};

/// Runs `body(c)` for every chunk c, one task each.
template <class F>
void for_each_chunk(std::size_t count, F&& body) {
  oneapi::tbb::parallel_for(
      oneapi::tbb::blocked_range<std::size_t>(0, count, 1),
      [&](const oneapi::tbb::blocked_range<std::size_t>& r) {
        for (std::size_t c = r.begin(); c != r.end(); ++c) body(c);
      },
      oneapi::tbb::simple_partitioner{});
}

/// Which of a model's chunk work areas are in use. A chunk takes a free one when it starts
/// and gives it back when done; there are as many as chunks can run at a time, so one is
/// always free. The one numbered as the thread is tried first (its cache may still hold it).
/// Which area a chunk gets changes no result: a chunk writes everything it reads there.
class WorkAreas {
 public:
  void resize(std::size_t count) {
    busy_ = std::make_unique<std::atomic<bool>[]>(count);
    count_ = count;
  }
  std::size_t size() const { return count_; }

  /// The area taken, given back when it goes out of scope.
  class Lease {
   public:
    Lease(WorkAreas& areas, std::size_t index) : areas_(areas), index_(index) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { areas_.busy_[index_].store(false, std::memory_order_release); }
    std::size_t index() const { return index_; }

   private:
    WorkAreas& areas_;
    std::size_t index_;
  };

  Lease take() {
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

 private:
  std::unique_ptr<std::atomic<bool>[]> busy_;
  std::size_t count_ = 0;
};

}  // namespace typenet::exec
