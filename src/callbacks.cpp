// src/callbacks.cpp: the epoch-end rules of EarlyStopping, ModelCheckpoint and ReduceLROnPlateau, and their checkpoint records.
#include <typenet/train/callbacks.hpp>

#include <typenet/io/weights.hpp>

namespace typenet::detail {

EarlyStoppingState::Verdict EarlyStoppingState::on_epoch_end(const EarlyStopping& options, const EpochLog& log) {
  if (log.epoch <= options.start_from_epoch) return Verdict::go_on;
  const double value = options.monitor.value(log);
  if (options.monitor.improves(value, best)) {
    best = value;
    wait = 0;
    best_epoch = log.epoch;
    return Verdict::improved;
  }
  return ++wait >= options.patience ? Verdict::stop : Verdict::go_on;
}

bool ModelCheckpointState::on_epoch_end(const ModelCheckpoint& options, const EpochLog& log) {
  const double value = options.monitor.value(log);
  if (options.save_best_only && !options.monitor.improves(value, best)) return false;
  if (options.save_best_only) best = value;
  return true;
}

bool ReduceLROnPlateauState::on_epoch_end(const ReduceLROnPlateau& options, const EpochLog& log, double current_rate) {
  const double value = options.monitor.value(log);
  if (cooldown > 0) {
    --cooldown;
    wait = 0;
  }
  if (options.monitor.improves(value, best)) {
    best = value;
    wait = 0;
  } else if (cooldown == 0 && ++wait >= options.patience) {
    if (current_rate > options.min_lr) {
      lr_factor *= options.factor;
      cooldown = options.cooldown;
      wait = 0;
      return true;
    }
  }
  return false;
}

void CallbackState::write(io::ByteWriter& out) const {
  out.f64(early.best);
  out.u64(early.wait);
  out.u64(early.best_epoch);
  out.f64(save.best);
  out.f64(plateau.best);
  out.u64(plateau.wait);
  out.u64(plateau.cooldown);
  out.f64(plateau.lr_factor);
}

CallbackState CallbackState::read(io::ByteReader& in) {
  CallbackState c;
  c.early.best = in.f64();
  c.early.wait = in.u64();
  c.early.best_epoch = in.u64();
  c.save.best = in.f64();
  c.plateau.best = in.f64();
  c.plateau.wait = in.u64();
  c.plateau.cooldown = in.u64();
  c.plateau.lr_factor = in.f64();
  return c;
}

}  // namespace typenet::detail
