// typenet/graph/blocks.hpp: Chain, Residual, Shortcut, Add, Concat and Repeat, the blocks a network branches and repeats with.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/graph/detail/fold.hpp>
#include <typenet/graph/detail/merge.hpp>
#include <typenet/layers/conv2d.hpp>
#include <typenet/layers/dense.hpp>
#include <typenet/layers/padding.hpp>

// A block is used wherever a layer is, and nests to any depth:
//
//     template <std::size_t C>            // y = x + F(x)
//     struct Basic : tn::Residual<tn::Conv2D<C, 3>, tn::BatchNormalization, tn::ReLU,
//                                 tn::Conv2D<C, 3>, tn::BatchNormalization> {};
//
// Each block folds its layers like Sequential does (graph/detail/fold.hpp): every layer is
// bound to the shape before it at compile time, and a mistake is one error naming its path,
// e.g. at_path<at_layer<5, Down<32>, Shape<28, 28, 16>>, at_branch<0>, at_layer<1, Conv2D<...>,
// Shape<28, 28, 16>>>. A strong name (`struct Stage : Chain<...> {}`) keeps that path short.
// The network is laid out flat: a branch's layers follow one another, and the node where the
// branches meet (an Add or a Concat) reads their outputs.

namespace typenet {

template <class... Layers>
struct Chain;
template <class... Layers>
struct Shortcut;

namespace detail {

/// `Where` for a mistake of the block whose step ends `Context`, with `Extra` steps after it.
template <class Context, class... Extra>
struct block_where;
template <class Only>
struct block_where<type_list<Only>> {
  using type = Only;
};
template <class... Steps, class... Extra>
  requires(sizeof...(Steps) + sizeof...(Extra) > 1)
struct block_where<type_list<Steps...>, Extra...> {
  using type = at_path<Steps..., Extra...>;
};
template <class Context, class... Extra>
using block_where_t = typename block_where<Context, Extra...>::type;

template <class T>
inline constexpr bool is_plain_chain = false;
template <class... Ds>
inline constexpr bool is_plain_chain<Chain<Ds...>> = true;

/// A list of layers folded at the start of a branch (or a chain); a branch written as a plain
/// `Chain<...>` is its layers, so its path does not gain a step of its own.
template <class Context, std::size_t Position, std::size_t Source, class In, class List>
struct fold_list;
template <class Context, std::size_t Position, std::size_t Source, class In, class... Ds>
struct fold_list<Context, Position, Source, In, type_list<Ds...>> {
  using type = folded_t<Fold<Context, 1, Position, Source, In, Ds...>>;
};
template <class Context, std::size_t Position, std::size_t Source, class In, class... Ds>
struct fold_list<Context, Position, Source, In, type_list<Chain<Ds...>>> {
  using type = folded_t<Fold<Context, 1, Position, Source, In, Ds...>>;
};

/// Branches Bs, each folded from Source inside at_branch<K, K + 1, ...>, one after another:
/// `all` their Foldeds in order, `nodes` theirs, `next` the first position after them.
template <class Context, std::size_t K, std::size_t Position, std::size_t Source, class In, class... Bs>
struct fold_branches {
  using all = type_list<>;
  using nodes = type_list<>;
  static constexpr std::size_t next = Position;
};
template <class Context, std::size_t K, std::size_t Position, std::size_t Source, class In, class B, class... Bs>
struct fold_branches<Context, K, Position, Source, In, B, Bs...> {
  using first = typename fold_list<append_t<Context, at_branch<K>>, Position, Source, In, type_list<B>>::type;
  using rest = fold_branches<Context, K + 1, first::next, Source, In, Bs...>;
  using all = join_t<type_list<first>, typename rest::all>;
  using nodes = join_t<typename first::nodes, typename rest::nodes>;
  static constexpr std::size_t next = rest::next;
};

/// The merge at the end of a block, reading the outputs `Sources` of shapes `Shapes` (their
/// agreement already checked): one node at position `Position`, after the branches' nodes.
template <class Context, class Merge, class Nodes, std::size_t Position, class Sources>
struct merged;
template <class Context, class Merge, class Nodes, std::size_t Position, std::size_t... Sources>
struct merged<Context, Merge, Nodes, Position, std::index_sequence<Sources...>> {
  using type = Folded<append_t<Nodes, Node<Merge, append_t<Context, at_merge>, Sources...>>,
                      shape_t<Merge::output_shape>, Position, Position + 1>;
};

/// What a block that has been rejected (or whose branch was) makes: nothing, silently; the
/// layers after it take its positions.
template <std::size_t Source, std::size_t Position>
using rejected_block = Folded<type_list<>, poison_shape, Source, Position>;

template <class... Shapes>
inline constexpr bool any_poison = (std::is_same_v<Shapes, poison_shape> || ...);

/// Concat's rule: the same rank, and the same size on every axis but the last.
template <class A, class B>
consteval bool joinable() {
  if (A::rank != B::rank || A::rank == 0) return false;
  for (std::size_t i = 0; i + 1 < A::rank; ++i)
    if (A::dims[i] != B::dims[i]) return false;
  return true;
}
template <class First, class... Rest>
struct joined_shape {
  template <std::size_t... I>
  static auto make(std::index_sequence<I...>)
      -> Shape<First::dims[I]..., (First::dims[First::rank - 1] + ... + Rest::dims[Rest::rank - 1])>;
  using type = decltype(make(std::make_index_sequence<First::rank - 1>{}));
};

/// A Shortcut that takes shape In to shape Out, where one of a few simple ones does: a 1 x 1
/// convolution with the stride that gives Out's height and width, or a Dense; else void.
template <class In, class Out>
consteval std::array<std::size_t, 2> shortcut_strides() {
  std::array<std::size_t, 2> found{0, 0};
  for (std::size_t axis = 0; axis < 2; ++axis)
    for (std::size_t s = 1; s <= In::dims[axis] && found[axis] == 0; ++s)
      if ((In::dims[axis] - 1) / s + 1 == Out::dims[axis]) found[axis] = s;
  return found;
}
template <class In, class Out>
struct shortcut_for {
  using type = void;
};
template <class In, class Out>
  requires(In::rank == 3 && Out::rank == 3 && shortcut_strides<In, Out>()[0] > 0 && shortcut_strides<In, Out>()[1] > 0)
struct shortcut_for<In, Out> {
  using type = Shortcut<Conv2D<Out::dims[2], 1, 1, Padding::valid, shortcut_strides<In, Out>()[0],
                               shortcut_strides<In, Out>()[1]>>;
};
template <class In, class Out>
  requires(In::rank == 1 && Out::rank == 1)
struct shortcut_for<In, Out> {
  using type = Shortcut<Dense<Out::dims[0]>>;
};

// ---- the messages, each instantiated only for its mistake -----------------------------------

template <class Where>
consteval void explain_empty_block() {
  static_assert(rejected<Where>,
                "a block needs at least one layer: Chain<...>, Residual<...>, Shortcut<...> and each branch of a "
                "Concat or an Add hold one or more layers");
}
template <class Where>
consteval void explain_residual_shape() {
  static_assert(rejected<Where>,
                "Residual's body changes the shape of its input (body_output), so the two cannot be added: end the "
                "Residual with a Shortcut<...> that makes its input the body's output shape (would_fit names one), "
                "or keep the body's output shape");
}
template <class Where>
consteval void explain_shortcut_shape() {
  static_assert(rejected<Where>,
                "Residual's body and its Shortcut give different shapes (body_output, shortcut_output): they must "
                "agree on every axis to be added");
}
template <class Where>
consteval void explain_add_shapes() {
  static_assert(rejected<Where>,
                "Add's branches give different shapes (branch_outputs): they must agree on every axis to be added");
}
template <class Where>
consteval void explain_concat_shapes() {
  static_assert(rejected<Where>,
                "Concat's branches must agree on every axis but the last (branch_outputs): they are joined along "
                "the last axis, the channels of an image");
}
template <class Where>
consteval void explain_too_few_branches() {
  static_assert(rejected<Where>,
                "Concat and Add join two or more branches: for one, write its layers in place (or as a Chain)");
}
template <class Where>
consteval void explain_stray_shortcut() {
  static_assert(rejected<Where>,
                "Shortcut<...> is the projection of a Residual and goes last in it: Residual<body..., Shortcut<...>>");
}
template <class Where>
consteval void explain_repeat_count() {
  static_assert(rejected<Where>, "Repeat<N, Block> needs N of at least 1");
}

/// The parts of a Residual's arguments: the body, and the shortcut when the last is one.
template <class Body, class... Ds>
struct residual_parts {
  using body = Body;
  using shortcut = void;
};
template <class... Body, class D, class... Ds>
struct residual_parts<type_list<Body...>, D, Ds...> : residual_parts<type_list<Body..., D>, Ds...> {};
template <class... Body, class... Ss>
struct residual_parts<type_list<Body...>, Shortcut<Ss...>> {
  using body = type_list<Body...>;
  using shortcut = type_list<Ss...>;
};

template <class List>
inline constexpr bool is_empty_list = type_list_size<List> == 0;
template <class List>
inline constexpr bool has_empty_chain = false;
template <class... Ds>
inline constexpr bool has_empty_chain<type_list<Ds...>> = ((is_plain_chain<Ds> && std::is_same_v<Ds, Chain<>>) || ...);

template <class Context, std::size_t Position, std::size_t Source, class In, class... Ds>
consteval auto residual_make() {
  using parts = residual_parts<type_list<>, Ds...>;
  using body_list = typename parts::body;
  constexpr bool projected = !std::is_void_v<typename parts::shortcut>;
  if constexpr (is_empty_list<body_list> || has_empty_chain<body_list>) {
    explain_empty_block<block_where_t<Context>>();
    return rejected_block<Source, Position>{};
  } else {
    using body = typename fold_list<append_t<Context, at_branch<0>>, Position, Source, In, body_list>::type;
    using A = typename body::output;
    if constexpr (projected) {
      if constexpr (is_empty_list<typename parts::shortcut>) {
        explain_empty_block<block_where_t<Context>>();
        return rejected_block<Source, Position>{};
      } else {
        using shortcut =
            typename fold_list<append_t<Context, at_branch<1>>, body::next, Source, In, typename parts::shortcut>::type;
        using B = typename shortcut::output;
        if constexpr (any_poison<A, B>) {
          return rejected_block<Source, Position>{};
        } else if constexpr (!std::is_same_v<A, B>) {
          explain_shortcut_shape<block_where_t<Context, body_output<A>, shortcut_output<B>>>();
          return rejected_block<Source, Position>{};
        } else {
          return typename merged<Context, AddNode<A, 2>, join_t<typename body::nodes, typename shortcut::nodes>,
                                 shortcut::next, std::index_sequence<body::source, shortcut::source>>::type{};
        }
      }
    } else if constexpr (any_poison<A>) {
      return rejected_block<Source, Position>{};
    } else if constexpr (!std::is_same_v<A, In>) {
      explain_residual_shape<block_where_t<Context, body_output<A>, would_fit<typename shortcut_for<In, A>::type>>>();
      return rejected_block<Source, Position>{};
    } else {
      return typename merged<Context, AddNode<A, 2>, typename body::nodes, body::next,
                             std::index_sequence<body::source, Source>>::type{};
    }
  }
}

template <class List>
struct type_list_first;
template <class T, class... Ts>
struct type_list_first<type_list<T, Ts...>> {
  using type = T;
};

/// Add and Concat: branches folded from the same input, then their merge.
template <bool IsConcat, class Context, std::size_t Position, std::size_t Source, class Branches, class... F>
consteval auto join_finish(type_list<F...>) {
  constexpr std::size_t at = Branches::next;
  using First = typename type_list_first<type_list<typename F::output...>>::type;
  if constexpr (any_poison<typename F::output...>) {
    return rejected_block<Source, Position>{};
  } else if constexpr (IsConcat) {
    if constexpr (!(joinable<First, typename F::output>() && ...)) {
      explain_concat_shapes<block_where_t<Context, branch_outputs<typename F::output...>>>();
      return rejected_block<Source, Position>{};
    } else {
      using Out = typename joined_shape<typename F::output...>::type;
      return typename merged<Context, ConcatNode<Out, typename F::output...>, typename Branches::nodes, at,
                             std::index_sequence<F::source...>>::type{};
    }
  } else if constexpr (!(std::is_same_v<First, typename F::output> && ...)) {
    explain_add_shapes<block_where_t<Context, branch_outputs<typename F::output...>>>();
    return rejected_block<Source, Position>{};
  } else {
    return typename merged<Context, AddNode<First, sizeof...(F)>, typename Branches::nodes, at,
                           std::index_sequence<F::source...>>::type{};
  }
}
template <bool IsConcat, class Context, std::size_t Position, std::size_t Source, class In, class... Bs>
consteval auto join_make() {
  if constexpr (sizeof...(Bs) < 2) {
    explain_too_few_branches<block_where_t<Context>>();
    return rejected_block<Source, Position>{};
  } else if constexpr ((std::is_same_v<Bs, Chain<>> || ...)) {
    explain_empty_block<block_where_t<Context>>();
    return rejected_block<Source, Position>{};
  } else {
    using branches = fold_branches<Context, 0, Position, Source, In, Bs...>;
    return join_finish<IsConcat, Context, Position, Source, branches>(typename branches::all{});
  }
}

template <class Context, std::size_t Position, std::size_t Source, class In, class... Ds>
consteval auto chain_make() {
  if constexpr (sizeof...(Ds) == 0) {
    explain_empty_block<block_where_t<Context>>();
    return rejected_block<Source, Position>{};
  } else {
    return folded_t<Fold<Context, 1, Position, Source, In, Ds...>>{};
  }
}

template <class Context, std::size_t Position, std::size_t Source>
consteval auto stray_shortcut() {
  explain_stray_shortcut<block_where_t<Context>>();
  return rejected_block<Source, Position>{};
}

template <std::size_t N, class B, class... Done>
struct repeated : repeated<N - 1, B, Done..., B> {};
template <class B, class... Done>
struct repeated<0, B, Done...> {
  using type = type_list<Done...>;
};

template <class Context, std::size_t Position, std::size_t Source, class In, std::size_t N, class Block>
consteval auto repeat_make() {
  if constexpr (N == 0) {
    explain_repeat_count<block_where_t<Context>>();
    return rejected_block<Source, Position>{};
  } else {
    return typename fold_list<Context, Position, Source, In, typename repeated<N, Block>::type>::type{};
  }
}

}  // namespace detail

/// Layers in sequence, usable wherever a layer is: a named part of a network
/// (`struct Stem : Chain<Conv2D<16, 3>, ReLU> {}`), a branch of a Concat or an Add, or a
/// Residual's body.
template <class... Layers>
struct Chain {
  static constexpr bool is_block = true;
  template <class Context, std::size_t Position, std::size_t Source, class In>
  using fold = decltype(detail::chain_make<Context, Position, Source, In, Layers...>());
};

/// A Residual's projection, its last argument: the layers the block's input goes through
/// before it is added to the body's output (ResNet's 1 x 1 convolution with a stride).
template <class... Layers>
struct Shortcut {
  static constexpr bool is_block = true;
  template <class Context, std::size_t Position, std::size_t Source, class In>
  using fold = decltype(detail::stray_shortcut<Context, Position, Source>());
};

/// y = F(x) + x, F the layers given (the body, branch 0); or, when the last argument is a
/// Shortcut<S...>, y = F(x) + S(x) (the shortcut, branch 1). The body's output must have the
/// input's shape (the shortcut's output, with a Shortcut). The sum is added in that order.
template <class... Layers>
struct Residual {
  static constexpr bool is_block = true;
  template <class Context, std::size_t Position, std::size_t Source, class In>
  using fold = decltype(detail::residual_make<Context, Position, Source, In, Layers...>());
};

/// The branches, each given the block's input, joined along the last axis (an image's
/// channels), in order: Keras's Concatenate(axis=-1). A branch is a layer, a block or a
/// Chain<...>; the branches agree on every axis but the last.
template <class... Branches>
struct Concat {
  static constexpr bool is_block = true;
  template <class Context, std::size_t Position, std::size_t Source, class In>
  using fold = decltype(detail::join_make<true, Context, Position, Source, In, Branches...>());
};

/// The branches, each given the block's input, added (all of one shape), in order: Keras's Add.
template <class... Branches>
struct Add {
  static constexpr bool is_block = true;
  template <class Context, std::size_t Position, std::size_t Source, class In>
  using fold = decltype(detail::join_make<false, Context, Position, Source, In, Branches...>());
};

/// `Block` N times in sequence (each with parameters of its own): Repeat<2, Basic<64>>.
template <std::size_t N, class Block>
struct Repeat {
  static constexpr bool is_block = true;
  template <class Context, std::size_t Position, std::size_t Source, class In>
  using fold = decltype(detail::repeat_make<Context, Position, Source, In, N, Block>());
};

}  // namespace typenet
