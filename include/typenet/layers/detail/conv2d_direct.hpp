// typenet/layers/detail/conv2d_direct.hpp: Conv2DDirect, what a directly computed Conv2D keeps, packs and calls.
#pragma once

#include <algorithm>
#include <cstddef>

#include <typenet/kernels/conv.hpp>

namespace typenet::detail {

/// The storage contract of a Conv2D that runs directly (kernels/conv.hpp): an H x W x C input,
/// padded by PadTop and PadLeft to PH x PW, to F filters of KH x KW moved by SH x SW. Sizes are
/// values per sample.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t F, std::size_t KH, std::size_t KW,
          std::size_t SH, std::size_t SW, std::size_t PadTop, std::size_t PadLeft, std::size_t PH, std::size_t PW>
struct Conv2DDirect {
  /// The forward convolution, over the input padded when Padding::same needs it.
  using shape = kernels::ConvShape<PH, PW, C, KH, KW, SH, SW, F>;
  static constexpr bool padded = PH > H || PW > W;
  static constexpr std::size_t depth = KH * KW * C;

  /// The padded input, kept for the kernel gradient (in inference too: the forward pass reads
  /// it). A strided convolution scatters its input gradient straight into dx (no scratch); one
  /// of stride 1 gathers it, as the convolution of its output gradient, padded in scratch, by
  /// the flipped kernel (`gathered`): each dx value is written once instead of being added to
  /// once per tap (ResNet-8's 16-channel layers: their input gradient took 12 % of a training
  /// step scattered).
  static constexpr bool gathered = SH == 1 && SW == 1;
  static constexpr std::size_t OH = shape::out_h, OW = shape::out_w;
  static constexpr std::size_t GH = H + KH - 1, GW = W + KW - 1;  ///< the padded output gradient
  static constexpr std::size_t gather_top = KH - 1 - PadTop, gather_left = KW - 1 - PadLeft;
  using gather_shape = kernels::ConvShape<GH, GW, F, KH, KW, 1, 1, C>;
  static constexpr std::size_t saved_size = padded ? PH * PW * C : 0;
  static constexpr std::size_t scratch_size = gathered ? GH * GW * F : 0;
  static constexpr std::size_t inference_saved_size = saved_size;
  static constexpr std::size_t inference_scratch_size = 0;

  /// Each tap's weights transposed, packed[ky][kx][f][c] = w[ky][kx][c][f] (for a gathered
  /// input gradient the taps in reverse order, the kernel flipped: a kernel from F channels to
  /// C in Keras's layout), which only the input gradient reads (the model does not pack them
  /// for a first layer).
  static constexpr std::size_t packed_size = depth * F;
  static constexpr bool packed_for_input_gradient = true;
  static constexpr std::size_t pack_tasks = 1;
  template <class S>
  static void pack(const S* w, S* packed, std::size_t) {
    pack(w, packed);
  }
  template <class S>
  static void pack(const S* w, S* packed) {
    for (std::size_t tap = 0; tap < KH * KW; ++tap) {
      const std::size_t to = gathered ? KH * KW - 1 - tap : tap;
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t f = 0; f < F; ++f) packed[(to * F + f) * C + c] = w[(tap * C + c) * F + f];
    }
  }

  /// y = bias + the convolution of x by the kernel w (Keras's layout), then max(., 0) when
  /// `relu`; a padded input is made in `saved` first.
  template <class S>
  static void forward(std::size_t n, const S* x, const S* w, const S* bias, const S*, S* y, bool relu, bool,
                      S* saved, S*) {
    const S* source = x;
    if constexpr (padded) {
      // The image, with zeros around it (only the border is cleared: clearing it all, then
      // copying, had cost a ResNet-8 step 2 %).
      constexpr std::size_t right = PW - W - PadLeft;
      for (std::size_t b = 0; b < n; ++b) {
        S* to = saved + b * saved_size;
        std::fill(to, to + PadTop * PW * C, S{});
        for (std::size_t iy = 0; iy < H; ++iy) {
          S* row = to + (iy + PadTop) * PW * C;
          std::fill(row, row + PadLeft * C, S{});
          std::copy(x + (b * H + iy) * W * C, x + (b * H + iy + 1) * W * C, row + PadLeft * C);
          std::fill(row + (PadLeft + W) * C, row + (PadLeft + W + right) * C, S{});
        }
        std::fill(to + (H + PadTop) * PW * C, to + saved_size, S{});
      }
      source = saved;
    }
    kernels::conv_valid<shape>(n, source, w, bias, y, relu);
  }

  /// dx from dy and the packed (transposed) taps; nothing when dx is null.
  template <class S>
  static void backward(std::size_t n, const S* dy, const S* packed, S* dx, S*, S* scratch) {
    if (!dx) return;
    if constexpr (gathered) {
      constexpr std::size_t right = GW - OW - gather_left;
      for (std::size_t b = 0; b < n; ++b) {
        S* to = scratch + b * scratch_size;
        std::fill(to, to + gather_top * GW * F, S{});
        for (std::size_t oy = 0; oy < OH; ++oy) {
          S* row = to + (oy + gather_top) * GW * F;
          std::fill(row, row + gather_left * F, S{});
          std::copy(dy + (b * OH + oy) * OW * F, dy + (b * OH + oy + 1) * OW * F, row + gather_left * F);
          std::fill(row + (gather_left + OW) * F, row + (gather_left + OW + right) * F, S{});
        }
        std::fill(to + (OH + gather_top) * GW * F, to + scratch_size, S{});
      }
      kernels::conv_valid<gather_shape>(n, scratch, packed, static_cast<const S*>(nullptr), dx);
    } else {
      kernels::conv_input_gradient<shape, H, W, PadTop, PadLeft>(n, dy, packed, dx);
    }
  }

  /// Row blocks of the kernel gradient, 48 rows (kernel positions (ky, kx, c)) each: a multiple
  /// of every micro-tile height.
  static constexpr std::size_t rows_per_tile = 48;
  static constexpr std::size_t weight_tiles = (depth + rows_per_tile - 1) / rows_per_tile;
  template <class S>
  static void weight_gradient(std::size_t tile, std::size_t n, const S* x, const S* dy, const S* saved, S*, S* g) {
    const S* source = padded ? saved : x;
    const std::size_t first = tile * rows_per_tile;
    // Every block but the last has rows_per_tile rows: two compile-time heights at most.
    constexpr std::size_t last_rows = depth - (weight_tiles - 1) * rows_per_tile;
    if constexpr (weight_tiles > 1) {
      if (tile + 1 < weight_tiles) return kernels::conv_weight_gradient<shape, rows_per_tile>(first, n, source, dy, g);
    }
    kernels::conv_weight_gradient<shape, last_rows>(first, n, source, dy, g);
  }
};

}  // namespace typenet::detail
