// typenet/train/plot.hpp: write_training_curves_svg and write_confusion_matrix_svg, a run's pictures as SVG files.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <typenet/train/history.hpp>
#include <typenet/train/metrics.hpp>

namespace typenet {

/// Writes `path`, an SVG picture of a run: two panels, loss and accuracy per epoch, each with
/// the training series and, where the history has them, the validation series (epochs without
/// a validation figure are left out of that series), axes with ticks and labels, a legend and a
/// title. Each series is a <polyline> whose id names it (`loss`, `val_loss`, `accuracy`,
/// `val_accuracy`) and whose `data-epochs` and `data-values` attributes list its points
/// (values written in the shortest form that reads back exactly); non-finite values are left
/// out. A history without epochs gives empty panels.
///
/// The file is replaced atomically, as `Model::save` does: written to a new file beside it,
/// flushed, then renamed over it. A failure throws an Error naming `path` and leaves any
/// previous file whole.
void write_training_curves_svg(const std::string& path, const History& history);

/// Writes `path`, an SVG heat map of `m`: one <rect class="cell"> per (true, predicted) pair,
/// rows the true classes and columns the predicted ones, coloured from white (0) to dark blue
/// (the largest count) with a colour scale beside it, its count written inside it and in its
/// `data-true`, `data-predicted` and `data-count` attributes; row and column labels from
/// `class_names` (one per class) or, when none are given, the class numbers; a title with the
/// sample count and accuracy. Written atomically as above; `class_names` of the wrong size is
/// an Error.
void write_confusion_matrix_svg(const std::string& path, const ConfusionMatrix& m,
                                std::span<const std::string_view> class_names = {});

}  // namespace typenet
