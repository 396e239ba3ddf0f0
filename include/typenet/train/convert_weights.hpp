// typenet/train/convert_weights.hpp: convert_safetensors and convert_npz, weights trained elsewhere written as a typenet weight file (for typenet-embed, or Model::load) with no model built.
#pragma once

#include <string>
#include <vector>

#include <typenet/graph/network_facts.hpp>
#include <typenet/io/layout.hpp>
#include <typenet/train/weight_file.hpp>

namespace typenet {

/// Reads the safetensors file `from` as `Model<Net, ..., S>::load_safetensors(from, layout, names)`
/// reads it (the same strict matching, layouts and messages) and writes its values to `to` as a
/// typenet weight file of `Net` with scalar `S`, the file `Model::save` writes: what `typenet-embed`
/// compiles into a program, so that a network trained in PyTorch is embedded with its
/// architecture checked at compile time (docs/deploying.md). Needs no Model (no optimizer state,
/// no workspace). Throws Error naming the file and the fault; `to` is then as it was (the write
/// is atomic). Returns what filled what, and what was assumed.
template <class Net, class S = float>
ImportReport convert_safetensors(const std::string& from, const std::string& to, Layout layout = Layout::typenet,
                                 const std::vector<std::string>& names = {}) {
  ImportReport report;
  const auto params = detail::load_safetensors<S>(from, detail::network_facts<Net>, layout, names, report);
  detail::save_weight_file(to, detail::network_facts<Net>, params.data());
  return report;
}

/// The same for Keras's weights saved as a NumPy .npz archive (`Model::load_npz`'s rules).
template <class Net, class S = float>
void convert_npz(const std::string& from, const std::string& to) {
  const auto params = detail::load_npz<S>(from, detail::network_facts<Net>);
  detail::save_weight_file(to, detail::network_facts<Net>, params.data());
}

}  // namespace typenet
