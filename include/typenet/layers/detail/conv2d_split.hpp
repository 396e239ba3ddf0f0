// typenet/layers/detail/conv2d_split.hpp: Conv2DSplit, a Conv2D trained by one algorithm and run in inference by another.
#pragma once

#include <cstddef>

#include <typenet/layers/layer_concepts.hpp>

namespace typenet::detail {

/// The storage contract of a Conv2D whose training passes run as `Train` (Conv2DDirect) and whose
/// inference runs as `Infer` (Conv2DWinograd, its forward pass alone): kernels::
/// conv2d_training_algorithm says when. The packed copy holds Train's, then what Infer's forward
/// pass reads; training keeps and uses Train's work areas, inference Infer's. The two compute the
/// same convolution, rounded differently.
template <class Train, class Infer>
struct Conv2DSplit {
  static constexpr std::size_t tile = Infer::tile;
  static constexpr std::size_t saved_size = Train::saved_size;
  static constexpr std::size_t scratch_size = Train::scratch_size;
  static constexpr std::size_t inference_saved_size = Infer::inference_saved_size;
  static constexpr std::size_t inference_scratch_size = Infer::inference_scratch_size;

  static constexpr std::size_t inference_packed_at = align_elements(Train::packed_size);
  static constexpr std::size_t packed_size = inference_packed_at + Infer::forward_packed_size;
  static constexpr bool packed_for_input_gradient = false;  // inference reads Infer's part
  static constexpr std::size_t pack_tasks = Train::pack_tasks + Infer::forward_pack_tasks;
  template <class S>
  static void pack(const S* w, S* packed, std::size_t task) {
    if (task < Train::pack_tasks) Train::pack(w, packed, task);
    else Infer::pack(w, packed + inference_packed_at, task - Train::pack_tasks);
  }
  template <class S>
  static void pack(const S* w, S* packed) {
    for (std::size_t task = 0; task < pack_tasks; ++task) pack(w, packed, task);
  }

  template <class S>
  static void forward(std::size_t n, const S* x, const S* w, const S* bias, const S* packed, S* y, bool relu,
                      bool training, S* saved, S* scratch) {
    if (training) Train::forward(n, x, w, bias, packed, y, relu, true, saved, scratch);
    else Infer::forward(n, x, w, bias, packed + inference_packed_at, y, relu, false, saved, scratch);
  }
  template <class S>
  static void backward(std::size_t n, const S* dy, const S* packed, S* dx, S* saved, S* scratch) {
    Train::backward(n, dy, packed, dx, saved, scratch);
  }
  static constexpr std::size_t weight_tiles = Train::weight_tiles;
  template <class S>
  static void weight_gradient(std::size_t tile, std::size_t n, const S* x, const S* dy, const S* saved, S* scratch,
                              S* g) {
    Train::weight_gradient(tile, n, x, dy, saved, scratch, g);
  }
};

}  // namespace typenet::detail
