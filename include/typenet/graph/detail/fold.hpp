// typenet/graph/detail/fold.hpp: Fold, the compile-time walk that binds each layer to the shape before it and lays a network out as nodes.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/graph/detail/check_layer.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet::detail {

/// Stands in for a layer that was rejected or that follows a rejected one: it compiles
/// silently, so that one mistake gives one error.
template <class Descriptor>
struct Skipped : NoParameters {
  using descriptor = Descriptor;
  static constexpr poison_shape input_shape{};
  static constexpr poison_shape output_shape{};
  template <class S>
  static void forward(const Pass<S>&, const S*, S*, std::size_t) {}
  template <class S>
  static void backward(const Pass<S>&, const S*, const S*, const S*, S*, std::size_t) {}
};

template <bool Ok, class D, class In>
struct bind_or_skip {
  using type = Skipped<D>;
};
template <class D, class In>
struct bind_or_skip<true, D, In> {
  using type = typename D::template bind<In>;
};

// ---- paths: where a node sits in the blocks of its network ----------------------------------

/// The step a merge takes in its block's path (the Add of a Residual, a Concat's join).
struct at_merge;

/// `Where` for a step inside `Context` (a type_list of the enclosing steps): the step alone at
/// the network's top, at_path<Context..., Step> inside a block.
template <class Context, class Step>
struct where_in {
  using type = Step;
};
template <class Outer, class... More, class Step>
struct where_in<type_list<Outer, More...>, Step> {
  using type = at_path<Outer, More..., Step>;
};

template <class List, class T>
struct appended;
template <class... Ts, class T>
struct appended<type_list<Ts...>, T> {
  using type = type_list<Ts..., T>;
};
template <class List, class T>
using append_t = typename appended<List, T>::type;

template <class A, class B>
struct joined;
template <class... As, class... Bs>
struct joined<type_list<As...>, type_list<Bs...>> {
  using type = type_list<As..., Bs...>;
};
template <class A, class B>
using join_t = typename joined<A, B>::type;

// ---- nodes: the network laid out flat --------------------------------------------------------

/// One node of a network laid out flat: the bound layer L (or a merge), the path of steps
/// from the network's top to it (type_list of at_layer, at_branch and at_merge), and the
/// positions of the outputs it reads (0 is the network's input). Positions count nodes in
/// order, so a node only reads outputs made before it.
template <class L, class Path, std::size_t... Sources>
struct Node {
  using layer = L;
  using path = Path;
  static constexpr std::array<std::size_t, sizeof...(Sources)> sources{Sources...};
};

/// What folding a list of layers gives: its nodes, the shape of its last output and that
/// output's position, the next free position, and whether every layer was accepted.
template <class Nodes, class Output, std::size_t Source, std::size_t Next>
struct Folded {
  using nodes = Nodes;
  using output = Output;
  static constexpr std::size_t source = Source;
  static constexpr std::size_t next = Next;
  static constexpr bool valid = !std::is_same_v<Output, poison_shape>;
};

/// Whether D is a block (Chain, Residual, Concat, Add, Repeat, or a struct derived from one):
/// it folds its layers itself, `template <class Context, size_t Position, size_t Source, class
/// In> using fold = Folded<...>`.
template <class D>
inline constexpr bool is_block = requires { requires D::is_block; };

/// Folds layers Ds on shape In, read from position Source, inside Context; the first is the
/// Index-th of its list and takes position Position.
template <class Context, std::size_t Index, std::size_t Position, std::size_t Source, class In, class... Ds>
struct Fold : Folded<type_list<>, In, Source, Position> {};

/// The rest of a list after one entry that made `Made` (a Folded).
template <class Context, std::size_t Index, class Made, class... Rest>
struct FoldOn {
  using next = Fold<Context, Index + 1, Made::next, Made::source, typename Made::output, Rest...>;
  using nodes = join_t<typename Made::nodes, typename next::nodes>;
  using output = typename next::output;
  static constexpr std::size_t source = next::source;
  static constexpr std::size_t next_position = next::next;
};

/// A layer: checked and bound at its place (check_layer), one node.
template <class Context, std::size_t Index, std::size_t Position, std::size_t Source, class In, class D,
          class... Rest>
  requires(!is_shorthand<D> && !is_block<D>)
struct Fold<Context, Index, Position, Source, In, D, Rest...> {
  using step = at_layer<Index, D, In>;
  static constexpr bool accepted = check_layer<typename where_in<Context, step>::type, D, In>();
  using bound = typename bind_or_skip<accepted, D, In>::type;
  using made = Folded<type_list<Node<bound, append_t<Context, step>, Source>>, shape_t<bound::output_shape>,
                      Position, Position + 1>;
  using on = FoldOn<Context, Index, made, Rest...>;
  using nodes = typename on::nodes;
  using output = typename on::output;
  static constexpr std::size_t source = on::source;
  static constexpr std::size_t next = on::next_position;
  static constexpr bool valid = !std::is_same_v<output, poison_shape>;
};

/// A shorthand (`Dense<128, ReLU>`) is checked by its own rules at its place, then replaced
/// by its parts, which take that index and the ones after it (as summary() lists them).
template <class Context, std::size_t Index, std::size_t Position, std::size_t Source, class In, class List>
struct expanded;
template <class Context, std::size_t Index, std::size_t Position, std::size_t Source, class In, class... Parts>
struct expanded<Context, Index, Position, Source, In, type_list<Parts...>> {
  template <class... Rest>
  using fold = Fold<Context, Index, Position, Source, In, Parts..., Rest...>;
};

template <class Context, std::size_t Index, std::size_t Position, std::size_t Source, class In, class D,
          class... Rest>
  requires is_shorthand<D>
struct Fold<Context, Index, Position, Source, In, D, Rest...>
    : expanded<Context, Index, Position, Source,
               std::conditional_t<check_layer<typename where_in<Context, at_layer<Index, D, In>>::type, D, In>(), In,
                                  poison_shape>,
               typename D::expands_to>::template fold<Rest...> {};

/// A block folds its own layers, inside the step at_layer<Index, D, In>; after an earlier
/// mistake it makes nothing and stays silent.
template <class Context, std::size_t Position, std::size_t Source, class In, class D>
struct block_fold {
  using type = typename D::template fold<Context, Position, Source, In>;
};
template <class Context, std::size_t Position, std::size_t Source, class D>
struct block_fold<Context, Position, Source, poison_shape, D> {
  using type = Folded<type_list<>, poison_shape, Source, Position>;
};

template <class Context, std::size_t Index, std::size_t Position, std::size_t Source, class In, class D,
          class... Rest>
  requires is_block<D>
struct Fold<Context, Index, Position, Source, In, D, Rest...> {
  using made = typename block_fold<append_t<Context, at_layer<Index, D, In>>, Position, Source, In, D>::type;
  using on = FoldOn<Context, Index, made, Rest...>;
  using nodes = typename on::nodes;
  using output = typename on::output;
  static constexpr std::size_t source = on::source;
  static constexpr std::size_t next = on::next_position;
  static constexpr bool valid = !std::is_same_v<output, poison_shape>;
};

/// A Fold as the Folded it makes.
template <class F>
using folded_t = Folded<typename F::nodes, typename F::output, F::source, F::next>;

}  // namespace typenet::detail
