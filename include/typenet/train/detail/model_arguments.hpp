// typenet/train/detail/model_arguments.hpp: Model declared, and the Model of arguments that are not a loss, an optimizer and a scalar: one error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <typenet/train/checks.hpp>
#include <typenet/train/fit_options.hpp>
#include <typenet/train/history.hpp>

namespace typenet {

/// Defined in train/model.hpp.
template <Network Net, class Loss, class Optimizer, class S = float>
class Model;

/// Model's arguments in the wrong order or of the wrong kind (`Model<Net, loss::CrossEntropy,
/// float>`, the loss and optimizer swapped): one error saying what each argument must be. The
/// members a program calls on a model are here, silent, so that the one mistake gives one error.
template <Network Net, class Loss, class Optimizer, class S>
  requires(!detail::model_arguments_ok<Loss, Optimizer, S>)
class Model<Net, Loss, Optimizer, S> {
  static_assert(detail::reported(detail::check_model_arguments<Net, Loss, Optimizer, S>()));

 public:
  // The options of the optimizer, wherever it was put, and anything else.
  explicit Model(typename detail::options_of<Optimizer, 0>::type, std::uint64_t = 0) {}
  explicit Model(typename detail::options_of<Loss, 1>::type, std::uint64_t = 0) {}
  template <class... Args>
  explicit Model(Args&&...) {}
  template <class Data>
  History fit(const Data&, const FitOptions<std::type_identity_t<Data>>& = {}) {
    return {};
  }
  template <class... Args>
  Score evaluate(Args&&...) { return {}; }
  template <class... Args>
  std::vector<double> predict(Args&&...) { return {}; }
  template <class... Args>
  std::size_t predict_class(Args&&...) { return 0; }
  template <class... Args>
  std::vector<std::size_t> predict_classes(Args&&...) { return {}; }
  template <class... Args>
  void save(Args&&...) const {}
  template <class... Args>
  void load(Args&&...) {}
};

}  // namespace typenet
