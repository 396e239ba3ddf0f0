// src/history.cpp: History::csv and write_history_csv, Keras's CSVLogger.
#include <typenet/train/history.hpp>

#include <cstdio>
#include <span>
#include <string>

#include <typenet/io/weights.hpp>

namespace typenet {
namespace {

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", v);
  return text;
}

}  // namespace

std::string History::csv() const {
  const std::string name(metric_name(metric));
  const auto field = [](const std::optional<double>& v) { return v ? number(*v) : std::string(); };
  std::string text = "epoch,loss," + name + ",val_loss,val_" + name + ",learning_rate,seconds\n";
  for (const EpochLog& log : epochs) {
    text += std::to_string(log.epoch) + ',' + number(log.loss) + ',' + field(log.figure(metric)) + ',' +
            field(log.val_loss) + ',' + field(log.val_figure(metric)) + ',' +
            number(log.learning_rate) + ',' + number(log.seconds) + '\n';
  }
  return text;
}

void write_history_csv(const std::string& path, const History& history) {
  const std::string text = history.csv();
  io::write_file_atomically(path, std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
}

}  // namespace typenet
