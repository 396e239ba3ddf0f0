// examples/amp_model.cpp: a neural amp model, GRU(1 -> 16) -> Dense(1), learns a known distortion.
//
// The way neural amp models are trained (a second of guitar through the amp, the network taught
// to give the amp's output from its input), on data this program makes itself, so that the
// answer is known. bench/amp_reference.py makes the same data by the same formulas (both print
// the sums below to 17 digits) and trains the same network in PyTorch.
//
// The signal, at 48 kHz, in double: one second is 10 passages of 4,800 samples; passage p is
//   p mod 5 = 0: a tone, (sin θ + sin 2θ / 2 + sin 3θ / 4) / 1.75, θ = 2π f_a t + φ
//             1: a linear chirp, sin(2π (f_a t + (f_b - f_a) t^2 / 2T) + φ)
//             2: an exponential chirp, sin(2π f_a T / ln k (e^(t ln k / T) - 1) + φ), k = f_b / f_a
//             3: white noise, uniform in [-1, 1)
//             4: the tone at 0.8 plus the noise at 0.2
// (t the time from the passage's start, T = 0.1 s its length) times an envelope: a level going
// in a straight line from l_a to l_b across the passage (each log-uniform in [0.03, 1], -30 dB
// to 0 dB, so there are quiet and loud passages), faded in and out over 240 samples (5 ms).
// f_a and f_b are log-uniform in [60, 6000] Hz and φ uniform in [0, 2π); each passage draws
// l_a, l_b, f_a, f_b, φ in that order, then a noise sample per step where it has noise, all from
// one splitmix64 stream (u = (next >> 11) 2^-53) seeded 1 for the training second, 2 for the
// evaluation one.
//
// The effect, an amp reduced to its bones, in double:
//   h[n] = a_h (h[n-1] + x[n] - x[n-1]),    a_h = e^(-2π 40 / 48000)    input coupling: high-pass at 40 Hz
//   w[n] = tanh(4 h[n] + 0.3) - tanh(0.3)                                 drive, asymmetric clipping, no DC
//   y[n] = (1 - a_l) w[n] + a_l y[n-1],     a_l = e^(-2π 4000 / 48000)  speaker: low-pass at 4 kHz
//
// Training: the training second cut into 40 segments of 1,200 samples, 4 segments a batch, Adam
// (learning rate 4e-3), the segments' order drawn each epoch from a splitmix64 stream seeded
// with --seed; the loss is the mean squared error over each segment's steps after its first 200,
// while the GRU, started from zero, settles into the state the amp's filters carry in.
// Evaluation: each second streamed through tn::Stream sample by sample, as a plug-in runs it, and
// its error-to-signal ratio, ESR = sum (y - ŷ)^2 / sum y^2, beside a straight wire's (ŷ = g x,
// g the least-squares gain).
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <numbers>
#include <string_view>
#include <utility>
#include <vector>

#include <typenet/infer.hpp>
#include <typenet/typenet.hpp>

#include "options.hpp"

namespace tn = typenet;

constexpr std::size_t sample_rate = 48'000, passages = 10, passage_length = 4'800, fade = 240;
constexpr std::size_t steps = 1'200, warmup = 200, segments = sample_rate / steps;
constexpr double drive = 4.0, bias = 0.3, coupling_hz = 40.0, speaker_hz = 4'000.0;
constexpr float learning_rate = 4e-3f;

// The network: a per-step Dense is a Conv1D of one step (Dense needs a vector).
struct Amp : tn::Sequential<tn::Input<steps, 1>, tn::GRU<16, tn::Return::sequences>, tn::Conv1D<1, 1>> {};
static_assert(Amp::parameter_count == 3 * (1 * 16 + 16 * 16 + 2 * 16) + 16 + 1);  // 929

/// splitmix64 (Steele, Lea and Flood), written out so that Python gives the same numbers.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  std::uint64_t state_;
};

/// One second of the test signal (the file's opening comment has the formulas).
std::vector<double> make_signal(std::uint64_t seed) {
  constexpr double two_pi = 2 * std::numbers::pi;
  const double length = double(passage_length) / double(sample_rate);
  SplitMix random(seed);
  std::vector<double> x;
  x.reserve(passages * passage_length);
  for (std::size_t p = 0; p < passages; ++p) {
    const std::size_t kind = p % 5;
    const double level_a = 0.03 * std::pow(1 / 0.03, random.uniform());
    const double level_b = 0.03 * std::pow(1 / 0.03, random.uniform());
    const double f_a = 60 * std::pow(100.0, random.uniform());
    const double f_b = 60 * std::pow(100.0, random.uniform());
    const double phase = two_pi * random.uniform();
    const double log_k = std::log(f_b / f_a);
    for (std::size_t i = 0; i < passage_length; ++i) {
      const double t = double(i) / double(sample_rate);
      const double level = level_a + (level_b - level_a) * double(i) / double(passage_length);
      const double edge = std::min({1.0, double(i) / double(fade), double(passage_length - 1 - i) / double(fade)});
      double s = 0;
      if (kind == 0 || kind == 4) {
        const double theta = two_pi * f_a * t + phase;
        s = (std::sin(theta) + 0.5 * std::sin(2 * theta) + 0.25 * std::sin(3 * theta)) / 1.75;
        if (kind == 4) s = 0.8 * s + 0.2 * (2 * random.uniform() - 1);
      } else if (kind == 1) {
        s = std::sin(two_pi * (f_a * t + (f_b - f_a) * t * t / (2 * length)) + phase);
      } else if (kind == 2) {
        s = std::sin(two_pi * f_a * length / log_k * (std::exp(log_k * t / length) - 1) + phase);
      } else {
        s = 2 * random.uniform() - 1;
      }
      x.push_back(level * edge * s);
    }
  }
  return x;
}

/// The amp: high-pass, drive into an asymmetric tanh, low-pass (the formulas are above).
std::vector<double> amp(const std::vector<double>& x) {
  constexpr double two_pi = 2 * std::numbers::pi;
  const double a_h = std::exp(-two_pi * coupling_hz / double(sample_rate));
  const double a_l = std::exp(-two_pi * speaker_hz / double(sample_rate));
  const double offset = std::tanh(bias);
  double h = 0, previous = 0, y = 0;
  std::vector<double> out;
  out.reserve(x.size());
  for (const double v : x) {
    h = a_h * (h + v - previous);
    previous = v;
    const double w = std::tanh(drive * h + bias) - offset;
    y = (1 - a_l) * w + a_l * y;
    out.push_back(y);
  }
  return out;
}

/// The mean squared error over the steps after the first `Warmup`: the GRU starts each segment
/// from a zero state, the amp's filters from the state the samples before it left, and the
/// network should not learn to guess a state it cannot see.
template <std::size_t Warmup>
struct WarmedUpMse {
  static constexpr std::string_view name = "WarmedUpMse";
  static constexpr bool fuses_with_softmax = false;
  static constexpr tn::Metric metric = tn::Metric::mae;

  template <tn::AnyShape Out>
  static constexpr bool accepts = Out::size > Warmup;
  template <class Where>
  static consteval void explain() {
    static_assert(tn::detail::rejected<Where>, "WarmedUpMse needs more outputs than its warm-up steps");
  }

  template <class S, std::size_t N>
  static S value(const S* y, const S* t) {
    S sum{};
    for (std::size_t i = Warmup; i < N; ++i) sum += (y[i] - t[i]) * (y[i] - t[i]);
    return sum / S(N - Warmup);
  }
  template <class S, std::size_t N>
  static void gradient(const S* y, const S* t, S* dy, S scale) {
    const S factor = S{2} * scale / S(N - Warmup);
    for (std::size_t i = 0; i < N; ++i) dy[i] = i < Warmup ? S{} : factor * (y[i] - t[i]);
  }
};

using AmpModel = tn::Model<Amp, WarmedUpMse<warmup>, tn::optim::Adam>;

std::vector<float> to_float(const std::vector<double>& v) { return {v.begin(), v.end()}; }

double sum_of_squares(const std::vector<double>& v) {
  double sum = 0;
  for (const double a : v) sum += a * a;
  return sum;
}

/// sum (y - ŷ)^2 / sum y^2.
template <class Estimate>
double esr(const std::vector<double>& y, const Estimate& estimate) {
  double error = 0;
  for (std::size_t n = 0; n < y.size(); ++n) error += (y[n] - double(estimate[n])) * (y[n] - double(estimate[n]));
  return error / sum_of_squares(y);
}

/// A straight wire's ESR: ŷ = g x with the least-squares gain g = sum x y / sum x^2.
double wire_esr(const std::vector<double>& x, const std::vector<double>& y) {
  double xy = 0;
  for (std::size_t n = 0; n < x.size(); ++n) xy += x[n] * y[n];
  const double gain = xy / sum_of_squares(x);
  std::vector<double> scaled(x.size());
  for (std::size_t n = 0; n < x.size(); ++n) scaled[n] = gain * x[n];
  return esr(y, scaled);
}

/// The model's ESR on a second streamed through tn::Stream one sample at a time, from a zero state.
double streamed_esr(tn::Stream<Amp>& stream, const std::vector<double>& x, const std::vector<double>& y) {
  const std::vector<float> in = to_float(x);
  std::vector<float> out(in.size());
  stream.reset();
  for (std::size_t n = 0; n < in.size(); ++n) stream.process(in.data() + n, out.data() + n, 1);
  return esr(y, out);
}

int main(int argc, char** argv) try {
  const Options options(argc, argv,
                        {{"epochs", "100"}, {"batch-size", "4"}, {"seed", "1"}, {"threads", "0"}, {"check", "0"}},
                        "usage: amp_model [--epochs 100] [--batch-size 4] [--seed 1] [--threads 0 (all)] "
                        "[--check 0 (1: fail unless the model beats the wire on the evaluation second)]");
  const std::size_t epochs = options.number("epochs"), batch = options.number("batch-size");
  const std::uint64_t seed = options.number("seed");
  const std::size_t threads = options.number("threads") ? options.number("threads") : tn::exec::max_threads();
  if (batch == 0 || batch > segments) throw tn::Error("--batch-size takes 1 to " + std::to_string(segments));

  const std::vector<double> train_x = make_signal(1), train_y = amp(train_x);
  const std::vector<double> eval_x = make_signal(2), eval_y = amp(eval_x);
  std::printf("signal: sum x^2, sum y^2: training %.17g %.17g, evaluation %.17g %.17g\n", sum_of_squares(train_x),
              sum_of_squares(train_y), sum_of_squares(eval_x), sum_of_squares(eval_y));

  // The training second as 40 sequences of (1200, 1): each a segment's input and the amp's output.
  using Segments = tn::data::Dataset<tn::Shape<steps, 1>, tn::Shape<steps, 1>>;
  const Segments data(to_float(train_x), to_float(train_y));

  Amp::summary();
  AmpModel model({.learning_rate = learning_rate}, seed);
  SplitMix order_random(seed);
  std::vector<std::uint32_t> order(segments);
  for (std::size_t i = 0; i < segments; ++i) order[i] = std::uint32_t(i);
  double seconds = 0;
  for (std::size_t epoch = 1; epoch <= epochs; ++epoch) {
    for (std::size_t i = segments - 1; i > 0; --i) std::swap(order[i], order[order_random.next() % (i + 1)]);
    const auto start = std::chrono::steady_clock::now();
    double loss = 0;
    tn::with_threads(threads, [&] {
      for (std::size_t i = 0; i < segments; i += batch) {
        const std::size_t n = std::min(batch, segments - i);
        loss += model.train_step(data, std::span<const std::uint32_t>(order.data() + i, n)).loss_sum;
      }
    });
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    seconds += took;
    std::printf("epoch %zu/%zu: loss %.6g, %.1f ms\n", epoch, epochs, loss / double(segments), 1e3 * took);
  }

  const auto stream = std::make_unique<tn::Stream<Amp>>(model.parameters().data());
  const double eval_esr = streamed_esr(*stream, eval_x, eval_y), train_esr = streamed_esr(*stream, train_x, train_y);
  const double wire_eval = wire_esr(eval_x, eval_y), wire_train = wire_esr(train_x, train_y);
  std::printf("ESR evaluation: %.6f (a wire: %.6f)\nESR training: %.6f (a wire: %.6f)\n", eval_esr, wire_eval,
              train_esr, wire_train);
  if (epochs > 0)
    std::printf("training: %.2f ms an epoch, %.0f samples/s, %zu threads\n", 1e3 * seconds / double(epochs),
                double(epochs * segments * steps) / seconds, threads);
  if (!std::isfinite(eval_esr) || !std::isfinite(train_esr)) {
    std::cerr << "amp_model: the ESR is not finite\n";
    return 1;
  }
  if (options.number("check") && !(eval_esr < wire_eval)) {
    std::cerr << "amp_model: the model's ESR " << eval_esr << " does not beat a wire's " << wire_eval << '\n';
    return 1;
  }
  return 0;
} catch (const std::exception& error) {
  std::cerr << "amp_model: " << error.what() << '\n';
  return 1;
}
