// typenet/layers/max_pool1d.hpp: MaxPool1D<Pool, Padding, Stride>, the maximum over each window of steps (Keras `MaxPooling1D`).
#pragma once

#include <cstddef>

#include <typenet/layers/detail/pooling1d.hpp>
#include <typenet/layers/padding.hpp>

namespace typenet {

/// Over a (steps, channels) input. A stride left at 0 is the pool size, and Padding::valid drops
/// the last steps that do not fill a window (Keras flooring): 11 steps pooled by 2 give 5. As
/// in Keras, the window is 2 steps unless given.
template <std::size_t Pool = 2, Padding Pad = Padding::valid, std::size_t Stride = 0>
struct MaxPool1D
    : detail::Pooling1D<MaxPool1D<Pool, Pad, Stride>, detail::PoolKind::max, Pool, Pad, Stride> {};

}  // namespace typenet
