// typenet/optim/optimizer_concepts.hpp: Optimizer, what Model needs of its third argument.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

namespace typenet::optim {

/// An optimizer as Model uses it: its options (`Options`, what Model's constructor takes), its
/// name, the values of state it keeps per parameter (`slots`: Adam 2, plain SGD 0), and
/// `begin_step()` before each step's `update<S>(w, g, state, stride, begin, end)` over parts of
/// the parameters (a template, so not checked here). Adam, AdamW, SGD and RMSprop are models.
template <class O>
concept Optimizer = requires(O o) {
  typename O::Options;
  { O::name } -> std::convertible_to<std::string_view>;
  { O::slots } -> std::convertible_to<std::size_t>;
  o.begin_step();
};

}  // namespace typenet::optim
