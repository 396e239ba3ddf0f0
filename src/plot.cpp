// src/plot.cpp: the SVG pictures of train/plot.hpp (training curves, confusion matrix), written atomically.
#include <typenet/train/plot.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <typenet/io/weights.hpp>

#include "file_errors.hpp"

namespace typenet {
namespace {

using detail::fail;

// ---- text --------------------------------------------------------------------------------------

/// `text` as XML character data or an attribute value: markup characters as entities; control
/// characters XML 1.0 forbids and bytes that are not UTF-8 as U+FFFD, so any name gives a
/// well-formed file.
std::string xml(std::string_view text) {
  static constexpr std::string_view replacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](std::size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = byte(i);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: {
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') out += replacement;
          else out += char(c);
        }
      }
      ++i;
      continue;
    }
    // A multi-byte sequence: its length from the lead byte, the range of its second byte from
    // RFC 3629 (no overlong forms, no surrogates, nothing past U+10FFFF).
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) length = 2;
    else if (c == 0xE0) length = 3, low = 0xA0;
    else if (c == 0xED) length = 3, high = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF) length = 3;
    else if (c == 0xF0) length = 4, low = 0x90;
    else if (c == 0xF4) length = 4, high = 0x8F;
    else if (c >= 0xF1 && c <= 0xF3) length = 4;
    bool valid = length > 0 && i + 1 < text.size() && byte(i + 1) >= low && byte(i + 1) <= high;
    for (std::size_t k = 2; valid && k < length; ++k) valid = continuation(i + k);
    // U+FFFE and U+FFFF are not XML characters either.
    if (valid && c == 0xEF && byte(i + 1) == 0xBF && (byte(i + 2) == 0xBE || byte(i + 2) == 0xBF)) valid = false;
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += replacement;
      ++i;
    }
  }
  return out;
}

/// `v` in the shortest form that reads back as the same double.
std::string exact(double v) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, result.ptr);
}

/// `v` with at most `digits` significant digits, as %g would write it (but in any locale).
std::string label(double v, int digits = 6) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::general, digits);
  return std::string(buffer, result.ptr);
}

/// A coordinate, to a hundredth of a pixel.
std::string px(double v) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed, 2);
  std::string text(buffer, result.ptr);
  if (text == "-0.00") text = "0.00";
  return text;
}

std::string svg_open(double width, double height) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
         px(width) + "\" height=\"" + px(height) + "\" viewBox=\"0 0 " + px(width) + " " + px(height) +
         "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
         "<rect x=\"0\" y=\"0\" width=\"" +
         px(width) + "\" height=\"" + px(height) + "\" fill=\"#ffffff\"/>\n";
}

std::string text_element(double x, double y, std::string_view text, std::string_view attributes) {
  return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" " + std::string(attributes) + ">" + xml(text) + "</text>\n";
}

// ---- axes --------------------------------------------------------------------------------------

/// 1, 2 or 5 times a power of ten, near span / parts.
double nice_step(double span, double parts) {
  const double raw = span / parts;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0) * magnitude;
}

/// An axis: its range, and its ticks at multiples of a nice step.
struct Axis {
  double low = 0, high = 1;
  std::vector<double> ticks;
};

/// A value axis holding [low, high], widened to whole steps.
Axis value_axis(double low, double high) {
  if (!(high > low)) {  // one value, or none: give it some room
    const double pad = low != 0 ? std::abs(low) * 0.1 : 0.5;
    low -= pad;
    high += pad;
  }
  const double step = nice_step(high - low, 5);
  const double first = std::floor(low / step + 1e-9), last = std::ceil(high / step - 1e-9);
  Axis axis{first * step, last * step, {}};
  for (double k = first; k <= last + 0.5; ++k) axis.ticks.push_back(std::abs(k) < 0.5 ? 0.0 : k * step);
  return axis;
}

/// An epoch axis over [first, last], with ticks on whole epochs.
Axis epoch_axis(double first, double last) {
  Axis axis{first, last, {}};
  if (!(last > first)) axis = {first - 0.5, first + 0.5, {}};
  const double step = std::max(1.0, std::round(nice_step(axis.high - axis.low, 8)));
  for (double k = std::ceil(axis.low / step); k * step <= axis.high + 1e-9; ++k) axis.ticks.push_back(k * step);
  return axis;
}

// ---- training curves ---------------------------------------------------------------------------

struct Series {
  std::string id;     // loss, val_loss, ...
  bool validation;    // drawn dashed, in the second colour
  std::vector<std::pair<double, double>> points;  // (epoch, value), finite values only
};

constexpr std::string_view training_colour = "#1f77b4", validation_colour = "#ff7f0e";  // matplotlib's first two

Series series(std::string id, const History& history, std::optional<double> EpochLog::*field) {
  const bool validation = id.starts_with("val_");
  Series s{std::move(id), validation, {}};
  for (const EpochLog& log : history.epochs)
    if ((log.*field) && std::isfinite(*(log.*field))) s.points.emplace_back(double(log.epoch), *(log.*field));
  return s;
}

Series series(std::string id, const History& history, double EpochLog::*field) {
  Series s{std::move(id), false, {}};
  for (const EpochLog& log : history.epochs)
    if (std::isfinite(log.*field)) s.points.emplace_back(double(log.epoch), log.*field);
  return s;
}

constexpr double panel_width = 500, figure_height = 440;
constexpr double plot_left = 80, plot_right = 20, plot_top = 90, plot_bottom = 60;

/// One panel, its left edge at x0: frame, grid, ticks, labels, legend and the series.
std::string panel(double x0, std::string_view title, std::string_view y_label, const std::vector<Series>& all) {
  const double left = x0 + plot_left, width = panel_width - plot_left - plot_right;
  const double top = plot_top, height = figure_height - plot_top - plot_bottom, bottom = top + height;

  double first_epoch = 0, last_epoch = 0, low = 0, high = 0;
  bool any = false;
  for (const Series& s : all)
    for (const auto& [epoch, value] : s.points) {
      if (!any) first_epoch = last_epoch = epoch, low = high = value;
      first_epoch = std::min(first_epoch, epoch), last_epoch = std::max(last_epoch, epoch);
      low = std::min(low, value), high = std::max(high, value);
      any = true;
    }
  const Axis x_axis = any ? epoch_axis(first_epoch, last_epoch) : epoch_axis(1, 1);
  const Axis y_axis = any ? value_axis(low, high) : value_axis(0, 1);
  // The axes' ranges map to the frame less an inset, so that no point sits on the frame.
  constexpr double inset = 8;
  const auto x_of = [&](double epoch) {
    return left + inset + (epoch - x_axis.low) / (x_axis.high - x_axis.low) * (width - 2 * inset);
  };
  const auto y_of = [&](double value) {
    return bottom - inset - (value - y_axis.low) / (y_axis.high - y_axis.low) * (height - 2 * inset);
  };

  std::string svg = "<g class=\"panel\" id=\"panel_" + xml(title) + "\">\n";
  svg += text_element(left, top - 44, title, "font-size=\"16\" font-weight=\"bold\"");
  // Grid and y ticks.
  svg += "<g class=\"y-axis\" font-size=\"12\" text-anchor=\"end\">\n";
  for (const double t : y_axis.ticks) {
    const double y = y_of(t);
    svg += "<line x1=\"" + px(left) + "\" y1=\"" + px(y) + "\" x2=\"" + px(left + width) + "\" y2=\"" + px(y) +
           "\" stroke=\"#e0e0e0\" stroke-width=\"1\"/>\n";
    svg += "<line x1=\"" + px(left - 5) + "\" y1=\"" + px(y) + "\" x2=\"" + px(left) + "\" y2=\"" + px(y) +
           "\" stroke=\"#000000\" stroke-width=\"1\"/>\n";
    svg += text_element(left - 8, y + 4, label(t), "");
  }
  svg += "</g>\n";
  svg += "<g class=\"x-axis\" font-size=\"12\" text-anchor=\"middle\">\n";
  for (const double t : x_axis.ticks) {
    const double x = x_of(t);
    svg += "<line x1=\"" + px(x) + "\" y1=\"" + px(bottom) + "\" x2=\"" + px(x) + "\" y2=\"" + px(bottom + 5) +
           "\" stroke=\"#000000\" stroke-width=\"1\"/>\n";
    svg += text_element(x, bottom + 20, label(t), "");
  }
  svg += "</g>\n";
  svg += "<rect class=\"frame\" x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(width) + "\" height=\"" +
         px(height) + "\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1\"/>\n";
  svg += text_element(left + width / 2, bottom + 45, "epoch", "font-size=\"13\" text-anchor=\"middle\"");
  const double y_middle = top + height / 2, y_label_x = x0 + 20;
  svg += text_element(y_label_x, y_middle, y_label,
                      "font-size=\"13\" text-anchor=\"middle\" transform=\"rotate(-90 " + px(y_label_x) + " " +
                          px(y_middle) + ")\"");
  if (!any) svg += text_element(left + width / 2, y_middle, "no data", "font-size=\"14\" text-anchor=\"middle\" fill=\"#808080\"");

  // The series: a polyline each (listing its values), and a marker per point (a single epoch
  // draws no line).
  for (const Series& s : all) {
    if (s.points.empty()) continue;
    const std::string_view colour = s.validation ? validation_colour : training_colour;
    std::string points, epochs, values, listed;
    for (const auto& [epoch, value] : s.points) {
      if (!points.empty()) points += ' ', epochs += ',', values += ',', listed += ", ";
      points += px(x_of(epoch)) + "," + px(y_of(value));
      epochs += exact(epoch);
      values += exact(value);
      listed += label(value, 4);
    }
    svg += "<polyline id=\"" + s.id + "\" class=\"series " + (s.validation ? "validation" : "training") +
           "\" data-epochs=\"" + epochs + "\" data-values=\"" + values + "\" points=\"" + points +
           "\" fill=\"none\" stroke=\"" + std::string(colour) + "\" stroke-width=\"2\"" +
           (s.validation ? " stroke-dasharray=\"6 4\"" : "") + ">\n<title>" + s.id + ": " + listed +
           "</title>\n</polyline>\n";
    svg += "<g class=\"markers\" data-series=\"" + s.id + "\" fill=\"" + std::string(colour) + "\">\n";
    for (const auto& [epoch, value] : s.points)
      svg += "<circle cx=\"" + px(x_of(epoch)) + "\" cy=\"" + px(y_of(value)) + "\" r=\"3\"><title>epoch " +
             exact(epoch) + ": " + s.id + " " + label(value) + "</title></circle>\n";
    svg += "</g>\n";
  }

  // Legend, top right above the plot: one entry per series drawn.
  std::vector<const Series*> drawn;
  for (const Series& s : all)
    if (!s.points.empty()) drawn.push_back(&s);
  svg += "<g class=\"legend\" font-size=\"12\">\n";
  double y = top - 44;
  for (const Series* s : drawn) {
    const std::string_view colour = s->validation ? validation_colour : training_colour;
    const double x = left + width - 110;
    svg += "<line x1=\"" + px(x) + "\" y1=\"" + px(y - 4) + "\" x2=\"" + px(x + 28) + "\" y2=\"" + px(y - 4) +
           "\" stroke=\"" + std::string(colour) + "\" stroke-width=\"2\"" +
           (s->validation ? " stroke-dasharray=\"6 4\"" : "") + "/>\n";
    svg += text_element(x + 36, y, s->validation ? "validation" : "training", "");
    y += 18;
  }
  svg += "</g>\n</g>\n";
  return svg;
}

// ---- confusion matrix --------------------------------------------------------------------------

/// A colour from white (t = 0) through mid blue to dark blue (t = 1): ColorBrewer's Blues.
std::string blue(double t) {
  struct Stop {
    double t, r, g, b;
  };
  static constexpr Stop stops[] = {{0.0, 247, 251, 255}, {0.5, 107, 174, 214}, {1.0, 8, 48, 107}};
  t = std::clamp(t, 0.0, 1.0);
  const Stop& a = t <= 0.5 ? stops[0] : stops[1];
  const Stop& b = t <= 0.5 ? stops[1] : stops[2];
  const double u = (t - a.t) / (b.t - a.t);
  const auto channel = [&](double x, double y) { return int(std::lround(x + (y - x) * u)); };
  char text[8];
  static constexpr char hex[] = "0123456789abcdef";
  const int rgb[3] = {channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b)};
  text[0] = '#';
  for (int i = 0; i < 3; ++i) {
    text[1 + 2 * i] = hex[rgb[i] >> 4];
    text[2 + 2 * i] = hex[rgb[i] & 15];
  }
  return std::string(text, 7);
}

}  // namespace

void write_training_curves_svg(const std::string& path, const History& history) {
  const std::vector<Series> loss{series("loss", history, &EpochLog::loss),
                                 series("val_loss", history, &EpochLog::val_loss)};
  const bool mae = history.metric == Metric::mae;
  const std::string name(metric_name(history.metric));
  const std::vector<Series> metric{series(name, history, mae ? &EpochLog::mae : &EpochLog::accuracy),
                                   series("val_" + name, history, mae ? &EpochLog::val_mae : &EpochLog::val_accuracy)};
  const std::size_t epochs = history.epochs.size();
  const std::string title =
      "Training history: " + std::to_string(epochs) + (epochs == 1 ? " epoch" : " epochs");
  std::string svg = svg_open(2 * panel_width, figure_height);
  svg += "<title>" + xml(title) + "</title>\n";
  svg += text_element(panel_width, 28, title, "font-size=\"18\" font-weight=\"bold\" text-anchor=\"middle\"");
  svg += panel(0, "Loss", "loss", loss);
  svg += panel(panel_width, mae ? "Mean absolute error" : "Accuracy", name, metric);
  svg += "</svg>\n";
  io::write_file_atomically(path, std::span(reinterpret_cast<const unsigned char*>(svg.data()), svg.size()));
}

void write_confusion_matrix_svg(const std::string& path, const ConfusionMatrix& m,
                                std::span<const std::string_view> class_names) {
  const std::size_t n = m.classes();
  if (!class_names.empty() && class_names.size() != n)
    fail(path, "cannot write the confusion matrix: " + std::to_string(class_names.size()) + " class names for " +
                   std::to_string(n) + " classes");
  std::vector<std::string> names(n);
  std::size_t longest = 1;
  for (std::size_t c = 0; c < n; ++c) {
    names[c] = class_names.empty() ? std::to_string(c) : std::string(class_names[c]);
    longest = std::max(longest, names[c].size());
  }

  // Cells of 48 px for up to a dozen classes, smaller beyond; labels sized by the longest name
  // (about 0.6 em per character).
  const double cell = std::clamp(std::floor(600.0 / double(n)), 14.0, 48.0);
  const double count_font = std::max(5.0, std::min(13.0, cell * 0.3));
  const double label_font = std::clamp(cell * 0.45, 8.0, 13.0);
  const double label_width = double(std::min<std::size_t>(longest, 40)) * label_font * 0.55 + 12;
  const double matrix_x = 40 + label_width, matrix_y = 70, side = cell * double(n);
  const double scale_x = matrix_x + side + 30, scale_width = 16;
  const double width = std::max(scale_x + scale_width + 70, 420.0);
  const double height = matrix_y + side + label_width * 0.71 + 44;
  const std::uint64_t most = m.max_count();

  std::string svg = svg_open(width, height);
  char accuracy[32];
  const auto end = std::to_chars(accuracy, accuracy + sizeof accuracy, 100 * m.accuracy(), std::chars_format::fixed, 2);
  const std::string title = "Confusion matrix: " + std::to_string(m.total()) + " samples, accuracy " +
                            std::string(accuracy, end.ptr) + " %";
  svg += "<title>" + xml(title) + "</title>\n";
  svg += text_element(width / 2, 28, title, "font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\"");
  svg += "<defs>\n<linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
  for (const double t : {0.0, 0.5, 1.0})
    svg += "<stop offset=\"" + label(t) + "\" stop-color=\"" + blue(t) + "\"/>\n";
  svg += "</linearGradient>\n</defs>\n";

  svg += "<g class=\"cells\" font-size=\"" + px(count_font) + "\" text-anchor=\"middle\">\n";
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t p = 0; p < n; ++p) {
      const std::uint64_t count = m.count(t, p);
      const double share = most ? double(count) / double(most) : 0.0;
      const double x = matrix_x + cell * double(p), y = matrix_y + cell * double(t);
      svg += "<rect class=\"cell\" x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(cell) + "\" height=\"" +
             px(cell) + "\" fill=\"" + blue(share) + "\" stroke=\"#ffffff\" stroke-width=\"0.5\" data-true=\"" +
             std::to_string(t) + "\" data-predicted=\"" + std::to_string(p) + "\" data-count=\"" +
             std::to_string(count) + "\"><title>true " + xml(names[t]) + ", predicted " + xml(names[p]) + ": " +
             std::to_string(count) + "</title></rect>\n";
      svg += text_element(x + cell / 2, y + cell / 2 + count_font * 0.35, std::to_string(count),
                          std::string("class=\"count\" fill=\"") + (share > 0.5 ? "#ffffff" : "#000000") + "\"");
    }
  svg += "</g>\n";

  // Row labels (true classes) to the left, column labels (predicted) below, slanted.
  svg += "<g class=\"row-labels\" font-size=\"" + px(label_font) + "\" text-anchor=\"end\">\n";
  for (std::size_t t = 0; t < n; ++t)
    svg += text_element(matrix_x - 6, matrix_y + cell * (double(t) + 0.5) + label_font * 0.35, names[t], "");
  svg += "</g>\n";
  svg += "<g class=\"column-labels\" font-size=\"" + px(label_font) + "\" text-anchor=\"end\">\n";
  for (std::size_t p = 0; p < n; ++p) {
    const double x = matrix_x + cell * (double(p) + 0.5) + label_font * 0.35, y = matrix_y + side + 8;
    svg += text_element(x, y, names[p], "transform=\"rotate(-45 " + px(x) + " " + px(y) + ")\"");
  }
  svg += "</g>\n";
  const double true_x = 16, true_y = matrix_y + side / 2;
  svg += text_element(true_x, true_y, "true class",
                      "font-size=\"13\" text-anchor=\"middle\" transform=\"rotate(-90 " + px(true_x) + " " +
                          px(true_y) + ")\"");
  svg += text_element(matrix_x + side / 2, height - 16, "predicted class", "font-size=\"13\" text-anchor=\"middle\"");

  // The colour scale: 0 at the bottom, the largest count at the top.
  svg += "<g class=\"colour-scale\" font-size=\"11\">\n";
  svg += "<rect x=\"" + px(scale_x) + "\" y=\"" + px(matrix_y) + "\" width=\"" + px(scale_width) + "\" height=\"" +
         px(side) + "\" fill=\"url(#scale)\" stroke=\"#000000\" stroke-width=\"0.5\"/>\n";
  svg += text_element(scale_x + scale_width + 4, matrix_y + 10, std::to_string(most), "");
  svg += text_element(scale_x + scale_width + 4, matrix_y + side, "0", "");
  svg += "</g>\n</svg>\n";
  io::write_file_atomically(path, std::span(reinterpret_cast<const unsigned char*>(svg.data()), svg.size()));
}

}  // namespace typenet
