// typenet/core/aligned_buffer.hpp: AlignedBuffer, a run-time-sized, cache-line-aligned, zeroed array allocated once.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <typenet/core/simd.hpp>

namespace typenet::detail {

inline constexpr std::size_t cache_line = 64;

/// Rounds `n` elements of `S` up to whole cache lines, so that every block starts aligned.
template <class S>
constexpr std::size_t round_to_lines(std::size_t n) {
  constexpr std::size_t per_line = cache_line / sizeof(S);
  return (n + per_line - 1) / per_line * per_line;
}

/// A zero-filled array of `S` whose first element is cache-line aligned and which is followed by
/// one vector of readable slack, so kernels may load a whole vector at the end of any row.
/// It allocates only when constructed or grown; kernels never allocate.
template <class S>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t size) { resize(size); }
  /// A buffer whose `size` elements the caller writes before any is read (a weight file's load
  /// fills every tensor and zeroes the padding between them itself); the rest is zero. The
  /// zero fill is the first touch of a fresh block: for a 100 MB model it cost a quarter of
  /// the load (bench/load_speed.cpp).
  struct Uninitialized {};
  AlignedBuffer(std::size_t size, Uninitialized) {
    allocate(size);
    std::uninitialized_value_construct_n(data_.get() + size, total(size) - size);
    size_ = size;
  }

  /// Makes room for `size` elements; a smaller request keeps the buffer. Contents become zero.
  void resize(std::size_t size) {
    if (size > capacity_) {
      allocate(size);
      std::uninitialized_value_construct_n(data_.get(), total(size));
    } else {
      std::fill(data_.get(), data_.get() + capacity_, S{});
    }
    size_ = size;
  }

  S* data() { return data_.get(); }
  const S* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  S& operator[](std::size_t i) { return data_[i]; }
  const S& operator[](std::size_t i) const { return data_[i]; }

 private:
  static std::size_t total(std::size_t size) { return round_to_lines<S>(size) + simd_bytes / sizeof(S); }
  void allocate(std::size_t size) {
    const std::size_t bytes = total(size) * sizeof(S);
    const std::size_t align = bytes >= huge_threshold ? huge_page : cache_line;
    S* p = static_cast<S*>(::operator new[](bytes, std::align_val_t{align}));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (align == huge_page) madvise(p, bytes / huge_page * huge_page, MADV_HUGEPAGE);
#endif
    data_ = std::unique_ptr<S[], Free>(p, Free{align});
    capacity_ = size;
  }

  /// Buffers of 4 MiB and more (a model's training workspace) start on a 2 MiB boundary and
  /// ask for transparent huge pages: the kernels stride through megabytes of activations and
  /// Winograd records, and with 4 KiB pages they missed the TLB often enough to cost 2-5 % of
  /// a training step (CIFAR-shaped network, AMD EPYC, Linux with THP set to madvise). A
  /// hint: where the system does not give huge pages nothing changes.
  static constexpr std::size_t huge_page = std::size_t(2) << 20, huge_threshold = std::size_t(4) << 20;
  struct Free {
    std::size_t align = cache_line;
    void operator()(S* p) const { ::operator delete[](p, std::align_val_t{align}); }
  };
  std::unique_ptr<S[], Free> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace typenet::detail
