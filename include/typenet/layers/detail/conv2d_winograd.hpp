// typenet/layers/detail/conv2d_winograd.hpp: Conv2DWinograd, what a Conv2D run by Winograd keeps, packs and calls.
#pragma once

#include <algorithm>
#include <cstddef>

#include <typenet/kernels/winograd.hpp>

namespace typenet::detail {

/// The storage contract of a Conv2D that runs as Winograd F(M x M, 3x3) (kernels::Winograd3x3):
/// an H x W x C input padded by PadTop and PadLeft, to OH x OW x F. Sizes are values per sample.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t F, std::size_t PadTop, std::size_t PadLeft,
          std::size_t OH, std::size_t OW, std::size_t M>
struct Conv2DWinograd {
  using kernel = kernels::Winograd3x3<H, W, C, F, PadTop, PadLeft, OH, OW, M>;
  static constexpr std::size_t tile = M;
  static constexpr std::size_t N = kernel::N, P = kernel::P, tiles = kernel::tiles;

  /// Rows of the weight gradient (input channels) per gradient tile: 8 micro-tiles high. Each
  /// tile reads every output-gradient record once: with 12 channels a tile, a 32-channel
  /// layer read them 3 times.
  static constexpr std::size_t channels_per_tile = std::min<std::size_t>(C, 48);
  static constexpr std::size_t weight_tiles = (C + channels_per_tile - 1) / channels_per_tile;

  /// The work areas: kept from the forward pass on (each tile's record: its transformed input,
  /// then its transformed output gradient), and within one call (the products of a step's
  /// tiles, or a gradient tile's sums for a row of N positions).
  static constexpr std::size_t saved_size = kernel::sample_records;
  static constexpr std::size_t scratch_size = std::max({tiles * P * F, tiles * P * C, N * channels_per_tile * F});
  /// In inference nothing is kept, and scratch holds a step's products and transformed inputs.
  static constexpr std::size_t inference_saved_size = 0;
  static constexpr std::size_t inference_scratch_size = tiles * P * (C + F);

  /// The transformed kernel, V[P][C][F], then transposed, Vt[P][F][C]: the forward pass reads
  /// V and the input gradient Vt, so even a first layer is packed.
  static constexpr std::size_t packed_size = 2 * P * C * F;
  static constexpr bool packed_for_input_gradient = false;

  /// The transformed kernels from Keras's layout w[ky][kx][c][f] in `pack_tasks` independent parts,
  /// which the model runs in parallel after every optimizer step (on one thread, about 100 us of a
  /// 3.6 ms CIFAR-shaped step on 2 threads, the other core waiting): parts [0, 4) make V for a
  /// quarter of the input channels each; parts [4, 8) the transposed copy Vt for a quarter of the
  /// filters. Vt holds exactly V's values.
  static constexpr std::size_t pack_tasks = 8;
  /// What the forward pass alone reads: V, made by the first 4 parts (a convolution whose
  /// training runs directly keeps only this for its inference: Conv2DSplit).
  static constexpr std::size_t forward_packed_size = P * C * F;
  static constexpr std::size_t forward_pack_tasks = 4;
  template <class S>
  static void pack(const S* w, S* packed, std::size_t task) {
    constexpr std::size_t quarter_c = (C + 3) / 4, quarter_f = (F + 3) / 4;
    if (task < 4)
      kernel::transform_kernel(w, packed, task * quarter_c, std::min(C, (task + 1) * quarter_c));
    else
      kernel::transform_kernel_transposed(w, packed + P * C * F, (task - 4) * quarter_f,
                                          std::min(F, (task - 3) * quarter_f));
  }
  template <class S>
  static void pack(const S* w, S* packed) {
    for (std::size_t task = 0; task < pack_tasks; ++task) pack(w, packed, task);
  }

  /// y = bias + the convolution of x, then max(., 0) when `relu`; in `training` what the
  /// backward pass and the gradient need stays in `saved`. (The kernel itself, `w`, is read
  /// through its packed transform.)
  template <class S>
  static void forward(std::size_t n, const S* x, const S*, const S* bias, const S* packed, S* y, bool relu,
                      bool training, S* saved, S* scratch) {
    kernel::forward(n, x, packed, bias, y, relu, training, saved, scratch);
  }

  /// dx from dy (dx may be null: only what the gradient needs is made, in `saved`).
  template <class S>
  static void backward(std::size_t n, const S* dy, const S* packed, S* dx, S* saved, S* scratch) {
    kernel::backward(n, dy, packed + P * C * F, dx, saved, scratch);
  }

  /// Gradient tile `tile` of the kernel gradient g: a block of `channels_per_tile` input channels,
  /// from `saved` (after the backward pass of the same samples).
  template <class S>
  static void weight_gradient(std::size_t tile, std::size_t n, const S*, const S*, const S* saved, S* scratch,
                              S* g) {
    const std::size_t c0 = tile * channels_per_tile;
    kernel::weight_gradient(c0, std::min(C, c0 + channels_per_tile), n, saved, g, scratch);
  }
};

}  // namespace typenet::detail
