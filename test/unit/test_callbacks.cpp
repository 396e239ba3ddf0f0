// fit's Keras-style training loop: validation_split, EarlyStopping (with restored best weights),
// ModelCheckpoint, ReduceLROnPlateau, the CSV log, a user's callback, and their state across a
// checkpoint and resume.
#define BOOST_TEST_MODULE callbacks
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <typenet/typenet.hpp>

#include "temp_directory.hpp"
#include "weights_child.hpp"

namespace tn = typenet;
namespace fs = std::filesystem;
using tn::Shape;
using tn::testing::quarters;
using Data = tn::data::Dataset<Shape<32>, Shape<4>>;
using M = tn::testing::SmallModel;

namespace {

std::vector<float> parameters_of(const M& model) { return {model.parameters().begin(), model.parameters().end()}; }

tn::FitOptions<Data> quiet(std::size_t epochs) {
  return {.epochs = epochs, .batch_size = 16, .seed = 2, .verbose = false};
}

/// A monitor that never sees an improvement after the first epoch.
tn::Monitor never_improves() { return {.name = "loss", .mode = "min", .min_delta = 1e9}; }

}  // namespace

BOOST_AUTO_TEST_CASE(validation_split_takes_the_last_samples) {
  const Data data = quarters(200, 1);
  M split({}, 3), explicit_model({}, 3);
  auto options = quiet(2);
  options.validation_split = 0.25;
  const auto history = split.fit(data, options);
  const Data validation = data.slice(150, 200);
  auto reference = quiet(2);
  reference.validation = &validation;
  const auto expected = explicit_model.fit(data.slice(0, 150), reference);
  BOOST_TEST((parameters_of(split) == parameters_of(explicit_model)));
  BOOST_REQUIRE(history.epochs.back().val_loss.has_value());
  BOOST_TEST(*history.epochs.back().val_loss == *expected.epochs.back().val_loss);
  BOOST_TEST(*history.epochs.back().val_loss == split.evaluate(validation).loss);

  options.validation = &validation;
  BOOST_CHECK_THROW(split.fit(data, options), tn::Error);  // both
  auto extreme = quiet(1);
  extreme.validation_split = 0.999;
  try {
    split.fit(data.slice(0, 10), extreme);
    BOOST_ERROR("a split leaving no training samples was accepted");
  } catch (const tn::Error& e) {
    BOOST_TEST(std::string(e.what()).find("leaves no training samples out of 10") != std::string::npos, e.what());
  }
  extreme.validation_split = 1.5;
  BOOST_CHECK_THROW(split.fit(data, extreme), tn::Error);
}

BOOST_AUTO_TEST_CASE(early_stopping_stops_and_restores_the_best_weights) {
  const Data data = quarters(200, 1);
  M model({}, 3);
  auto options = quiet(10);
  options.early_stopping = tn::EarlyStopping{.monitor = never_improves(), .patience = 2, .restore_best_weights = true};
  const auto history = model.fit(data, options);
  BOOST_TEST(history.epochs.size() == 3u);
  BOOST_TEST(history.stopped_epoch == 3u);
  BOOST_TEST(history.best_epoch == 1u);
  M one_epoch({}, 3);
  one_epoch.fit(data, quiet(1));
  BOOST_TEST((parameters_of(model) == parameters_of(one_epoch)), "the weights are not those of epoch 1");

  // Without restoring, the model keeps its last weights; a monitor of validation figures
  // needs validation data.
  M last({}, 3), three({}, 3);
  options.early_stopping->restore_best_weights = false;
  last.fit(data, options);
  three.fit(data, quiet(3));
  BOOST_TEST((parameters_of(last) == parameters_of(three)));
  options.early_stopping->monitor = {.name = "val_loss"};
  BOOST_CHECK_THROW(last.fit(data, options), tn::Error);
  options.early_stopping->monitor = {.name = "val_lost"};
  options.validation_split = 0.2;
  BOOST_CHECK_THROW(last.fit(data, options), tn::Error);
}

BOOST_AUTO_TEST_CASE(model_checkpoint_keeps_the_best_epoch) {
  const Data data = quarters(200, 1);
  const tn::test::TempDirectory dir("callbacks");
  const std::string path = dir.file("best.tnw");
  M model({}, 3);
  auto options = quiet(4);
  // "Best" is the highest training loss: epoch 1's.
  options.model_checkpoint = tn::ModelCheckpoint{.path = path, .monitor = {.name = "loss", .mode = "max"}};
  const auto history = model.fit(data, options);
  BOOST_TEST(history.epochs[0].loss > history.epochs[3].loss);
  M loaded({}, 9), one_epoch({}, 3);
  loaded.load(path);
  one_epoch.fit(data, quiet(1));
  BOOST_TEST((parameters_of(loaded) == parameters_of(one_epoch)));
}

BOOST_AUTO_TEST_CASE(reduce_lr_on_plateau_scales_the_rate) {
  const Data data = quarters(100, 1);
  M model({.learning_rate = 1e-3f}, 3);
  auto options = quiet(5);
  options.reduce_lr_on_plateau =
      tn::ReduceLROnPlateau{.monitor = never_improves(), .factor = 0.1, .patience = 1, .min_lr = 2e-5};
  std::ostringstream log;
  options.verbose = true;
  options.live_progress = false;
  options.out = &log;
  const auto history = model.fit(data, options);
  const std::vector<double> expected{1e-3, 1e-3, 1e-4, 2e-5, 2e-5};
  for (std::size_t e = 0; e < 5; ++e)
    BOOST_TEST(history.epochs[e].learning_rate == expected[e], boost::test_tools::tolerance(1e-6));
  BOOST_TEST(log.str().find("Epoch 2: ReduceLROnPlateau reducing learning rate to 0.0001") != std::string::npos, log.str());

  // With a schedule, the factor scales the schedule's rate.
  M scheduled({}, 3);
  auto with_schedule = quiet(3);
  with_schedule.learning_rate = [](std::size_t) { return 0.5; };
  with_schedule.reduce_lr_on_plateau = tn::ReduceLROnPlateau{.monitor = never_improves(), .factor = 0.5, .patience = 1};
  const auto scaled = scheduled.fit(data, with_schedule);
  BOOST_TEST(scaled.epochs[2].learning_rate == 0.25, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(csv_log_and_user_callback_see_every_epoch) {
  const Data data = quarters(100, 1);
  const tn::test::TempDirectory dir("callbacks");
  const std::string path = dir.file("history.csv");
  M model({}, 3);
  auto options = quiet(3);
  options.validation_split = 0.2;
  options.csv_log = path;
  std::vector<std::size_t> seen;
  options.on_epoch_end = [&](const tn::EpochLog& log) { seen.push_back(log.epoch); };
  const auto history = model.fit(data, options);
  BOOST_TEST((seen == std::vector<std::size_t>{1, 2, 3}));
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  BOOST_TEST(line == "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds");
  for (const auto& log : history.epochs) {
    BOOST_REQUIRE(std::getline(in, line));
    std::istringstream row(line);
    std::string field;
    std::vector<double> values;
    while (std::getline(row, field, ',')) values.push_back(std::stod(field));
    BOOST_REQUIRE(values.size() == 7u);
    BOOST_TEST(values[0] == double(log.epoch));
    BOOST_TEST(values[1] == log.loss, boost::test_tools::tolerance(1e-8));
    BOOST_TEST(values[4] == *log.val_accuracy, boost::test_tools::tolerance(1e-8));
  }
  BOOST_TEST(!std::getline(in, line));
  BOOST_TEST(history.csv().find("\n3,") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(callbacks_resume_bitwise_from_a_checkpoint) {
  const Data data = quarters(200, 1);
  const tn::test::TempDirectory dir("callbacks");
  const std::string path = dir.file("run.tnc");
  auto options = quiet(6);
  options.reduce_lr_on_plateau = tn::ReduceLROnPlateau{.monitor = never_improves(), .factor = 0.5, .patience = 1};
  options.early_stopping = tn::EarlyStopping{.monitor = {.name = "loss", .min_delta = 1e-9}, .patience = 3,
                                             .restore_best_weights = true};
  M straight({}, 3);
  const auto full = straight.fit(data, options);

  options.checkpoint = path;
  options.resume = true;
  options.epochs = 3;
  M first({}, 3);
  first.fit(data, options);
  options.epochs = 6;
  M second({}, 8);
  const auto resumed = second.fit(data, options);
  BOOST_TEST(resumed.resumed_after == 3u);
  BOOST_TEST((parameters_of(second) == parameters_of(straight)));
  BOOST_REQUIRE(resumed.epochs.size() == full.epochs.size());
  for (std::size_t e = 0; e < full.epochs.size(); ++e)
    BOOST_TEST(resumed.epochs[e].learning_rate == full.epochs[e].learning_rate);
}

// Every file fit will write is checked before the first epoch: a path it cannot write stops the
// fit at once, naming the path, with the model untouched and no epoch run.
BOOST_AUTO_TEST_CASE(unwritable_output_paths_fail_before_training) {
  const Data data = quarters(64, 1);
  const tn::test::TempDirectory dir("callbacks");
  const std::string missing = dir.file("no-such-directory") + "/out";
  M model({}, 3);
  const std::vector<float> before = parameters_of(model);
  std::size_t epochs_run = 0;
  const auto attempt = [&](auto set, const std::string& expected) {
    auto options = quiet(2);
    options.on_epoch_end = [&](const tn::EpochLog&) { ++epochs_run; };
    set(options);
    try {
      model.fit(data, options);
      BOOST_ERROR("fit accepted an unwritable path: " + expected);
    } catch (const tn::Error& error) {
      BOOST_TEST(std::string(error.what()).find(expected) != std::string::npos, error.what());
    }
  };
  attempt([&](auto& o) { o.csv_log = missing + ".csv"; },
          "cannot write the CSV log " + missing + ".csv: the directory " + dir.file("no-such-directory") +
              " does not exist");
  attempt([&](auto& o) { o.checkpoint = missing + ".tnc"; }, "cannot write the checkpoint " + missing + ".tnc");
  attempt(
      [&](auto& o) { o.model_checkpoint = tn::ModelCheckpoint{.path = missing + ".tnw", .monitor = {.name = "loss"}}; },
      "cannot write the ModelCheckpoint file " + missing + ".tnw");
  attempt([&](auto& o) { o.csv_log = dir.file(""); }, "is a directory");
  BOOST_TEST(epochs_run == 0u);
  BOOST_TEST((parameters_of(model) == before));
}

// History::best_epoch is defined for every fit: early stopping's best when it watches (stopping
// or not), else the epoch with the lowest val_loss, else the lowest loss; epochs count from 1.
BOOST_AUTO_TEST_CASE(best_epoch_is_always_defined) {
  const Data data = quarters(120, 1);
  const auto lowest = [](const tn::History& h, auto figure) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < h.epochs.size(); ++i)
      if (figure(h.epochs[i]) < figure(h.epochs[best])) best = i;
    return h.epochs[best].epoch;
  };
  M plain({}, 3);
  const auto by_loss = plain.fit(data, quiet(4));
  BOOST_TEST(by_loss.stopped_epoch == 0u);
  BOOST_TEST(by_loss.best_epoch >= 1u);
  BOOST_TEST(by_loss.best_epoch == lowest(by_loss, [](const tn::EpochLog& l) { return l.loss; }));

  M validated({}, 3);
  auto options = quiet(4);
  options.validation_split = 0.25;
  const auto by_val = validated.fit(data, options);
  BOOST_TEST(by_val.best_epoch == lowest(by_val, [](const tn::EpochLog& l) { return *l.val_loss; }));

  M watched({}, 3);
  auto early = quiet(4);
  early.early_stopping = tn::EarlyStopping{.monitor = {.name = "loss", .mode = "max"}, .patience = 10};
  const auto by_monitor = watched.fit(data, early);  // never stops: patience outlasts the run
  BOOST_TEST(by_monitor.stopped_epoch == 0u);
  BOOST_TEST(by_monitor.best_epoch == lowest(by_monitor, [](const tn::EpochLog& l) { return -l.loss; }));
}

// The figure beside the loss is the loss's own metric: a regression (MeanSquaredError) logs the
// mean absolute error, never an "accuracy"; FitOptions::metric chooses accuracy instead. The log
// line, the CSV columns, the monitors and the checkpoint all follow it.
namespace {
struct Regression : tn::Sequential<tn::Input<3>, tn::Dense<8, tn::Tanh>, tn::Dense<1>> {};
using RegressionData = tn::data::Dataset<Shape<3>, Shape<1>>;
using RegressionModel = tn::Model<Regression, tn::loss::MeanSquaredError, tn::optim::Adam>;

RegressionData line_data(std::size_t n) {
  std::vector<float> x, t;
  for (std::size_t i = 0; i < n; ++i) {
    const float a = float(i % 7) / 7, b = float(i % 5) / 5, c = float(i % 3) / 3;
    x.insert(x.end(), {a, b, c});
    t.push_back(0.5f * a - b + 0.25f * c);
  }
  return RegressionData(std::move(x), std::move(t));
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_regression_logs_its_mean_absolute_error) {
  static_assert(RegressionModel::default_metric == tn::Metric::mae);
  static_assert(M::default_metric == tn::Metric::accuracy);
  const RegressionData data = line_data(120);
  const tn::test::TempDirectory dir("metric");
  RegressionModel model({}, 3);
  std::ostringstream out;
  const auto history = model.fit(data, {.epochs = 2, .batch_size = 20, .validation = &data, .verbose = true,
                                        .live_progress = false, .out = &out, .csv_log = dir.file("log.csv")});
  BOOST_TEST((history.metric == tn::Metric::mae));
  for (const auto& log : history.epochs) {
    BOOST_TEST(!log.accuracy.has_value());
    BOOST_TEST(!log.val_accuracy.has_value());
    BOOST_REQUIRE(log.mae.has_value());
    BOOST_REQUIRE(log.val_mae.has_value());
    BOOST_TEST(*log.mae > 0.0);
  }
  // val_mae is evaluate's mae, which is mean |y - t| over the samples.
  const tn::Score score = model.evaluate(data);
  double sum = 0;
  for (std::size_t i = 0; i < data.size(); ++i) sum += std::abs(model.predict(data.input(i))[0] - data.target(i)[0]);
  BOOST_TEST(score.mae == sum / double(data.size()), boost::test_tools::tolerance(1e-6));
  BOOST_TEST(*history.epochs.back().val_mae == score.mae);
  const std::string text = out.str();
  BOOST_TEST(text.find(" - mae: ") != std::string::npos, text);
  BOOST_TEST(text.find(" - val_mae: ") != std::string::npos, text);
  BOOST_TEST(text.find("accuracy") == std::string::npos, text);
  std::ifstream in(dir.file("log.csv"));
  std::string header;
  std::getline(in, header);
  BOOST_TEST(header == "epoch,loss,mae,val_loss,val_mae,learning_rate,seconds");

  // Monitoring a figure the fit does not log is refused before training, naming what it logs.
  RegressionModel other({}, 3);
  try {
    other.fit(data, {.epochs = 1, .verbose = false,
                     .early_stopping = tn::EarlyStopping{.monitor = {.name = "accuracy"}}});
    BOOST_ERROR("a monitor of accuracy was accepted for a fit that logs mae");
  } catch (const tn::Error& e) {
    BOOST_TEST(std::string(e.what()).find("early_stopping monitors accuracy, but this fit logs mae") != std::string::npos,
               e.what());
  }
  // ... and a monitor of mae works, lower being better.
  const auto watched = other.fit(data, {.epochs = 3, .verbose = false,
                                        .early_stopping = tn::EarlyStopping{.monitor = {.name = "mae"}, .patience = 5}});
  BOOST_TEST(watched.best_epoch >= 1u);
}

BOOST_AUTO_TEST_CASE(fit_options_metric_chooses_accuracy_for_a_regression_loss) {
  // A one-output network trained with MSE on 0/1 targets: accuracy at 0.5, when asked for.
  const RegressionData data = line_data(60);
  RegressionModel model({}, 4);
  const auto history = model.fit(data, {.epochs = 1, .batch_size = 10, .verbose = false, .metric = tn::Metric::accuracy});
  BOOST_TEST((history.metric == tn::Metric::accuracy));
  BOOST_REQUIRE(history.epochs.at(0).accuracy.has_value());
  BOOST_TEST(!history.epochs.at(0).mae.has_value());
  BOOST_TEST(*history.epochs.at(0).accuracy >= 0.0);
  BOOST_TEST(*history.epochs.at(0).accuracy <= 1.0);
  // A classifier may log mae as well: the mean |p - t| over its softmax outputs.
  const Data classes = quarters(64, 1);
  M classifier({}, 3);
  const auto logged = classifier.fit(classes, {.epochs = 1, .batch_size = 16, .verbose = false, .metric = tn::Metric::mae});
  BOOST_REQUIRE(logged.epochs.at(0).mae.has_value());
  BOOST_TEST(*logged.epochs.at(0).mae > 0.0);
  BOOST_TEST(*logged.epochs.at(0).mae < 1.0);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_resumes_only_with_the_metric_it_logged) {
  const RegressionData data = line_data(60);
  const tn::test::TempDirectory dir("metric");
  const std::string path = dir.file("run.tnc");
  tn::FitOptions<RegressionData> options{.epochs = 2, .batch_size = 10, .verbose = false, .checkpoint = path,
                                         .resume = true};
  RegressionModel straight({}, 5), first({}, 5), second({}, 5);
  const auto full = straight.fit(data, {.epochs = 4, .batch_size = 10, .verbose = false});
  first.fit(data, options);
  options.epochs = 4;
  const auto resumed = second.fit(data, options);
  BOOST_TEST(resumed.resumed_after == 2u);
  BOOST_REQUIRE(resumed.epochs.size() == 4u);
  for (std::size_t e = 0; e < 4; ++e) BOOST_TEST(*resumed.epochs[e].mae == *full.epochs[e].mae);
  // The same checkpoint, resumed by a fit that logs accuracy: refused, saying why.
  RegressionModel third({}, 5);
  options.epochs = 5;
  options.metric = tn::Metric::accuracy;
  try {
    third.fit(data, options);
    BOOST_ERROR("a checkpoint of a fit that logged mae was resumed by one that logs accuracy");
  } catch (const tn::Error& e) {
    BOOST_TEST(std::string(e.what()).find("logged mae, this one logs accuracy") != std::string::npos, e.what());
  }
}
