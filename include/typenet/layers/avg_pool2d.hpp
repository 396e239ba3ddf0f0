// typenet/layers/avg_pool2d.hpp: AvgPool2D<PoolH, PoolW, Padding, StrideH, StrideW>, the mean over each window (Keras `AveragePooling2D`).
#pragma once

#include <cstddef>

#include <typenet/layers/detail/pooling.hpp>
#include <typenet/layers/padding.hpp>

namespace typenet {

/// Strides left at 0 are the pool size (one stride given serves both axes, as in Keras). As in
/// Keras, the window is 2 x 2 unless given, and one size is a square: AvgPool2D<>,
/// AvgPool2D<2> and AvgPool2D<2, 2> are the same type.
/// With Padding::same a window hanging over the border averages only the positions inside it,
/// as Keras does.
template <std::size_t PoolH = 2, std::size_t PoolW = PoolH, Padding Pad = Padding::valid, std::size_t StrideH = 0,
          std::size_t StrideW = 0>
struct AvgPool2D : detail::Pooling<AvgPool2D<PoolH, PoolW, Pad, StrideH, StrideW>, detail::PoolKind::average, PoolH,
                                   PoolW, Pad, StrideH, StrideW> {};

}  // namespace typenet
