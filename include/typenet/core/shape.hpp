// typenet/core/shape.hpp: Shape<Dims...>, a tensor shape known at compile time, and the AnyShape concept.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <string>
#include <type_traits>

namespace typenet {

namespace detail {
/// "(26, 26, 32)" for dims[0 .. rank), "(10,)" for one axis (src/shape.cpp: compiled once).
std::string shape_text(const std::size_t* dims, std::size_t rank);
}  // namespace detail

/// The shape of one sample's tensor, channels-last as Keras (height, width, channels).
/// Every fact about it is a compile-time value; `==` compares any two shapes.
template <std::size_t... Dims>
struct Shape {
  static constexpr std::size_t rank = sizeof...(Dims);
  static constexpr std::size_t size = (std::size_t{1} * ... * Dims);
  static constexpr std::array<std::size_t, rank> dims{Dims...};

  /// "(26, 26, 32)", as Keras prints a shape without its batch axis.
  static std::string to_string() { return detail::shape_text(dims.data(), rank); }
};

template <std::size_t... A, std::size_t... B>
constexpr bool operator==(Shape<A...>, Shape<B...>) {
  return std::is_same_v<Shape<A...>, Shape<B...>>;
}

namespace detail {
template <class T>
inline constexpr bool is_shape = false;
template <std::size_t... Dims>
inline constexpr bool is_shape<Shape<Dims...>> = true;
}  // namespace detail

/// Any `Shape<...>`.
template <class T>
concept AnyShape = detail::is_shape<std::remove_cvref_t<T>>;

/// The type of a compile-time shape value, e.g. `shape_t<Net::output_shape>`.
template <auto Value>
using shape_t = std::remove_cvref_t<decltype(Value)>;

}  // namespace typenet
