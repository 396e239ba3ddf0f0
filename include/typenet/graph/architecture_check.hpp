// typenet/graph/architecture_check.hpp: how a file's architecture differs from a model's, in words, for the run-time loader and the compile-time check of embedded weights alike.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

#include <typenet/core/text.hpp>

namespace typenet::detail {

/// The scalar type's name in weight files (and in their messages): "float32", "float64".
template <class S>
inline constexpr std::string_view scalar_name = sizeof(S) == 4 ? "float32" : "float64";

/// A string of either side's records (std::string, string_view, Text) as a string_view.
template <class T>
constexpr std::string_view as_view(const T& text) {
  if constexpr (requires { text.view(); }) return text.view();
  else return std::string_view(text);
}

/// "(28, 28, 1)", "(10,)".
template <class Out, class Dims>
constexpr void append_shape(Out& out, const Dims& dims) {
  out += "(";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) out += ", ";
    append_decimal(out, dims[i]);
  }
  out += dims.size() == 1 ? ",)" : ")";
}

/// "nodes 3 and 7", "node 0 (the input)".
template <class Out, class Positions>
constexpr void append_positions(Out& out, const Positions& positions) {
  if (positions.size() == 1 && positions[0] == 0) {
    out += "node 0 (the input)";
    return;
  }
  out += positions.size() == 1 ? "node " : "nodes ";
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (i > 0) out += i + 1 == positions.size() ? " and " : ", ";
    append_decimal(out, positions[i]);
  }
}

/// "kernel of 288, bias of 32", "none".
template <class Out, class Tensors>
constexpr void append_tensors(Out& out, const Tensors& tensors) {
  if (tensors.size() == 0) out += "none";
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (i > 0) out += ", ";
    out += as_view(tensors[i].name);
    out += " of ";
    append_decimal(out, tensors[i].size);
  }
}

template <class A, class B>
constexpr bool same_tensors(const A& a, const B& b) {
  return std::ranges::equal(a, b, [](const auto& x, const auto& y) {
    return as_view(x.name) == as_view(y.name) && x.size == y.size;
  });
}

/// Whether `file` (a weight file's nodes) describes another network than `model` (the
/// model's): if so, appends to `out` (a std::string, or a BasicText in a constant expression)
/// the first difference, naming the node and how it differs ("layer 4: file has Dense<64>,
/// model expects Dense<128>"). A node of either side has `kind` and `path` (strings), `input`,
/// `output` and `sources` (sequences of numbers) and `tensors` (each with `name` and `size`);
/// `where(i)` names the model's node i (from 0) as messages do ("layer 5 (Down<32>) > branch 0 >
/// layer 1"), or is empty for "layer i + 1".
template <class Out, class File, class Model, class Where>
constexpr bool describe_difference(Out& out, const File& file, const Model& model, Where where) {
  const std::size_t common = std::min(file.size(), model.size());
  for (std::size_t i = 0; i < common; ++i) {
    const auto& f = file[i];
    const auto& m = model[i];
    const auto at = [&](bool with_kind) {
      const std::string_view place = where(i);
      if (place.empty()) {
        out += "layer ";
        append_decimal(out, i + 1);
      } else {
        out += place;
      }
      if (with_kind) {
        out += " (";
        out += as_view(m.kind);
        out += ")";
      }
    };
    if (as_view(f.kind) != as_view(m.kind)) {
      at(false);
      out += ": file has ";
      out += as_view(f.kind);
      out += ", model expects ";
      out += as_view(m.kind);
      return true;
    }
    if (as_view(f.path) != as_view(m.path)) {
      at(true);
      out += ": in the file it sits at ";
      out += as_view(f.path);
      out += " of the blocks, in the model at ";
      out += as_view(m.path);
      out += " (the blocks differ)";
      return true;
    }
    if (!std::ranges::equal(f.input, m.input)) {
      at(true);
      out += ": in the file it receives ";
      append_shape(out, f.input);
      out += ", in the model ";
      append_shape(out, m.input);
      return true;
    }
    if (!std::ranges::equal(f.output, m.output)) {
      at(true);
      out += ": in the file it produces ";
      append_shape(out, f.output);
      out += ", in the model ";
      append_shape(out, m.output);
      return true;
    }
    if (!same_tensors(f.tensors, m.tensors)) {
      at(true);
      out += ": file has tensors ";
      append_tensors(out, f.tensors);
      out += ", model expects ";
      append_tensors(out, m.tensors);
      return true;
    }
    if (!std::ranges::equal(f.sources, m.sources)) {
      at(true);
      out += ": in the file it reads the outputs of ";
      append_positions(out, f.sources);
      out += ", in the model of ";
      append_positions(out, m.sources);
      out += " (the blocks are joined differently)";
      return true;
    }
  }
  if (file.size() == model.size()) return false;
  out += "file has ";
  append_decimal(out, file.size());
  out += " layers, model has ";
  append_decimal(out, model.size());
  out += ": layer ";
  append_decimal(out, common + 1);
  out += " (";
  if (file.size() > model.size()) {
    out += as_view(file[common].kind);
    out += ") is not in the model";
  } else {
    out += as_view(model[common].kind);
    out += ") is missing from the file";
  }
  return true;
}

}  // namespace typenet::detail
