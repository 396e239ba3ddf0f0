// typenet/train/evaluate.hpp: score_outputs, evaluate's figures from a network's outputs: mean loss, accuracy, mean absolute error, top-k, confusion.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include <typenet/loss/detail/class_of.hpp>
#include <typenet/loss/metric.hpp>
#include <typenet/train/history.hpp>
#include <typenet/train/metrics.hpp>

namespace typenet::detail {

/// The Score of `data` from its outputs: run(use) must call use(first sample, outputs, count)
/// for every sample (from any thread, in any order); the per-sample figures are summed in
/// sample order afterwards, so the score does not depend on the threads. `penalty` is added to
/// the mean loss.
template <class Loss, std::size_t N, class S, class Data, class Run>
Score score_outputs(const Data& data, std::size_t top_k, double penalty, Run&& run) {
  // Per sample: loss, right, in the top k, true class, predicted class, mean absolute error.
  constexpr std::size_t fields = 6;
  std::vector<double> results(fields * data.size());
  run([&](std::size_t sample, const S* y, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      std::array<S, N> t;
      std::ranges::copy(data.target(sample + i), t.begin());
      const S* yi = y + i * N;
      double* r = results.data() + fields * (sample + i);
      r[0] = double(Loss::template value<S, N>(yi, t.data()));
      r[1] = classified_right<Loss, N>(yi, t.data()) ? 1 : 0;
      const std::size_t truth = class_of<N>(t.data());
      r[2] = N == 1 ? r[1] : top_k_correct(std::span<const S>(yi, N), truth, top_k) ? 1 : 0;
      r[3] = double(truth);
      r[4] = double(output_class<Loss, N>(yi));
      r[5] = double(mean_absolute_error<S, N>(yi, t.data()));
    }
  });
  Score score{.confusion = ConfusionMatrix(N == 1 ? 2 : N), .top_k = top_k};
  double loss_sum = 0, right = 0, in_top = 0, absolute = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const double* r = results.data() + fields * i;
    loss_sum += r[0];
    right += r[1];
    in_top += r[2];
    absolute += r[5];
    score.confusion.add(std::size_t(r[3]), std::size_t(r[4]));
  }
  score.loss = loss_sum / double(data.size()) + penalty;
  score.accuracy = right / double(data.size());
  score.top_k_accuracy = in_top / double(data.size());
  score.mae = absolute / double(data.size());
  return score;
}

}  // namespace typenet::detail
