// src/checkpoint.cpp: a checkpoint's training state (where a fit is), written and read.
#include <typenet/train/checkpoint.hpp>

namespace typenet::detail {

void write_training_state(io::ByteWriter& out, const TrainingState& run) {
  out.u64(run.epoch);
  out.u64(run.samples);
  out.u64(run.batch_size);
  out.u8(run.shuffle ? 1 : 0);
  out.u64(run.seed);
  for (const std::uint64_t word : run.shuffler.state_) out.u64(word);
  out.u64(run.order.size());
  for (const std::uint32_t index : run.order) out.u32(index);
  out.u64(run.history.epochs.size());
  // The metric's figures sit where accuracy's always did; flag 4 says they are mae.
  const bool mae = run.history.metric == Metric::mae;
  for (const EpochLog& log : run.history.epochs) {
    const std::optional<double>& figure = log.figure(run.history.metric);
    const std::optional<double>& val_figure = log.val_figure(run.history.metric);
    out.u64(log.epoch);
    out.f64(log.loss);
    out.f64(figure.value_or(0.0));
    out.u8((log.val_loss ? 1 : 0) | (val_figure ? 2 : 0) | (mae ? 4 : 0));
    out.f64(log.val_loss.value_or(0.0));
    out.f64(val_figure.value_or(0.0));
    out.f64(log.learning_rate);
    out.f64(log.seconds);
  }
  run.callbacks.write(out);
}

TrainingState read_training_state(io::ByteReader& in, const TrainingState& expected, std::size_t epochs) {
  TrainingState saved;
  saved.epoch = in.u64();
  saved.samples = in.u64();
  saved.batch_size = in.u64();
  saved.shuffle = in.u8() != 0;
  saved.seed = in.u64();
  for (std::uint64_t& word : saved.shuffler.state_) word = in.u64();
  const auto differs = [&](const char* what, std::uint64_t then, std::uint64_t now) {
    if (then != now)
      in.fail(std::string("was written by a fit with ") + what + " " + std::to_string(then) + ", this one has " +
              std::to_string(now) + ": resume with the same data and options");
  };
  differs("training samples", saved.samples, expected.samples);
  differs("batch_size", saved.batch_size, expected.batch_size);
  differs("shuffle", saved.shuffle, expected.shuffle);
  differs("seed", saved.seed, expected.seed);
  if (saved.epoch > epochs)
    in.fail("is at epoch " + std::to_string(saved.epoch) + ", beyond the " + std::to_string(epochs) +
            " epochs this fit asks for");
  const std::uint64_t order = in.count(4, "sample indices");
  if (order != expected.samples) in.fail("holds a sample order of the wrong length (corrupt)");
  saved.order.resize(order);
  std::vector<bool> seen(order, false);
  for (std::uint32_t& index : saved.order) {
    index = in.u32();
    if (index >= order || seen[index]) in.fail("holds a sample order that is not a permutation (corrupt)");
    seen[index] = true;
  }
  const std::uint64_t logs = in.count(8 * 7 + 1, "epoch logs");
  saved.history.metric = expected.history.metric;
  const bool mae = expected.history.metric == Metric::mae;
  for (std::uint64_t i = 0; i < logs; ++i) {
    EpochLog log;
    log.epoch = in.u64();
    log.loss = in.f64();
    const double figure = in.f64();
    const std::uint8_t has = in.u8();
    if (has > 7) in.fail("holds an epoch log with unknown flags (corrupt)");
    if (bool(has & 4) != mae)
      in.fail(std::string("was written by a fit that logged ") + (mae ? "accuracy" : "mae") + ", this one logs " +
              (mae ? "mae" : "accuracy") + ": resume with the same FitOptions::metric");
    const double val_loss = in.f64();
    const double val_figure = in.f64();
    log.figure(saved.history.metric) = figure;
    if (has & 1) log.val_loss = val_loss;
    if (has & 2) log.val_figure(saved.history.metric) = val_figure;
    log.learning_rate = in.f64();
    log.seconds = in.f64();
    saved.history.epochs.push_back(log);
  }
  saved.callbacks = CallbackState::read(in);
  return saved;
}

template void save_checkpoint(const std::string&, const NetworkFacts&, const TrainingSetup&, const float*, const float*,
                              std::uint64_t, const TrainingState&, const float*);
template void save_checkpoint(const std::string&, const NetworkFacts&, const TrainingSetup&, const double*,
                              const double*, std::uint64_t, const TrainingState&, const double*);
template Checkpoint<float> read_checkpoint(const std::string&, const NetworkFacts&, const TrainingSetup&,
                                           const TrainingState&, std::size_t);
template Checkpoint<double> read_checkpoint(const std::string&, const NetworkFacts&, const TrainingSetup&,
                                            const TrainingState&, std::size_t);

}  // namespace typenet::detail
