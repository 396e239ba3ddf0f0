// typenet/exec/chunks.hpp: Chunks, for_each_chunk and WorkAreas: a batch cut into fixed pieces, run as TBB tasks, each in a free work area.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <type_traits>

namespace typenet::detail {
/// Runs body(context, c) for c in [0, count), one TBB task each (compiled in src/parallel.cpp,
/// so no header includes TBB's: a chunk is far more work than the indirect call).
void run_chunks(std::size_t count, void (*body)(void* context, std::size_t chunk), void* context);
}  // namespace typenet::detail

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
  using Body = std::remove_reference_t<F>;
  detail::run_chunks(
      count, [](void* context, std::size_t c) { (*static_cast<Body*>(context))(c); },
      const_cast<void*>(static_cast<const void*>(&body)));
}

/// How many threads the current TBB arena may run at once (at least 1).
std::size_t max_threads();

/// Runs body(context) in a TBB arena of exactly `threads` slots, with TBB's global
/// parallelism raised to match (the global limit alone cannot lift it above the core count).
void run_with_threads(std::size_t threads, void (*body)(void* context), void* context);

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

  /// A free area, waiting (yielding) while all are taken (compiled in src/parallel.cpp).
  Lease take();

 private:
  std::unique_ptr<std::atomic<bool>[]> busy_;
  std::size_t count_ = 0;
};

}  // namespace typenet::exec
