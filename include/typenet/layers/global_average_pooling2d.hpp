// typenet/layers/global_average_pooling2d.hpp: GlobalAveragePooling2D, the mean of each channel over the whole image.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/core/diagnostics.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/text.hpp>
#include <typenet/layers/layer_concepts.hpp>

namespace typenet {

/// (height, width, channels) -> (channels): a rank-1 output, ready for Dense without Flatten.
struct GlobalAveragePooling2D {
  static constexpr std::string_view name = "GlobalAveragePooling2D";
  static constexpr detail::Text spelling() { return "GlobalAveragePooling2D"; }

  template <class Where>
  static consteval bool check_parameters() { return true; }

  template <AnyShape In>
  static constexpr bool accepts = In::rank == 3;

  template <class Where>
  static consteval void explain() {
    static_assert(detail::rejected<Where>,
                  "GlobalAveragePooling2D needs a rank-3 input (height, width, channels): use it after the "
                  "convolutions, in place of Flatten");
  }

  template <AnyShape In>
    requires accepts<In>
  struct bind : detail::NoParameters {
    using descriptor = GlobalAveragePooling2D;
    static constexpr std::size_t pixels = In::dims[0] * In::dims[1], C = In::dims[2];
    static constexpr In input_shape{};
    static constexpr Shape<C> output_shape{};

    template <class S>
    static void forward(const Pass<S>&, const S* x, S* y, std::size_t n) {
      const S scale = S{1} / S(pixels);
      for (std::size_t b = 0; b < n; ++b) {
        S* out = y + b * C;
        std::fill_n(out, C, S{});
        for (std::size_t p = 0; p < pixels; ++p)
          for (std::size_t c = 0; c < C; ++c) out[c] += x[(b * pixels + p) * C + c];
        for (std::size_t c = 0; c < C; ++c) out[c] *= scale;
      }
    }

    template <class S>
    static void backward(const Pass<S>&, const S*, const S*, const S* dy, S* dx, std::size_t n) {
      if (!dx) return;
      const S scale = S{1} / S(pixels);
      for (std::size_t b = 0; b < n; ++b)
        for (std::size_t p = 0; p < pixels; ++p)
          for (std::size_t c = 0; c < C; ++c) dx[(b * pixels + p) * C + c] = dy[b * C + c] * scale;
    }
  };
};

}  // namespace typenet
