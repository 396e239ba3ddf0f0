// typenet/layers/max_pool2d.hpp: MaxPool2D<PoolH, PoolW, Padding, StrideH, StrideW>, the maximum over each window (Keras `MaxPooling2D`).
#pragma once

#include <cstddef>

#include <typenet/layers/detail/pooling.hpp>
#include <typenet/layers/padding.hpp>

namespace typenet {

/// Strides left at 0 are the pool size (one stride given serves both axes, as in Keras), and
/// Padding::valid drops the last rows and columns that do not fill a window (Keras flooring):
/// 11 x 11 pooled by 2 gives 5 x 5. As in Keras, the window is 2 x 2 unless given, and one size
/// is a square: MaxPool2D<>, MaxPool2D<2> and MaxPool2D<2, 2> are the same type.
template <std::size_t PoolH = 2, std::size_t PoolW = PoolH, Padding Pad = Padding::valid, std::size_t StrideH = 0,
          std::size_t StrideW = 0>
struct MaxPool2D : detail::Pooling<MaxPool2D<PoolH, PoolW, Pad, StrideH, StrideW>, detail::PoolKind::max, PoolH, PoolW,
                                   Pad, StrideH, StrideW> {};

}  // namespace typenet
