// typenet/layers/avg_pool1d.hpp: AvgPool1D<Pool, Padding, Stride>, the mean over each window of steps (Keras `AveragePooling1D`).
#pragma once

#include <cstddef>

#include <typenet/layers/detail/pooling1d.hpp>
#include <typenet/layers/padding.hpp>

namespace typenet {

/// Over a (steps, channels) input; a stride left at 0 is the pool size. With Padding::same a
/// window hanging over the end averages only the steps inside it, as Keras does.
template <std::size_t Pool = 2, Padding Pad = Padding::valid, std::size_t Stride = 0>
struct AvgPool1D
    : detail::Pooling1D<AvgPool1D<Pool, Pad, Stride>, detail::PoolKind::average, Pool, Pad, Stride> {};

}  // namespace typenet
