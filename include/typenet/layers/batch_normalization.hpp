// typenet/layers/batch_normalization.hpp: BatchNormalization, Keras's per-feature (per-channel) batch normalisation.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <ratio>
#include <string>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

/// Keras's BatchNormalization: each feature of the last axis (a Dense layer's units, a Conv2D's
/// channels) is normalised over the batch (and every pixel) while training,
///     y = gamma (x - mean) / sqrt(var + epsilon) + beta,
/// with the batch's mean and (biased) variance, which also move the running averages
///     moving = momentum moving + (1 - momentum) batch
/// that inference uses instead. Parameters, in Keras's order: gamma (ones), beta (zeros),
/// moving_mean (zeros), moving_variance (ones); the last two are not trainable: 4 per feature,
/// 2 trainable, as Keras counts them.
///
/// `BatchNormalization` has Keras's defaults, epsilon 1e-3 and momentum 0.99.
/// `BatchNormalizationWith<Epsilon, Momentum>` takes others as std::ratio (clang++ does not yet
/// take floating-point template arguments): PyTorch's BatchNorm2d, epsilon 1e-5 and momentum
/// 0.1 in its convention (the weight of the new batch, Keras's 1 - momentum), is
/// `PyTorchBatchNorm`, which weights imported from PyTorch need to compute what PyTorch does
/// (docs/interop.md). Epsilon is part of the layer's spelling, so a weight file records it.
///
/// It couples the samples of a batch, so the model runs it in stages (layer_concepts.hpp,
/// "batch-coupled"): every chunk sums its samples (`statistics`), the sums are added in a fixed
/// tree over the chunks (exec/batch_statistics.hpp, then `reduce`), then every chunk
/// normalises; the same for the gradient. The chunking depends only on the batch size, so the
/// result does not depend on the thread count.
template <class Epsilon = std::ratio<1, 1000>, class Momentum = std::ratio<99, 100>>
struct BatchNormalizationWith {
  static constexpr bool per_step = true;  ///< in inference, each step's features on their own
  static constexpr std::string_view name = "BatchNormalization";
  static constexpr bool keras_defaults =
      std::ratio_equal_v<Epsilon, std::ratio<1, 1000>> && std::ratio_equal_v<Momentum, std::ratio<99, 100>>;
  static constexpr detail::Text spelling() {
    if constexpr (keras_defaults) return "BatchNormalization";
    else
      return "BatchNormalizationWith<std::ratio<" + detail::decimal(Epsilon::num) + ", " +
             detail::decimal(Epsilon::den) + ">, std::ratio<" + detail::decimal(Momentum::num) + ", " +
             detail::decimal(Momentum::den) + ">>";
  }
  static constexpr double epsilon = double(Epsilon::num) / double(Epsilon::den);
  static constexpr double momentum = double(Momentum::num) / double(Momentum::den);

  template <class Where>
  static consteval bool check_parameters() {
    constexpr bool fits = Epsilon::num > 0 && Momentum::num >= 0 && Momentum::num < Momentum::den;
    static_assert(fits || detail::rejected<Where>,
                  "BatchNormalizationWith<Epsilon, Momentum>: epsilon must be above 0 and momentum at least 0 "
                  "and below 1, as std::ratio (PyTorch's eps=1e-5, momentum=0.1 is "
                  "BatchNormalizationWith<std::ratio<1, 100000>, std::ratio<9, 10>>)");
    return fits;
  }

  template <AnyShape In>
  static constexpr bool accepts = true;

  template <class Where>
  static consteval void explain() {}

  template <AnyShape In>
  struct bind : detail::NoWorkAreas {
    using descriptor = BatchNormalizationWith;
    static constexpr In input_shape{};
    static constexpr In output_shape{};
    static constexpr std::size_t F = In::rank > 0 ? In::dims[In::rank - 1] : 1;  ///< features
    static constexpr std::size_t pixels = In::size / F;                           ///< values of a feature per sample

    static constexpr std::array<ParameterTensor, 4> parameter_tensors{
        ParameterTensor{"gamma", F, Init::ones, 0, 0, true, {F}},
        ParameterTensor{"beta", F, Init::zeros, 0, 0, true, {F}},
        ParameterTensor{"moving_mean", F, Init::zeros, 0, 0, false, {F}},
        ParameterTensor{"moving_variance", F, Init::ones, 0, 0, false, {F}},
    };
    static constexpr std::size_t parameter_count = 4 * F;
    static constexpr std::size_t packed_size = 0;
    static constexpr std::size_t gradient_tiles = 1;
    static constexpr std::size_t beta_at = detail::tensor_offset(parameter_tensors, 1);
    static constexpr std::size_t mean_at = detail::tensor_offset(parameter_tensors, 2);
    static constexpr std::size_t variance_at = detail::tensor_offset(parameter_tensors, 3);

    template <class S>
    static void pack(const S*, S*) {}

    // ---- batch coupling: what Model calls between the stages ----------------------------
    static constexpr bool batch_coupled = true;
    static constexpr std::size_t partial_size = 2 * F;  ///< one chunk's sums
    static constexpr std::size_t reduced_size = 5 * F;  ///< mean, 1/sqrt(var + eps), var, sum dy, sum dy xhat

    /// Per feature, the sum and the sum of squares of x over n samples, into `partial`.
    template <class S>
    static void statistics(const S* x, std::size_t n, double* partial) {
      std::fill(partial, partial + 2 * F, 0.0);
      for (std::size_t q = 0; q < n * pixels; ++q)
        for (std::size_t f = 0; f < F; ++f) {
          const double v = double(x[q * F + f]);
          partial[f] += v;
          partial[F + f] += v * v;
        }
    }

    /// Adds `chunks` partials in order and derives the batch's mean, 1 / sqrt(var + eps) and
    /// variance for `samples` samples.
    static void reduce(const double* partials, std::size_t chunks, std::size_t samples, double* reduced) {
      const double count = double(samples * pixels);
      for (std::size_t f = 0; f < F; ++f) {
        double sum = 0, squares = 0;
        for (std::size_t c = 0; c < chunks; ++c) {
          sum += partials[c * 2 * F + f];
          squares += partials[c * 2 * F + F + f];
        }
        const double mean = sum / count;
        const double variance = std::max(squares / count - mean * mean, 0.0);
        reduced[f] = mean;
        reduced[F + f] = 1.0 / std::sqrt(variance + epsilon);
        reduced[2 * F + f] = variance;
      }
    }

    /// Per feature, the sums of dy and of dy xhat over n samples, into `partial` (after the
    /// forward statistics are reduced into `reduced`).
    template <class S>
    static void gradient_statistics(const double* reduced, const S* x, const S* dy, std::size_t n, double* partial) {
      std::fill(partial, partial + 2 * F, 0.0);
      for (std::size_t q = 0; q < n * pixels; ++q)
        for (std::size_t f = 0; f < F; ++f) {
          const double g = double(dy[q * F + f]);
          partial[f] += g;
          partial[F + f] += g * (double(x[q * F + f]) - reduced[f]) * reduced[F + f];
        }
    }

    static void reduce_gradient(const double* partials, std::size_t chunks, double* reduced) {
      for (std::size_t f = 0; f < F; ++f) {
        double sum = 0, weighted = 0;
        for (std::size_t c = 0; c < chunks; ++c) {
          sum += partials[c * 2 * F + f];
          weighted += partials[c * 2 * F + F + f];
        }
        reduced[3 * F + f] = sum;
        reduced[4 * F + f] = weighted;
      }
    }

    /// The moving averages after a training step with the batch statistics `reduced`.
    template <class S>
    static void update_moving(S* params, const double* reduced) {
      for (std::size_t f = 0; f < F; ++f) {
        params[mean_at + f] = S(momentum * double(params[mean_at + f]) + (1 - momentum) * reduced[f]);
        params[variance_at + f] = S(momentum * double(params[variance_at + f]) + (1 - momentum) * reduced[2 * F + f]);
      }
    }

    // ---- the passes ---------------------------------------------------------------------
    // In training, `pass.batch` holds the reduced statistics of the whole batch. A call
    // without them (a layer used on its own, as the conformance tests do) treats its n samples
    // as the batch.

    /// A ReLU after it is applied here (its output then never stored).
    static constexpr bool fuses_relu = true;

    template <class S>
    static void forward(const Pass<S>& pass, const S* x, S* y, std::size_t n) {
      const S* gamma = pass.params;
      const S* beta = pass.params + beta_at;
      std::array<S, F> scale, shift;
      if (pass.training) {
        std::array<double, reduced_size> own;
        const double* r = pass.batch;
        if (!r) {
          std::array<double, partial_size> partial;
          statistics(x, n, partial.data());
          reduce(partial.data(), 1, n, own.data());
          r = own.data();
        }
        for (std::size_t f = 0; f < F; ++f) {
          scale[f] = S(double(gamma[f]) * r[F + f]);
          shift[f] = S(double(beta[f]) - r[f] * double(gamma[f]) * r[F + f]);
        }
      } else {
        for (std::size_t f = 0; f < F; ++f) {
          const double inv = 1.0 / std::sqrt(double(pass.params[variance_at + f]) + epsilon);
          scale[f] = S(double(gamma[f]) * inv);
          shift[f] = S(double(beta[f]) - double(pass.params[mean_at + f]) * double(gamma[f]) * inv);
        }
      }
      if (pass.relu)
        for (std::size_t q = 0; q < n * pixels; ++q)
          for (std::size_t f = 0; f < F; ++f) y[q * F + f] = std::max(x[q * F + f] * scale[f] + shift[f], S{});
      else
        for (std::size_t q = 0; q < n * pixels; ++q)
          for (std::size_t f = 0; f < F; ++f) y[q * F + f] = x[q * F + f] * scale[f] + shift[f];
    }

    /// dx = gamma / sqrt(var + eps) (dy - (sum dy + xhat sum dy xhat) / m), m the values per
    /// feature in the batch, xhat = (x - mean) / sqrt(var + eps); per feature, as
    /// dx = a dy + b (x - mean) + c, the coefficients made once in double (a per-value division
    /// in double had made this 5 % of a ResNet-8 training step).
    template <class S>
    static void backward(const Pass<S>& pass, const S* x, const S*, const S* dy, S* dx, std::size_t n) {
      if (!dx) return;
      std::array<double, reduced_size> own;
      const double* r = pass.batch;
      if (!r) {
        own_statistics(x, dy, n, own.data());
        r = own.data();
      }
      const double m = double(pass.batch ? pass.batch_samples * pixels : n * pixels);
      std::array<S, F> a, b, c, mean;
      for (std::size_t f = 0; f < F; ++f) {
        const double scale = double(pass.params[f]) * r[F + f];  // gamma / sqrt(var + eps)
        a[f] = S(scale);
        b[f] = S(-scale * r[F + f] * r[4 * F + f] / m);
        c[f] = S(-scale * r[3 * F + f] / m);
        mean[f] = S(r[f]);
      }
      for (std::size_t q = 0; q < n * pixels; ++q)
        for (std::size_t f = 0; f < F; ++f)
          dx[q * F + f] = a[f] * dy[q * F + f] + (b[f] * (x[q * F + f] - mean[f]) + c[f]);
    }

    /// d gamma = sum dy xhat, d beta = sum dy; the moving averages get none.
    template <class S>
    static void gradient(const Pass<S>& pass, std::size_t, S* g, const S* x, const S* dy, std::size_t n) {
      std::array<double, reduced_size> own;
      const double* r = pass.batch;
      if (!r) {
        own_statistics(x, dy, n, own.data());
        r = own.data();
      }
      for (std::size_t f = 0; f < F; ++f) {
        g[f] = S(r[4 * F + f]);
        g[beta_at + f] = S(r[3 * F + f]);
        g[mean_at + f] = S{};
        g[variance_at + f] = S{};
      }
    }

   private:
    template <class S>
    static void own_statistics(const S* x, const S* dy, std::size_t n, double* reduced) {
      std::array<double, partial_size> partial;
      statistics(x, n, partial.data());
      reduce(partial.data(), 1, n, reduced);
      gradient_statistics(reduced, x, dy, n, partial.data());
      reduce_gradient(partial.data(), 1, reduced);
    }
  };
};

/// Keras's defaults: epsilon 1e-3, momentum 0.99.
using BatchNormalization = BatchNormalizationWith<>;

/// PyTorch's BatchNorm1d/2d defaults: eps 1e-5, momentum 0.1 (Keras's 0.9).
using PyTorchBatchNorm = BatchNormalizationWith<std::ratio<1, 100000>, std::ratio<9, 10>>;

}  // namespace typenet
