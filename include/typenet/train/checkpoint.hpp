// typenet/train/checkpoint.hpp: TrainingState and the checkpoint file: weights, optimizer state, where a fit is, its callbacks' state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/core/random.hpp>
#include <typenet/io/weights.hpp>
#include <typenet/train/callbacks.hpp>
#include <typenet/train/history.hpp>
#include <typenet/train/weight_file.hpp>

namespace typenet::detail {

/// Where a `fit` is: what a checkpoint holds besides the parameters and optimizer state.
struct TrainingState {
  std::size_t epoch = 0;  ///< epochs done
  std::uint64_t samples = 0;
  std::uint64_t batch_size = 0;
  bool shuffle = true;
  std::uint64_t seed = 0;
  Random shuffler;
  std::vector<std::uint32_t> order;  ///< the training samples in the order of the last epoch
  History history;
  CallbackState callbacks;
};

/// Writes `run` after the optimizer's state (compiled in src/).
void write_training_state(io::ByteWriter& out, const TrainingState& run);
/// Reads what write_training_state wrote, checking it against the fit `expected` (same data
/// size, batch size, shuffling and seed) that asks for `epochs` epochs; fails naming the
/// difference.
TrainingState read_training_state(io::ByteReader& in, const TrainingState& expected, std::size_t epochs);

/// What a checkpoint file holds, read and checked whole.
template <class S>
struct Checkpoint {
  AlignedBuffer<S> params;
  AlignedBuffer<S> state;  ///< the optimizer's slots, each laid out as the parameters
  std::uint64_t iterations = 0;
  TrainingState run;
  AlignedBuffer<S> best;  ///< EarlyStopping's best weights, when it keeps them
};

/// What a checkpoint records of a model besides its network: its loss and optimizer, by name,
/// and how many values per parameter the optimizer keeps.
struct TrainingSetup {
  std::string_view loss;
  std::string_view optimizer;
  std::size_t slots;
};

/// A checkpoint: the weights' body, then the loss, the optimizer (name, step count, state),
/// the TrainingState and EarlyStopping's best weights (`best`, laid out as the parameters, or
/// nullptr); written atomically.
template <class S>
void save_checkpoint(const std::string& path, const NetworkFacts& net, const TrainingSetup& setup, const S* params,
                     const S* state, std::uint64_t iterations, const TrainingState& run, const S* best) {
  io::ByteWriter out;
  write_parameters(out, net, params);
  out.text(setup.loss);
  out.text(setup.optimizer);
  out.u64(iterations);
  out.u32(static_cast<std::uint32_t>(setup.slots));
  for (std::size_t slot = 0; slot < setup.slots; ++slot)
    for_each_tensor(net, state + slot * net.parameter_block,
                    [&](const S* values, std::size_t size) { out.values(values, size); });
  write_training_state(out, run);
  out.u8(best ? 1 : 0);
  if (best) for_each_tensor(net, best, [&](const S* values, std::size_t size) { out.values(values, size); });
  io::save_file(path, io::FileKind::checkpoint, out.bytes());
}

/// Reads the checkpoint at `path` and checks that it belongs to this model (network, loss,
/// optimizer) and to a fit like `expected`; nothing is taken unless all of it is read.
template <class S>
Checkpoint<S> read_checkpoint(const std::string& path, const NetworkFacts& net, const TrainingSetup& setup,
                              const TrainingState& expected, std::size_t epochs) {
  const io::FileContents file = io::load_file(path);
  io::ByteReader in(file.body(), file.name, file.version);
  if (file.kind != io::FileKind::checkpoint) in.fail("holds weights only, not a checkpoint to resume from");
  Checkpoint<S> c;
  c.params.resize(net.parameter_block);
  c.state.resize(setup.slots * net.parameter_block);
  read_parameters(in, net, c.params.data());
  const std::string loss = in.text();
  if (loss != setup.loss)
    in.fail("was written training with loss " + loss + ", this model uses " + std::string(setup.loss));
  const std::string optimizer = in.text();
  if (optimizer != setup.optimizer)
    in.fail("was written training with optimizer " + optimizer + ", this model uses " + std::string(setup.optimizer));
  c.iterations = in.u64();
  if (in.u32() != setup.slots) in.fail("holds optimizer state of the wrong size (corrupt)");
  for (std::size_t slot = 0; slot < setup.slots; ++slot)
    for_each_tensor(net, c.state.data() + slot * net.parameter_block,
                    [&](S* values, std::size_t size) { in.values(values, size); });
  c.run = read_training_state(in, expected, epochs);
  if (in.u8() != 0) {
    c.best.resize(net.parameter_block);
    for_each_tensor(net, c.best.data(), [&](S* values, std::size_t size) { in.values(values, size); });
  }
  if (in.remaining() != 0)
    in.fail("has " + std::to_string(in.remaining()) + " unexpected bytes after the training state (corrupt)");
  return c;
}

// Compiled once, in src/checkpoint.cpp, for the usual scalar types.
extern template void save_checkpoint(const std::string&, const NetworkFacts&, const TrainingSetup&, const float*,
                                     const float*, std::uint64_t, const TrainingState&, const float*);
extern template void save_checkpoint(const std::string&, const NetworkFacts&, const TrainingSetup&, const double*,
                                     const double*, std::uint64_t, const TrainingState&, const double*);
extern template Checkpoint<float> read_checkpoint(const std::string&, const NetworkFacts&, const TrainingSetup&,
                                                  const TrainingState&, std::size_t);
extern template Checkpoint<double> read_checkpoint(const std::string&, const NetworkFacts&, const TrainingSetup&,
                                                   const TrainingState&, std::size_t);

}  // namespace typenet::detail
