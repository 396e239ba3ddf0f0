// Metrics: ConfusionMatrix against counts worked out by hand, top_k_correct against Keras's in_top_k semantics.
#define BOOST_TEST_MODULE metrics
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <typenet/train/metrics.hpp>
#include <typenet/typenet.hpp>

namespace tn = typenet;
namespace tt = boost::test_tools;

namespace {

/// The message of the Error `f` throws ("" when it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const tn::Error& e) {
    return e.what();
  }
  return "";
}

/// Three classes, 10 samples:
///              predicted 0  1  2
///     true 0:            3  1  0
///     true 1:            0  2  1
///     true 2:            1  0  2
tn::ConfusionMatrix example() {
  tn::ConfusionMatrix m(3);
  const std::size_t pairs[][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 1}, {1, 2}, {2, 0}, {2, 2}, {2, 2}};
  for (const auto& [t, p] : pairs) m.add(t, p);
  return m;
}

}  // namespace

BOOST_AUTO_TEST_CASE(confusion_matrix_counts_rows_true_and_columns_predicted) {
  const tn::ConfusionMatrix m = example();
  BOOST_TEST(m.classes() == 3u);
  BOOST_TEST(m.count(0, 0) == 3u);
  BOOST_TEST(m.count(0, 1) == 1u);
  BOOST_TEST(m.count(2, 0) == 1u);
  BOOST_TEST(m.count(1, 0) == 0u);
  BOOST_TEST(m.true_count(0) == 4u);
  BOOST_TEST(m.true_count(1) == 3u);
  BOOST_TEST(m.predicted_count(0) == 4u);
  BOOST_TEST(m.predicted_count(2) == 3u);
  BOOST_TEST(m.total() == 10u);
  BOOST_TEST(m.correct() == 7u);
  BOOST_TEST(m.max_count() == 3u);
}

BOOST_AUTO_TEST_CASE(confusion_matrix_precision_recall_f1_accuracy) {
  const tn::ConfusionMatrix m = example();
  BOOST_TEST(m.accuracy() == 0.7, tt::tolerance(1e-15));
  // Class 0: 3 right of 4 predicted 0, 3 right of 4 truly 0.
  BOOST_TEST(m.precision(0) == 3.0 / 4, tt::tolerance(1e-15));
  BOOST_TEST(m.recall(0) == 3.0 / 4, tt::tolerance(1e-15));
  BOOST_TEST(m.f1(0) == 3.0 / 4, tt::tolerance(1e-15));
  // Class 1: 2 right of 3 predicted 1, 2 of 3 truly 1.
  BOOST_TEST(m.precision(1) == 2.0 / 3, tt::tolerance(1e-15));
  BOOST_TEST(m.recall(1) == 2.0 / 3, tt::tolerance(1e-15));
  // Class 2: 2 right of 3 predicted 2, 2 of 3 truly 2.
  BOOST_TEST(m.precision(2) == 2.0 / 3, tt::tolerance(1e-15));
  BOOST_TEST(m.recall(2) == 2.0 / 3, tt::tolerance(1e-15));
  BOOST_TEST(m.macro_f1() == (3.0 / 4 + 2.0 / 3 + 2.0 / 3) / 3, tt::tolerance(1e-15));

  // Precision and recall apart: class 0 predicted 3 times, right twice; truly 0 five times.
  tn::ConfusionMatrix skewed(2);
  skewed.add(0, 0, 2);
  skewed.add(1, 0);
  skewed.add(0, 1, 3);
  BOOST_TEST(skewed.precision(0) == 2.0 / 3, tt::tolerance(1e-15));
  BOOST_TEST(skewed.recall(0) == 2.0 / 5, tt::tolerance(1e-15));
  BOOST_TEST(skewed.f1(0) == 2 * (2.0 / 3) * (2.0 / 5) / (2.0 / 3 + 2.0 / 5), tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(confusion_matrix_ratios_over_nothing_are_zero) {
  tn::ConfusionMatrix m(3);
  BOOST_TEST(m.accuracy() == 0.0);
  BOOST_TEST(m.precision(1) == 0.0);
  BOOST_TEST(m.recall(1) == 0.0);
  BOOST_TEST(m.f1(1) == 0.0);
  BOOST_TEST(m.macro_f1() == 0.0);
  m.add(0, 2);  // class 2 predicted but never right; class 0 seen but never found
  BOOST_TEST(m.precision(2) == 0.0);
  BOOST_TEST(m.recall(0) == 0.0);
  BOOST_TEST(m.f1(2) == 0.0);
  BOOST_TEST(m.precision(1) == 0.0);  // never predicted
  BOOST_TEST(m.recall(1) == 0.0);     // never seen
}

BOOST_AUTO_TEST_CASE(confusion_matrix_merges_and_resets) {
  tn::ConfusionMatrix a = example(), b(3);
  b.add(1, 1, 5);
  b.add(2, 0);
  a.merge(b);
  BOOST_TEST(a.count(1, 1) == 7u);
  BOOST_TEST(a.count(2, 0) == 2u);
  BOOST_TEST(a.total() == 16u);
  BOOST_TEST(a.correct() == 12u);
  a.reset();
  BOOST_TEST(a.total() == 0u);
  BOOST_TEST(a.classes() == 3u);
  BOOST_TEST(error_of([&] { a.merge(tn::ConfusionMatrix(4)); }) ==
             "ConfusionMatrix: cannot merge a matrix of 4 classes into one of 3");
}

BOOST_AUTO_TEST_CASE(confusion_matrix_refuses_classes_out_of_range) {
  tn::ConfusionMatrix m(3);
  BOOST_TEST(error_of([&] { m.add(3, 0); }) == "ConfusionMatrix: true class 3 is out of range for 3 classes");
  BOOST_TEST(error_of([&] { m.add(0, 7); }) == "ConfusionMatrix: predicted class 7 is out of range for 3 classes");
  BOOST_TEST(error_of([&] { (void)m.recall(5); }) == "ConfusionMatrix: class 5 is out of range for 3 classes");
  BOOST_TEST(error_of([] { tn::ConfusionMatrix none(0); }) == "ConfusionMatrix: needs at least one class");
  BOOST_TEST(m.total() == 0u);  // nothing was counted
}

BOOST_AUTO_TEST_CASE(confusion_matrix_from_a_model_as_documented) {
  struct Net : tn::Sequential<tn::Input<2>, tn::Dense<3>, tn::Softmax> {};
  tn::Model<Net, tn::loss::CrossEntropy, tn::optim::Adam> model({}, 5);
  const tn::data::Dataset<tn::Shape<2>, tn::Shape<3>> test({0, 1, 1, 0, 1, 1, 0.5f, -1, -2, 0.3f},
                                                           {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0});
  tn::ConfusionMatrix m(3);
  for (std::size_t i = 0; i < test.size(); ++i)
    m.add(tn::data::argmax(test.target(i)), model.predict_class(test.input(i)));
  BOOST_TEST(m.total() == test.size());
  BOOST_TEST(m.accuracy() == model.evaluate(test).accuracy, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(top_k_counts_the_true_class_among_the_k_highest) {
  const std::array<float, 5> scores{0.1f, 0.4f, 0.05f, 0.3f, 0.15f};  // ranks: 1, 3, 4, 0, 2
  BOOST_TEST(tn::top_k_correct(scores, 1, 1));
  BOOST_TEST(!tn::top_k_correct(scores, 3, 1));
  BOOST_TEST(tn::top_k_correct(scores, 3, 2));
  BOOST_TEST(!tn::top_k_correct(scores, 4, 2));
  BOOST_TEST(tn::top_k_correct(scores, 4, 3));
  BOOST_TEST(!tn::top_k_correct(scores, 2, 4));
  BOOST_TEST(tn::top_k_correct(scores, 2, 5));
  BOOST_TEST(tn::top_k_correct(scores, 2));  // Keras's default k is 5
  BOOST_TEST(tn::top_k_correct(scores, 2, 99));
  BOOST_TEST(!tn::top_k_correct(scores, 1, 0));  // the top 0 holds nothing
  const std::vector<double> doubles{0.2, 0.7, 0.1};
  BOOST_TEST(tn::top_k_correct(doubles, 0, 2));
  BOOST_TEST(!tn::top_k_correct(doubles, 2, 2));
}

BOOST_AUTO_TEST_CASE(top_k_ties_at_the_boundary_all_count_as_keras_does) {
  // Classes 1, 2 and 3 tie for second place: with k = 2 every one of them is in (tf.math.in_top_k:
  // fewer than k scores strictly higher), so up to 4 classes can be "in the top 2".
  const std::array<float, 5> scores{0.1f, 0.25f, 0.25f, 0.25f, 0.15f};
  BOOST_TEST(tn::top_k_correct(scores, 1, 1));  // tied for first
  BOOST_TEST(tn::top_k_correct(scores, 2, 1));
  BOOST_TEST(tn::top_k_correct(scores, 3, 1));
  BOOST_TEST(!tn::top_k_correct(scores, 4, 1));
  BOOST_TEST(!tn::top_k_correct(scores, 4, 3));  // three scores above it
  BOOST_TEST(tn::top_k_correct(scores, 4, 4));
  const std::array<float, 3> flat{0.5f, 0.5f, 0.5f};
  for (std::size_t c = 0; c < 3; ++c) BOOST_TEST(tn::top_k_correct(flat, c, 1));
}

BOOST_AUTO_TEST_CASE(top_k_is_false_on_non_finite_scores_and_refuses_bad_classes) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  BOOST_TEST(!tn::top_k_correct(std::array<float, 3>{nan, 0.2f, 0.1f}, 1, 3));
  BOOST_TEST(!tn::top_k_correct(std::array<float, 3>{0.3f, nan, 0.1f}, 1, 3));
  BOOST_TEST(!tn::top_k_correct(std::array<float, 3>{0.3f, 0.2f, inf}, 0, 3));
  BOOST_TEST(error_of([] { (void)tn::top_k_correct(std::array<float, 3>{1, 2, 3}, 3, 1); }) ==
             "top_k_correct: true class 3 is out of range for 3 scores");
}
