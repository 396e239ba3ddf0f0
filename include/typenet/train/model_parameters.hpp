// typenet/train/model_parameters.hpp: ModelParameters<Network, Optimizer, Scalar>, a Model's parameters, their gradient and optimizer state, and their files.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <typenet/core/aligned_buffer.hpp>
#include <typenet/exec/packed_weights.hpp>
#include <typenet/exec/plan.hpp>
#include <typenet/graph/sequential.hpp>
#include <typenet/io/layout.hpp>
#include <typenet/io/weights.hpp>
#include <typenet/train/checks.hpp>
#include <typenet/train/parameters.hpp>
#include <typenet/train/regularization.hpp>
#include <typenet/train/weight_file.hpp>

namespace typenet {

/// The parameter side of a Model (its public base): the parameters, the gradient of the last
/// step, the optimizer and its state, the kernels' packed copies of the parameters, and the
/// weight files they are saved to and loaded from. Model adds the passes that use them.
template <Network Net, class Optimizer, class S>
class ModelParameters {
 public:
  /// Draws fresh parameters from `seed` (Glorot-uniform kernels, zero biases, as Keras) and
  /// clears the optimizer's state. The same seed always gives the same model.
  void initialize(std::uint64_t seed) {
    detail::initialize_parameters(detail::network_facts<Net>, params_.data(), seed);
    std::fill(state_.data(), state_.data() + state_.size(), S{});
    std::fill(grads_.data(), grads_.data() + grads_.size(), S{});
    optimizer_.iterations = 0;
    packed_.pack(params_.data());
  }

  // ---- parameters ----------------------------------------------------------------------

  /// All parameters, layer after layer, each tensor padded to a cache line (see `tensor`).
  /// Handing out a writable view marks the kernels' packed copies stale: the next pass
  /// refreshes them (see `parameters_changed`).
  std::span<S> parameters() {
    packed_.mark_stale();
    return {params_.data(), Net::parameter_block};
  }
  std::span<const S> parameters() const { return {params_.data(), Net::parameter_block}; }
  /// The gradient left by the last `compute_gradients` or `train_step`, laid out as `parameters`.
  std::span<const S> gradients() const { return {grads_.data(), Net::parameter_block}; }
  /// The optimizer's state (Optimizer::slots blocks, each laid out as `parameters`).
  std::span<S> optimizer_state() { return {state_.data(), state_.size()}; }
  std::span<const S> optimizer_state() const { return {state_.data(), state_.size()}; }

  /// Tensor `index` ("kernel" 0, "bias" 1) of the layer at `position` (1-based), unpadded.
  std::span<S> tensor(std::size_t position, std::size_t index) {
    const auto [offset, size] = detail::tensor_location(detail::network_facts<Net>, position, index);
    packed_.mark_stale();
    return {params_.data() + offset, size};
  }
  std::span<const S> gradient_of(std::size_t position, std::size_t index) const {
    const auto [offset, size] = detail::tensor_location(detail::network_facts<Net>, position, index);
    return {grads_.data() + offset, size};
  }

  /// The sum of the kernel penalties of the Regularized layers (Keras's regularization
  /// losses), which fit and evaluate add to the mean loss they report; 0 without any.
  double penalty() const { return detail::penalty<Net>(params_.data()); }

  /// The kernels' packed copies of the parameters (a convolution's transformed kernels) follow
  /// writes made through `parameters()` or `tensor()` by themselves: the next pass refreshes
  /// them. Call this after writing through a view kept from before a pass.
  void parameters_changed() { packed_.pack(params_.data()); }

  Optimizer& optimizer() { return optimizer_; }
  const Optimizer& optimizer() const { return optimizer_; }

  // ---- files ----------------------------------------------------------------------------

  /// The network as a weight file describes it: each layer as written in the type, the
  /// shapes it receives and produces, and its parameter tensors.
  static io::Architecture architecture() { return detail::architecture(detail::network_facts<Net>); }

  /// Saves the parameters to `path` (docs/weight-format.md), atomically: a failure or a
  /// crash during the save leaves the previous file as it was.
  void save(const std::string& path) const {
    detail::save_weight_file(path, detail::network_facts<Net>, params_.data());
  }

  /// Loads the parameters saved in `path` by `save` (or the weights of a checkpoint). Throws
  /// Error naming the file and the fault when it is missing, truncated, corrupt, of another
  /// format version or scalar type, or saved from another network (naming the first layer
  /// that differs); the model is then exactly as it was. The optimizer's state is untouched.
  void load(const std::string& path) { take(detail::read_weights<S>(io::load_file(path), detail::network_facts<Net>)); }

  /// The same from a file's bytes already in memory; `name` stands for the file in messages.
  void load(std::vector<unsigned char> bytes, const std::string& name) {
    take(detail::read_weights<S>(io::check_file(std::move(bytes), name), detail::network_facts<Net>));
  }

  /// Saves the parameters to `path` as a safetensors file, F32 for a float model and F64 for a
  /// double one, written atomically. Layout::typenet (the default): one tensor per parameter
  /// tensor, named after its layer's path ("1.kernel", "5.b0.1.bias"), in Keras's layout.
  /// Layout::pytorch: as PyTorch's state_dict holds the same layers, the modules named `names`
  /// (one per layer with parameters, in order) or as an nn.Sequential names them ("0.weight",
  /// "0.bias", "3.weight", ...). docs/interop.md has the details.
  void save_safetensors(const std::string& path, Layout layout = Layout::typenet,
                        const std::vector<std::string>& names = {}) const {
    detail::save_safetensors(path, detail::network_facts<Net>, params_.data(), layout, names);
  }

  /// Loads parameters from a safetensors file (F16, BF16, F32 or F64), strictly: every tensor of
  /// the model filled exactly once, every tensor of the file used. Layout::typenet: as
  /// `save_safetensors` writes them. Layout::pytorch: a PyTorch state_dict, its modules matched
  /// to the layers by `names` or by position among the modules of a kind, kernels transposed,
  /// a Linear after a Flatten with its inputs reordered (docs/interop.md has every rule).
  /// Returns what filled what and what was assumed. Throws Error naming the file and the fault
  /// (a missing tensor with the shape it needs, a wrong shape or dtype, a tensor with no place,
  /// a corrupt file); the model is then exactly as it was. The optimizer's state is untouched.
  ImportReport load_safetensors(const std::string& path, Layout layout = Layout::typenet,
                                const std::vector<std::string>& names = {}) {
    ImportReport report;
    take(detail::load_safetensors<S>(path, detail::network_facts<Net>, layout, names, report));
    return report;
  }

  /// Loads parameters from a NumPy .npz archive in Keras's layouts, as Keras's weights are saved
  /// with `np.savez(path, **{w.path: w.numpy() for w in model.weights})` (docs/interop.md):
  /// matched by position, each array with the shape its tensor needs, every tensor filled once.
  /// Throws Error naming the file, the array and the layer; the model is then as it was.
  void load_npz(const std::string& path) { take(detail::load_npz<S>(path, detail::network_facts<Net>)); }

 protected:
  ModelParameters(typename Optimizer::Options options, std::uint64_t seed)
      : optimizer_(options),
        params_(Net::parameter_block),
        grads_(Net::parameter_block),
        state_(Optimizer::slots * Net::parameter_block) {
    initialize(seed);
  }

  exec::Weights<S> weights() const { return {params_.data(), packed_.data()}; }

  void take(detail::AlignedBuffer<S> fresh) {
    std::swap(params_, fresh);
    packed_.pack(params_.data());
  }

  Optimizer optimizer_;
  detail::AlignedBuffer<S> params_;
  detail::AlignedBuffer<S> grads_;
  detail::AlignedBuffer<S> state_;
  exec::PackedWeights<Net, S> packed_;
};

}  // namespace typenet
