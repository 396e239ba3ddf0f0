// typenet/core/aligned_buffer.hpp: AlignedBuffer, a run-time-sized, cache-line-aligned, zeroed array allocated once.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

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

  /// Makes room for `size` elements; a smaller request keeps the buffer. Contents become zero.
  void resize(std::size_t size) {
    if (size > capacity_) {
      const std::size_t total = round_to_lines<S>(size) + simd_bytes / sizeof(S);
      data_.reset(new (std::align_val_t{cache_line}) S[total]());
      capacity_ = size;
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
  struct Free {
    void operator()(S* p) const { ::operator delete[](p, std::align_val_t{cache_line}); }
  };
  std::unique_ptr<S[], Free> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace typenet::detail
