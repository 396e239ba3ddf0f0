// typenet/exec/batch_statistics.hpp: BatchStatistics<Net>, the batch-coupled layers' statistics: per-chunk partial sums added in a fixed tree over chunks.
#pragma once

#include <cstddef>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/exec/gradient_reduction.hpp>
#include <typenet/exec/plan.hpp>

namespace typenet::exec {

/// The statistics of the layers that couple a batch's samples (`batch_coupled`, e.g.
/// BatchNormalization): each chunk sums its samples into a record of its own, and the records
/// are added in the same fixed binary tree over chunk indices as the parameter gradients
/// (sum_slots), so the result depends on the batch size alone: not on which thread ran which
/// chunk, and an aligned block of chunks could be summed elsewhere and give the same bits. The
/// layer's reduce then gets the one summed record.
/// A layer at position b provides `statistics`, `reduce`, `gradient_statistics`,
/// `reduce_gradient` and `update_moving` (layers/layer_concepts.hpp).
template <class Net>
class BatchStatistics {
  using plan = Plan<Net>;

 public:
  /// Room for the partial sums of `chunks` chunks.
  void reserve(std::size_t chunks) {
    if (chunks <= chunks_ && reduced_.size() == plan::stats_offsets[plan::layer_count + 1]) return;
    reduced_.resize(plan::stats_offsets[plan::layer_count + 1]);
    partial_.resize(chunks * plan::partial_offsets[plan::layer_count + 1]);
    chunks_ = chunks;
  }

  /// Coupled layer p's reduced statistics of the last batch.
  const double* reduced(std::size_t p) const { return reduced_.data() + plan::stats_offsets[p]; }

  /// Chunk `chunk`'s sums of x, the input of coupled layer b, over its `count` samples.
  template <class S>
  void statistics(std::size_t b, std::size_t chunk, const S* x, std::size_t count) {
    at<S>(b, [&]<class L>() { L::statistics(x, count, partial(b, chunk)); });
  }
  void reduce(std::size_t b, std::size_t chunks, std::size_t batch) {
    sum_chunks(b, chunks);
    at<float>(b, [&]<class L>() { L::reduce(partial(b, 0), 1, batch, reduced_.data() + plan::stats_offsets[b]); });
  }
  /// Chunk `chunk`'s sums for the gradient of coupled layer b, from its input x and the
  /// gradient dy at its output.
  template <class S>
  void gradient_statistics(std::size_t b, std::size_t chunk, const S* x, const S* dy, std::size_t count) {
    at<S>(b, [&]<class L>() {
      L::gradient_statistics(reduced_.data() + plan::stats_offsets[b], x, dy, count, partial(b, chunk));
    });
  }
  void reduce_gradient(std::size_t b, std::size_t chunks) {
    sum_chunks(b, chunks);
    at<float>(b, [&]<class L>() { L::reduce_gradient(partial(b, 0), 1, reduced_.data() + plan::stats_offsets[b]); });
  }
  /// The running averages of every coupled layer, in `params`, from the last computed batch.
  template <class S>
  void update_moving(S* params) {
    plan::for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      using L = typename plan::template layer<P>;
      if constexpr (detail::is_batch_coupled<L>)
        L::update_moving(params + Net::parameter_offsets[P - 1], reduced_.data() + plan::stats_offsets[P]);
    });
  }

 private:
  /// Layer b's chunk records added in the tree, into chunk 0's record (sum_slots reads every
  /// record's block of values before it writes that block, so the output may be the first).
  void sum_chunks(std::size_t b, std::size_t chunks) {
    if constexpr (plan::highest_coupled > 0)  // (not compiled for a network without one)
      sum_slots(partial(b, 0), plan::partial_sizes[b], chunks, 0, plan::partial_sizes[b], partial(b, 0));
  }
  double* partial(std::size_t b, std::size_t chunk) {
    return partial_.data() + chunks_ * plan::partial_offsets[b] + chunk * plan::partial_sizes[b];
  }
  /// f.template operator()<L>() for the coupled layer L at run-time position b.
  template <class S, class F>
  static void at(std::size_t b, F&& f) {
    plan::for_each_position([&](auto position) {
      constexpr std::size_t P = decltype(position)::value;
      using L = typename plan::template layer<P>;
      if constexpr (detail::is_batch_coupled<L>)
        if (P == b) f.template operator()<L>();
    });
  }

  detail::AlignedBuffer<double> reduced_;
  detail::AlignedBuffer<double> partial_;
  std::size_t chunks_ = 0;
};

}  // namespace typenet::exec
