// typenet/layers/regularized.hpp: Regularized<Layer, Penalty>, a layer whose kernel adds L1 / L2 penalties to the loss (Keras's kernel_regularizer).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

/// Keras's `regularizers.L1(l1)`: l1 * sum |w|, with l1 = Numerator / Denominator.
template <std::size_t Numerator, std::size_t Denominator = 10000>
struct L1 {
  static constexpr double l1 = double(Numerator) / double(Denominator);
  static constexpr double l2 = 0;
  static constexpr detail::Text spelling() {
    return "L1<" + detail::decimal(Numerator) + ", " + detail::decimal(Denominator) + ">";
  }
};

/// Keras's `regularizers.L2(l2)`: l2 * sum w^2, with l2 = Numerator / Denominator
/// (`L2<1, 1000>` is Keras's L2(0.001)).
template <std::size_t Numerator, std::size_t Denominator = 10000>
struct L2 {
  static constexpr double l1 = 0;
  static constexpr double l2 = double(Numerator) / double(Denominator);
  static constexpr detail::Text spelling() {
    return "L2<" + detail::decimal(Numerator) + ", " + detail::decimal(Denominator) + ">";
  }
};

/// Keras's `regularizers.L1L2(l1, l2)`: both.
template <class First, class Second>
struct L1L2 {
  static constexpr double l1 = First::l1 + Second::l1;
  static constexpr double l2 = First::l2 + Second::l2;
  static constexpr detail::Text spelling() { return "L1L2<" + First::spelling() + ", " + Second::spelling() + ">"; }
};

template <class Layer, detail::Penalty P>
struct Regularized;

namespace detail {
/// The layer whose kernel Regularized penalises: a shorthand's first part (Dense<128, ReLU>'s Dense).
template <class Layer>
struct kernel_layer {
  using type = Layer;
};
template <class Layer>
  requires is_shorthand<Layer>
struct kernel_layer<Layer> : kernel_layer<typename Layer::expands_to> {};
template <class Head, class... Tail>
struct kernel_layer<type_list<Head, Tail...>> {
  using type = Head;
};

/// Regularized of a shorthand is itself one: its first part regularized, then the others.
template <class Layer, class P>
struct regularized_parts {};
template <class Layer, class P>
  requires is_shorthand<Layer>
struct regularized_parts<Layer, P> : regularized_parts<typename Layer::expands_to, P> {};
template <class Head, class... Tail, class P>
struct regularized_parts<type_list<Head, Tail...>, P> {
  using expands_to = type_list<Regularized<Head, P>, Tail...>;
};
}  // namespace detail

/// `Layer` with Keras's `kernel_regularizer=Penalty`: the penalty of its first parameter
/// tensor (the kernel of Dense and Conv2D) joins the loss that fit and evaluate report, and its
/// gradient joins the kernel's. Everything else is `Layer`'s own:
///     tn::Regularized<tn::Dense<128>, tn::L2<1, 1000>>   // Dense(128, kernel_regularizer=L2(0.001))
///     tn::Regularized<tn::Dense<128, tn::ReLU>, tn::L2<1, 1000>>  // ... activation='relu'
template <class Layer, detail::Penalty P>
struct Regularized : detail::regularized_parts<Layer, P> {
  static constexpr std::string_view name = Layer::name;
  static constexpr detail::Text spelling() {
    return "Regularized<" + detail::Text(Layer::spelling()) + ", " + P::spelling() + ">";
  }

  template <class Where>
  static consteval bool check_parameters() {
    if constexpr (!Layer::template check_parameters<Where>()) {
      return false;
    } else {
      static_assert(P::l1 >= 0 && P::l2 >= 0, "a regularizer's factors cannot be negative");
      return true;
    }
  }

  /// (Where the layer's bind lacks its parameter tensors, the fold names what is missing.)
  template <AnyShape In>
  static consteval bool has_kernel() {
    using Kernel = typename detail::kernel_layer<Layer>::type;
    if constexpr (!Layer::template accepts<In>)
      return false;
    else if constexpr (!Kernel::template accepts<In>)
      return false;
    else if constexpr (!detail::has_parameter_tensors<typename Kernel::template bind<In>>)
      return true;
    else
      return Kernel::template bind<In>::parameter_tensors.size() > 0;
  }

  template <AnyShape In>
  static constexpr bool accepts = has_kernel<In>();

  template <class Where>
  static consteval void explain() {
    if constexpr (!Layer::template accepts<detail::received_t<Where>>)
      Layer::template explain<Where>();
    else
      static_assert(detail::rejected<Where>, "Regularized needs a layer with parameters, such as Dense or Conv2D: "
                                     "it penalises the layer's kernel");
  }

  template <AnyShape In>
  struct bind : Layer::template bind<In> {
    using descriptor = Regularized;
    using penalty = P;
  };
};

}  // namespace typenet
