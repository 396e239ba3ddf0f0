// typenet/io/layout.hpp: Layout (whose names and axes a safetensors file has) and ImportReport (what a load matched and assumed).
#pragma once

#include <string>
#include <vector>

namespace typenet {

/// Whose names and axes a safetensors file uses (docs/interop.md).
///  - `typenet`: tensors named by their layer's path ("1.kernel", "5.b0.2.gamma") in Keras's
///    layouts: a Conv2D kernel [height, width, in, filters], a Dense kernel [inputs, units].
///  - `pytorch`: a state_dict's names ("features.0.weight", "layer1.0.bn1.running_var") and
///    PyTorch's layouts: Conv2d weight [out, in, height, width], Linear weight [out, in], a
///    Linear after a Flatten reading its inputs channel by channel, BatchNorm's weight, bias,
///    running_mean and running_var.
enum class Layout { typenet, pytorch };

/// What a load did: which tensors of the file filled each layer and how, and what it assumed
/// that the file could not say (a BatchNormalization's epsilon).
struct ImportReport {
  std::vector<std::string> lines;  ///< one per layer with parameters: "layer 1 (Conv2D<32, 3, 3>) <- features.0: ..."
  std::vector<std::string> notes;  ///< assumptions a user should check
  std::string text() const {
    std::string out;
    for (const std::string& line : lines) out += line + "\n";
    for (const std::string& note : notes) out += "note: " + note + "\n";
    return out;
  }
};

}  // namespace typenet
