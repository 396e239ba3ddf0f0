// src/progress.cpp: the Keras-style training log behind Progress.
#include <typenet/train/progress.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ostream>
#include <string_view>

namespace typenet {

namespace {
constexpr int bar_width = 30;

double now_seconds() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

/// "12s 6ms/step", as Keras writes the time an epoch took.
int format_time(char* at, std::size_t room, double seconds, std::size_t steps) {
  const double per_step = steps ? seconds / double(steps) : 0.0;
  if (per_step >= 1.0) return std::snprintf(at, room, "%.0fs %.0fs/step", seconds, per_step);
  if (per_step >= 1e-3) return std::snprintf(at, room, "%.0fs %.0fms/step", seconds, per_step * 1e3);
  return std::snprintf(at, room, "%.0fs %.0fus/step", seconds, per_step * 1e6);
}
}  // namespace

Progress::Progress(std::ostream& out, std::size_t epochs, std::size_t steps, bool live, Metric metric)
    : out_(out), epochs_(epochs), steps_(steps), live_(live), metric_(metric) {}

void Progress::begin_epoch(std::size_t epoch) {
  char line[64];
  const int n = std::snprintf(line, sizeof line, "Epoch %zu/%zu\n", epoch, epochs_);
  out_.write(line, n);
  out_.flush();
  epoch_start_ = last_draw_ = now_seconds();
}

void Progress::step(std::size_t done, double loss, double figure) {
  if (!live_ || done == steps_) return;
  const double now = now_seconds();
  if (now - last_draw_ < 0.1) return;
  last_draw_ = now;
  write_line(done, loss, figure, nullptr, false);
}

void Progress::end_epoch(const EpochLog& log) {
  write_line(steps_, log.loss, log.figure(metric_).value_or(0.0), &log, true);
}

void Progress::write_line(std::size_t done, double loss, double figure, const EpochLog* log, bool final) {
  char line[512];
  std::size_t n = 0;
  const auto room = [&] { return n < sizeof line ? sizeof line - n : 0; };
  const auto add = [&](int written) { n = std::min(sizeof line - 1, n + std::size_t(written > 0 ? written : 0)); };
  if (live_) add(std::snprintf(line + n, room(), "\r"));
  const int digits = std::snprintf(nullptr, 0, "%zu", steps_);
  add(std::snprintf(line + n, room(), "%*zu/%zu [", digits, done, steps_));
  const int filled = steps_ ? int(double(bar_width) * double(done) / double(steps_)) : bar_width;
  for (int i = 0; i < bar_width && n + 1 < sizeof line; ++i)
    line[n++] = i < filled ? '=' : (i == filled ? '>' : '.');
  add(std::snprintf(line + n, room(), "] - "));
  const double seconds = now_seconds() - epoch_start_;
  if (final) {
    add(format_time(line + n, room(), log ? log->seconds : seconds, steps_));
  } else {
    const double eta = done ? seconds / double(done) * double(steps_ - done) : 0.0;
    add(std::snprintf(line + n, room(), "ETA: %.0fs", eta));
  }
  const std::string_view name = metric_name(metric_);
  const int length = int(name.size());
  add(std::snprintf(line + n, room(), " - loss: %.4f - %.*s: %.4f", loss, length, name.data(), figure));
  if (log && log->val_loss) {
    add(std::snprintf(line + n, room(), " - val_loss: %.4f - val_%.*s: %.4f", *log->val_loss, length, name.data(),
                      log->val_figure(metric_).value_or(0.0)));
  }
  if (final) add(std::snprintf(line + n, room(), "\n"));
  out_.write(line, std::streamsize(n));
  out_.flush();
}

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

}  // namespace typenet
