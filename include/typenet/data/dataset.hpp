// typenet/data/dataset.hpp: Dataset<InputShape, TargetShape>, a cheap view of samples and targets whose shapes are types.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ranges>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <typenet/core/error.hpp>
#include <typenet/core/shape.hpp>

namespace typenet::data {

/// Samples and targets as stored, sample after sample. Inputs are floats, or bytes that each
/// stand for `table[byte]`: images keep their 8-bit pixels (a quarter of the memory) and
/// become floats only when a batch is gathered.
struct Storage {
  std::vector<float> inputs = {};
  std::vector<std::uint8_t> bytes = {};
  std::array<float, 256> table = {};
  std::vector<float> targets = {};

  std::size_t input_values() const { return bytes.empty() ? inputs.size() : bytes.size(); }
};

/// byte / 255, as a table: pixels scaled to [0, 1] exactly as `float(byte) / 255.0f`.
inline std::array<float, 256> unit_interval() {
  std::array<float, 256> table;
  for (std::size_t v = 0; v < table.size(); ++v) table[v] = static_cast<float>(v) / 255.0f;
  return table;
}

/// One sample's N input values, whichever way they are stored.
template <std::size_t N>
class Sample {
 public:
  Sample(const float* floats, const std::uint8_t* bytes, const float* table)
      : floats_(floats), bytes_(bytes), table_(table) {}

  static constexpr std::size_t size() { return N; }
  float operator[](std::size_t i) const { return floats_ ? floats_[i] : table_[bytes_[i]]; }

  /// Writes the N values to `out`, converted to S.
  template <class S>
  void copy_to(S* out) const {
    if (floats_) {
      for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<S>(floats_[i]);
    } else {
      for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<S>(table_[bytes_[i]]);
    }
  }

 private:
  const float* floats_;
  const std::uint8_t* bytes_;
  const float* table_;
};

/// `count` samples of shape `In` with targets of shape `Target` (one-hot class vectors for
/// classification). Copies share the storage; `slice` and `reshape` cost nothing.
/// Model checks at compile time that `In` is the network's input shape.
template <AnyShape In, AnyShape Target>
class Dataset {
 public:
  using input_type = In;
  using target_type = Target;
  static constexpr In input_shape{};
  static constexpr Target target_shape{};

  Dataset() = default;

  /// Takes `inputs` (count * In::size values) and `targets` (count * Target::size values);
  /// throws Error when the two do not hold the same number of samples.
  Dataset(std::vector<float> inputs, std::vector<float> targets)
      : Dataset(std::make_shared<Storage>(Storage{.inputs = std::move(inputs), .targets = std::move(targets)})) {}

  /// Takes inputs as bytes, each standing for `table[byte]` (e.g. unit_interval()).
  Dataset(std::vector<std::uint8_t> bytes, const std::array<float, 256>& table, std::vector<float> targets)
      : Dataset(std::make_shared<Storage>(Storage{.bytes = std::move(bytes), .table = table, .targets = std::move(targets)})) {}

  explicit Dataset(std::shared_ptr<const Storage> storage) : storage_(std::move(storage)) {
    const std::size_t values = storage_->input_values();
    const std::size_t n_in = values / In::size;
    const std::size_t n_target = storage_->targets.size() / Target::size;
    if (values % In::size != 0)
      throw Error("data set: " + std::to_string(values) + " input values are not a whole number of " +
                  In::to_string() + " samples");
    if (storage_->targets.size() % Target::size != 0)
      throw Error("data set: " + std::to_string(storage_->targets.size()) + " target values are not a whole number of " +
                  Target::to_string() + " targets");
    if (n_in != n_target)
      throw Error("data set: " + std::to_string(n_in) + " samples but " + std::to_string(n_target) + " targets");
    count_ = n_in;
  }

  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  Sample<In::size> input(std::size_t i) const {
    const std::size_t at = (first_ + i) * In::size;
    if (storage_->bytes.empty()) return {storage_->inputs.data() + at, nullptr, nullptr};
    return {nullptr, storage_->bytes.data() + at, storage_->table.data()};
  }
  std::span<const float, Target::size> target(std::size_t i) const {
    return std::span<const float, Target::size>(storage_->targets.data() + (first_ + i) * Target::size, Target::size);
  }

  /// Samples [begin, end) of this view.
  Dataset slice(std::size_t begin, std::size_t end) const {
    if (begin > end || end > count_)
      throw Error("data set: slice [" + std::to_string(begin) + ", " + std::to_string(end) + ") of a set of " +
                  std::to_string(count_) + " samples");
    Dataset part = *this;
    part.first_ = first_ + begin;
    part.count_ = end - begin;
    return part;
  }

  /// The same samples seen with another shape of the same size, e.g. (28, 28, 1) as (784,).
  template <AnyShape New>
    requires(New::size == In::size)
  Dataset<New, Target> reshape() const {
    return Dataset<New, Target>(storage_, first_, count_);
  }

 private:
  template <AnyShape, AnyShape>
  friend class Dataset;
  Dataset(std::shared_ptr<const Storage> storage, std::size_t first, std::size_t count)
      : storage_(std::move(storage)), first_(first), count_(count) {}

  std::shared_ptr<const Storage> storage_ = std::make_shared<Storage>();
  std::size_t first_ = 0;
  std::size_t count_ = 0;
};

/// One-hot rows of width `Classes` for class labels of any integer type (a std::vector<int>, a
/// span of bytes from a file, ...); throws Error naming the sample for a label below 0 or at
/// least Classes.
template <std::size_t Classes, std::ranges::input_range Labels>
  requires std::integral<std::ranges::range_value_t<Labels>>
std::vector<float> one_hot(const Labels& labels) {
  using Label = std::ranges::range_value_t<Labels>;
  std::vector<float> rows;
  if constexpr (std::ranges::sized_range<Labels>) rows.reserve(std::ranges::size(labels) * Classes);
  std::size_t i = 0;
  for (const Label label : labels) {
    bool negative = false;
    if constexpr (std::is_signed_v<Label>) negative = label < 0;
    if (negative || std::uintmax_t(label) >= Classes)
      throw Error("labels: label " + std::to_string(label) + " of sample " + std::to_string(i) +
                  " is out of range for " + std::to_string(Classes) + " classes");
    rows.resize((i + 1) * Classes, 0.0f);
    rows[i * Classes + std::size_t(label)] = 1.0f;
    ++i;
  }
  return rows;
}

/// The index of the largest value (the first one on ties): a predicted or true class.
inline std::size_t argmax(std::span<const float> values) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < values.size(); ++i)
    if (values[i] > values[best]) best = i;
  return best;
}

}  // namespace typenet::data
