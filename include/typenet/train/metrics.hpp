// typenet/train/metrics.hpp: classification metrics: ConfusionMatrix (precision, recall, F1, accuracy) and top_k_correct.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <typenet/core/error.hpp>

namespace typenet {

/// Counts of (true class, predicted class) pairs over a run-time number of classes:
/// `count(t, p)` samples of class t were predicted as p. Built once (classes^2 counters), then
/// `add` allocates nothing.
///
///     tn::ConfusionMatrix m(10);
///     for (std::size_t i = 0; i < data.test.size(); ++i)
///       m.add(tn::data::argmax(data.test.target(i)), model.predict_class(data.test.input(i)));
///     m.accuracy(); m.precision(3); m.recall(3); m.f1(3); m.macro_f1();
///
/// A ratio whose denominator is 0 (precision of a class never predicted, recall of a class
/// never seen, accuracy of an empty matrix) is 0, as Keras's metrics give (divide_no_nan).
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(std::size_t classes) : classes_(classes), counts_(classes * classes, 0) {
    if (classes == 0) throw Error("ConfusionMatrix: needs at least one class");
  }

  std::size_t classes() const { return classes_; }

  /// Records one sample of class `true_class` predicted as `predicted_class`.
  void add(std::size_t true_class, std::size_t predicted_class, std::uint64_t times = 1) {
    counts_[index(true_class, predicted_class)] += times;
  }

  /// Adds another matrix's counts (e.g. one per thread or per data shard).
  void merge(const ConfusionMatrix& other) {
    if (other.classes_ != classes_)
      throw Error("ConfusionMatrix: cannot merge a matrix of " + std::to_string(other.classes_) +
                  " classes into one of " + std::to_string(classes_));
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  }

  /// Sets every count to 0.
  void reset() { counts_.assign(counts_.size(), 0); }

  /// Samples of class `true_class` predicted as `predicted_class`.
  std::uint64_t count(std::size_t true_class, std::size_t predicted_class) const {
    return counts_[index(true_class, predicted_class)];
  }

  /// Samples whose true class is `c` (row sum, the class's support).
  std::uint64_t true_count(std::size_t c) const {
    check(c, "class");
    std::uint64_t sum = 0;
    for (std::size_t p = 0; p < classes_; ++p) sum += counts_[c * classes_ + p];
    return sum;
  }

  /// Samples predicted as `c` (column sum).
  std::uint64_t predicted_count(std::size_t c) const {
    check(c, "class");
    std::uint64_t sum = 0;
    for (std::size_t t = 0; t < classes_; ++t) sum += counts_[t * classes_ + c];
    return sum;
  }

  /// Every sample recorded.
  std::uint64_t total() const {
    std::uint64_t sum = 0;
    for (const std::uint64_t n : counts_) sum += n;
    return sum;
  }

  /// Samples on the diagonal (predicted right).
  std::uint64_t correct() const {
    std::uint64_t sum = 0;
    for (std::size_t c = 0; c < classes_; ++c) sum += counts_[c * classes_ + c];
    return sum;
  }

  /// The largest single count (what a heat map scales its colours to).
  std::uint64_t max_count() const {
    std::uint64_t most = 0;
    for (const std::uint64_t n : counts_) most = n > most ? n : most;
    return most;
  }

  /// correct() / total().
  double accuracy() const { return ratio(correct(), total()); }
  /// Of the samples predicted as `c`, the fraction whose class is `c`.
  double precision(std::size_t c) const {
    check(c, "class");
    return ratio(count(c, c), predicted_count(c));
  }
  /// Of the samples of class `c`, the fraction predicted as `c`.
  double recall(std::size_t c) const {
    check(c, "class");
    return ratio(count(c, c), true_count(c));
  }
  /// The harmonic mean of precision and recall; 0 when both are 0.
  double f1(std::size_t c) const {
    const double p = precision(c), r = recall(c);
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  }
  /// The unweighted mean of f1 over every class (Keras's F1Score(average="macro"), without its epsilon).
  double macro_f1() const {
    double sum = 0;
    for (std::size_t c = 0; c < classes_; ++c) sum += f1(c);
    return sum / double(classes_);
  }

 private:
  void check(std::size_t c, const char* what) const {
    if (c >= classes_) out_of_range(c, what);
  }
  std::size_t index(std::size_t true_class, std::size_t predicted_class) const {
    const std::size_t n = classes_;
    if (true_class >= n) out_of_range(true_class, "true class");
    if (predicted_class >= n) out_of_range(predicted_class, "predicted class");
    return true_class * n + predicted_class;
  }
  [[noreturn]] void out_of_range(std::size_t c, const char* what) const {
    throw Error(std::string("ConfusionMatrix: ") + what + " " + std::to_string(c) + " is out of range for " +
                std::to_string(classes_) + " classes");
  }
  static double ratio(std::uint64_t a, std::uint64_t b) { return b == 0 ? 0.0 : double(a) / double(b); }

  std::size_t classes_;
  std::vector<std::uint64_t> counts_;  ///< row-major: [true class][predicted class]
};

namespace detail {
template <class S>
bool top_k_correct(std::span<const S> scores, std::size_t true_class, std::size_t k) {
  if (true_class >= scores.size())
    throw Error("top_k_correct: true class " + std::to_string(true_class) + " is out of range for " +
                std::to_string(scores.size()) + " scores");
  const S target = scores[true_class];
  if (!std::isfinite(target)) return false;
  std::size_t higher = 0;
  for (const S s : scores) {
    if (!std::isfinite(s)) return false;
    if (s > target) ++higher;
  }
  return higher < k;
}
}  // namespace detail

/// Whether `true_class` is among the `k` highest `scores` (Keras's top_k_categorical_accuracy
/// for one sample, whose default k is 5). Ties are generous, as in Keras (tf.math.in_top_k):
/// the class counts as in the top k when fewer than k scores are strictly higher than its own,
/// so every class tied at the k-th place is in. Any non-finite score makes the answer false,
/// as in_top_k does. With finite scores, k = 0 is never correct and k >= the class count
/// always is.
inline bool top_k_correct(std::span<const float> scores, std::size_t true_class, std::size_t k = 5) {
  return detail::top_k_correct(scores, true_class, k);
}
inline bool top_k_correct(std::span<const double> scores, std::size_t true_class, std::size_t k = 5) {
  return detail::top_k_correct(scores, true_class, k);
}

}  // namespace typenet
