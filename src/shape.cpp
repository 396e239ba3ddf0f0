// src/shape.cpp: shape_text, a shape as Keras prints it, compiled once for every Shape.
#include <typenet/core/shape.hpp>

#include <cstddef>
#include <string>

namespace typenet::detail {

std::string shape_text(const std::size_t* dims, std::size_t rank) {
  std::string text = "(";
  for (std::size_t i = 0; i < rank; ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + (rank == 1 ? ",)" : ")");
}

}  // namespace typenet::detail
