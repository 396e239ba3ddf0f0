// Blocks (Chain, Residual, Shortcut, Concat, Add, Repeat): gradients of whole networks that branch
// against central differences in double, the merges' values by hand, inference against training,
// and bitwise results on 1 and 2 threads.
#define BOOST_TEST_MODULE blocks
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <span>
#include <sstream>
#include <string>
#include <cstdint>
#include <numeric>
#include <vector>

#include <typenet/typenet.hpp>

#include "gradient_check.hpp"
#include "temp_directory.hpp"

namespace tn = typenet;
using tn::Shape;

namespace {

template <class In, class Target>
tn::data::Dataset<In, Target> make_data(std::size_t n, bool one_hot, std::uint64_t seed) {
  tn::Random random(seed);
  std::vector<float> x(n * In::size), t(n * Target::size);
  for (auto& v : x) v = float(random.uniform(-1, 1));
  for (std::size_t i = 0; i < n; ++i) {
    if (one_hot) t[i * Target::size + random.below(Target::size)] = 1.0f;
    else
      for (std::size_t j = 0; j < Target::size; ++j) t[i * Target::size + j] = float(random.uniform(0, 1));
  }
  return {std::move(x), std::move(t)};
}

std::vector<std::uint32_t> all_of(std::size_t n) {
  std::vector<std::uint32_t> all(n);
  std::iota(all.begin(), all.end(), 0u);
  return all;
}

/// Every parameter's gradient of the mean training loss over `data` (batch statistics, the
/// step's Dropout masks: what compute_gradients returns) against central differences. The
/// gradients are prefilled with inf, so one the step does not write shows.
template <class M, class Data>
void check_training_gradient(M& model, const Data& data) {
  const auto all = all_of(data.size());
  model.compute_gradients(data, all);
  const std::vector<double> analytic(model.gradients().begin(), model.gradients().end());
  auto params = model.parameters();
  tn::testing::check_gradient("network parameters", params.data(), analytic.data(), params.size(), [&] {
    model.parameters_changed();
    return model.compute_gradients(data, all).loss_sum / double(data.size());
  });
}

}  // namespace

// y = x + F(x) on vectors, after a layer with parameters: the block's input feeds its body and
// the sum.
struct ResidualMlp : tn::Sequential<tn::Input<6>, tn::Dense<6>, tn::Tanh, tn::Residual<tn::Dense<6>, tn::Tanh, tn::Dense<6>>,
                                    tn::Tanh, tn::Dense<3>, tn::Softmax> {};
static_assert(ResidualMlp::layer_count == 9);  // Dense, Tanh, [Dense, Tanh, Dense, Add], Tanh, Dense, Softmax

BOOST_AUTO_TEST_CASE(gradient_through_an_identity_residual) {
  tn::Model<ResidualMlp, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 1);
  check_training_gradient(model, make_data<Shape<6>, Shape<3>>(7, true, 1));
}

// ResNet's downsampling block, small: a strided body and a strided 1 x 1 projection; the ReLU after
// the sum is fused into it.
struct ProjectedCnn
    : tn::Sequential<tn::Input<6, 6, 2>, tn::Conv2D<3, 3, 3, tn::Padding::same>, tn::ReLU,
                     tn::Residual<tn::Chain<tn::Conv2D<4, 3, 3, tn::Padding::same, 2>, tn::ReLU,
                                            tn::Conv2D<4, 3, 3, tn::Padding::same>>,
                                  tn::Shortcut<tn::Conv2D<4, 1, 1, tn::Padding::valid, 2>>>,
                     tn::ReLU, tn::Flatten, tn::Dense<3>, tn::Softmax> {};
static_assert(tn::exec::Plan<ProjectedCnn>::merges[7] && tn::exec::Plan<ProjectedCnn>::fused_forward[7]);
static_assert(ProjectedCnn::output_shape == Shape<3>{});

BOOST_AUTO_TEST_CASE(gradient_through_a_projected_residual) {
  tn::Model<ProjectedCnn, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 2);
  check_training_gradient(model, make_data<Shape<6, 6, 2>, Shape<3>>(5, true, 2));
}

// Inception's pattern: three branches of one input, joined on channels; the input of the block
// is read by the first layer of each branch, whose input gradients are added.
struct ConcatCnn
    : tn::Sequential<tn::Input<5, 5, 3>, tn::Conv2D<3, 1, 1>,
                     tn::Concat<tn::Chain<tn::Conv2D<2, 1, 1>, tn::ReLU>,
                                tn::Chain<tn::Conv2D<2, 1, 1>, tn::ReLU, tn::Conv2D<3, 3, 3, tn::Padding::same>, tn::ReLU>,
                                tn::Chain<tn::MaxPool2D<3, 3, tn::Padding::same, 1>, tn::Conv2D<2, 1, 1>, tn::ReLU>>,
                     tn::Flatten, tn::Dense<3>, tn::Softmax> {};
static_assert(ConcatCnn::layer_count == 14);
static_assert(tn::exec::Plan<ConcatCnn>::accumulates[2] && tn::exec::Plan<ConcatCnn>::accumulates[4] &&
              !tn::exec::Plan<ConcatCnn>::accumulates[8]);

BOOST_AUTO_TEST_CASE(gradient_through_a_concat) {
  tn::Model<ConcatCnn, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 3);
  check_training_gradient(model, make_data<Shape<5, 5, 3>, Shape<3>>(5, true, 3));
}

// Three branches summed, one a bare layer; then a sum read only by a Concat (its gradient is
// written by a merge alone), under a mean squared error.
struct AddMlp : tn::Sequential<tn::Input<7>, tn::Dense<5>,
                               tn::Add<tn::Dense<4>, tn::Chain<tn::Dense<4>, tn::Tanh>, tn::Chain<tn::Dense<5>, tn::ReLU, tn::Dense<4>>>,
                               tn::Tanh, tn::Concat<tn::Add<tn::Dense<3>, tn::Dense<3>>, tn::Dense<2>>, tn::Dense<2>> {};
static_assert(AddMlp::output_shape == Shape<2>{});

BOOST_AUTO_TEST_CASE(gradient_through_add_and_a_merge_of_merges) {
  using plan = tn::exec::Plan<AddMlp>;
  // The Add inside the Concat: read by the Concat only.
  constexpr std::size_t inner_add = AddMlp::layer_count - 3;
  static_assert(plan::merges[inner_add] && !plan::written_by_layer[inner_add] && plan::needs_gradient[inner_add]);
  tn::Model<AddMlp, tn::loss::MeanSquaredError, tn::optim::SGD, double> model({}, 4);
  check_training_gradient(model, make_data<Shape<7>, Shape<2>>(6, false, 4));
}

// Blocks in blocks: a residual whose body is a Concat, repeated twice.
struct NestedCnn
    : tn::Sequential<tn::Input<6, 6, 2>, tn::Conv2D<4, 3, 3, tn::Padding::same>,
                     tn::Repeat<2, tn::Residual<tn::Concat<tn::Conv2D<2, 1, 1>, tn::Chain<tn::Conv2D<2, 3, 3, tn::Padding::same>, tn::Tanh>>,
                                                tn::ReLU>>,
                     tn::GlobalAveragePooling2D, tn::Dense<3>, tn::Softmax> {};
static_assert(NestedCnn::parameter_count == (3 * 3 * 2 * 4 + 4) + 2 * ((4 * 2 + 2) + (3 * 3 * 4 * 2 + 2)) + (4 * 3 + 3));

BOOST_AUTO_TEST_CASE(gradient_through_nested_and_repeated_blocks) {
  tn::Model<NestedCnn, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 5);
  check_training_gradient(model, make_data<Shape<6, 6, 2>, Shape<3>>(5, true, 5));
}

// BatchNormalization and Dropout inside a residual's body and its shortcut: the staged passes
// meet the branches; 200 samples make two chunks of unequal size.
struct NormalisedResidual
    : tn::Sequential<tn::Input<5, 5, 2>, tn::Conv2D<3, 3, 3, tn::Padding::same>,
                     tn::Residual<tn::Chain<tn::Conv2D<4, 3, 3, tn::Padding::same>, tn::BatchNormalization, tn::ReLU,
                                            tn::Dropout<20>, tn::Conv2D<4, 3, 3, tn::Padding::same>, tn::BatchNormalization>,
                                  tn::Shortcut<tn::Conv2D<4, 1, 1>, tn::BatchNormalization>>,
                     tn::ReLU, tn::Flatten, tn::Dense<3>, tn::Softmax> {};
static_assert(tn::exec::Plan<NormalisedResidual>::chunk_count(200) == 2);

BOOST_AUTO_TEST_CASE(gradient_through_batch_normalization_and_dropout_in_branches) {
  tn::Model<NormalisedResidual, tn::loss::CrossEntropy, tn::optim::SGD, double> model({}, 6);
  check_training_gradient(model, make_data<Shape<5, 5, 2>, Shape<3>>(200, true, 6));
}

// The merges compute what they say: y = x + W x + b for a residual Dense, and a Concat of two
// Dense layers is their outputs side by side.
BOOST_AUTO_TEST_CASE(merges_by_hand) {
  struct Net : tn::Sequential<tn::Input<2>, tn::Residual<tn::Dense<2>>, tn::Concat<tn::Dense<1>, tn::Dense<3>>> {};
  tn::Model<Net, tn::loss::MeanSquaredError, tn::optim::SGD, double> model({}, 7);
  const std::array<double, 2> x{0.5, -2.0};
  auto w = model.tensor(1, 0), b = model.tensor(1, 1);
  const std::array<double, 2> h{x[0] + x[0] * w[0] + x[1] * w[2] + b[0], x[1] + x[0] * w[1] + x[1] * w[3] + b[1]};
  const auto y = model.predict(std::span<const double>(x));
  auto a = model.tensor(3, 0), c = model.tensor(4, 0);
  BOOST_TEST(y[0] == h[0] * a[0] + h[1] * a[1], boost::test_tools::tolerance(1e-12));
  for (std::size_t u = 0; u < 3; ++u)
    BOOST_TEST(y[1 + u] == h[0] * c[u] + h[1] * c[3 + u], boost::test_tools::tolerance(1e-12));
}

// Inference (which reuses buffers once no later node reads them) gives what a training
// step's forward pass gives, one sample at a time and in batches, bit for bit.
BOOST_AUTO_TEST_CASE(inference_matches_training_forward_pass) {
  const auto data = make_data<Shape<5, 5, 3>, Shape<3>>(9, true, 8);
  tn::Model<ConcatCnn, tn::loss::CrossEntropy, tn::optim::SGD> model({}, 9);
  std::vector<float> outputs(data.size() * 3);
  model.predict(data, outputs, 4);
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto one = model.predict(data.input(i));
    for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(one[j] == outputs[i * 3 + j]);
  }
  // The loss of the training pass (no Dropout or BatchNormalization here) is the loss of the
  // outputs inference gave.
  double loss = 0;
  for (std::size_t i = 0; i < data.size(); ++i)
    loss += tn::loss::CrossEntropy::value<float, 3>(outputs.data() + 3 * i, data.target(i).data());
  const auto step = model.compute_gradients(data, all_of(data.size()));
  BOOST_TEST(step.loss_sum == loss, boost::test_tools::tolerance(1e-6));
}

// Training a branching network with batch-coupled layers is bitwise the same on 1 and 2 threads.
BOOST_AUTO_TEST_CASE(branching_training_is_the_same_on_one_and_two_threads) {
  const auto data = make_data<Shape<5, 5, 2>, Shape<3>>(96, true, 10);
  using M = tn::Model<NormalisedResidual, tn::loss::CrossEntropy, tn::optim::Adam>;
  const auto train = [&](std::size_t threads) {
    M model({}, 11);
    model.fit(data, {.epochs = 2, .batch_size = 32, .seed = 3, .threads = threads, .verbose = false});
    return std::vector<float>(model.parameters().begin(), model.parameters().end());
  };
  const auto one = train(1), two = train(2);
  BOOST_TEST(one.size() == two.size());
  std::size_t different = 0;
  for (std::size_t i = 0; i < one.size(); ++i) different += std::memcmp(&one[i], &two[i], sizeof(float)) != 0;
  BOOST_TEST(different == 0u);
  BOOST_TEST(std::ranges::any_of(one, [](float v) { return v != 0.0f && v != 1.0f; }));
}

// summary() shows each block as a heading over its nodes, indented, with their paths; the
// heading's parameters are its nodes' and are not counted twice in the totals.
template <std::size_t C>
struct Down : tn::Residual<tn::Chain<tn::Conv2D<C, 3, 3, tn::Padding::same, 2>, tn::ReLU, tn::Conv2D<C, 3, 3, tn::Padding::same>>,
                           tn::Shortcut<tn::Conv2D<C, 1, 1, tn::Padding::valid, 2>>> {};
struct Stage : tn::Chain<tn::Conv2D<4, 3, 3, tn::Padding::same>, Down<6>> {};
struct Staged : tn::Sequential<tn::Input<8, 8, 2>, Stage, tn::ReLU, tn::Flatten, tn::Dense<3>, tn::Softmax> {};

BOOST_AUTO_TEST_CASE(summary_shows_blocks_indented_with_their_paths) {
  const auto rows = Staged::summary_rows();
  std::vector<std::string> paths;
  for (const auto& row : rows) paths.push_back(row.path);
  const std::vector<std::string> expected{"1", "1.1", "1.2", "1.2.b0.1", "1.2.b0.2", "1.2.b0.3", "1.2.b1.1", "1.2.m",
                                          "2", "3", "4", "5"};
  BOOST_TEST(paths == expected, boost::test_tools::per_element());
  BOOST_TEST(rows[0].layer == "Stage");
  BOOST_TEST(rows[0].block);
  BOOST_TEST(rows[0].depth == 0u);
  BOOST_TEST(rows[0].output_shape == "(4, 4, 6)");
  BOOST_TEST(rows[0].parameters == Staged::parameter_count - (4 * 4 * 6 * 3 + 3));
  BOOST_TEST(rows[2].layer == "Down<6>");
  BOOST_TEST(rows[2].depth == 1u);
  BOOST_TEST(rows[3].depth == 2u);
  BOOST_TEST(rows[7].layer == "Add");
  std::ostringstream text;
  Staged::summary(text);
  BOOST_TEST(text.str().find("Total params: " + std::to_string(Staged::parameter_count)) != std::string::npos);
  BOOST_TEST(text.str().find(" 1.2.b0.1     Conv2D<6, 3, 3, same, 2, 2>") != std::string::npos, text.str());
  // Messages name a node by its path.
  const auto& facts = tn::detail::network_facts<Staged>;
  BOOST_TEST(tn::detail::layer_name(facts, 2) == "layer 1 (Stage) > layer 2 (Down<6>) > branch 0 > layer 1 (Conv2D<6, 3, 3, same, 2, 2>)");
  BOOST_TEST(tn::detail::layer_name(facts, 6) == "layer 1 (Stage) > layer 2 (Down<6>) > Add");
  BOOST_TEST(tn::detail::layer_name(facts, 7) == "layer 2 (ReLU)");
}

// A run with blocks (BatchNormalization's moving averages and Dropout in a branch) resumed from a
// checkpoint ends bitwise as the run without a break.
BOOST_AUTO_TEST_CASE(resuming_a_branching_network_is_bitwise) {
  tn::test::TempDirectory dir("blocks-resume");
  const auto data = make_data<Shape<5, 5, 2>, Shape<3>>(64, true, 12);
  using M = tn::Model<NormalisedResidual, tn::loss::CrossEntropy, tn::optim::Adam>;
  tn::FitOptions<tn::data::Dataset<Shape<5, 5, 2>, Shape<3>>> options{.epochs = 4, .batch_size = 16, .seed = 5,
                                                                       .verbose = false};
  M straight({}, 3);
  straight.fit(data, options);
  options.checkpoint = dir.file("run.tnc");
  options.epochs = 2;
  M first({}, 3);
  first.fit(data, options);
  options.epochs = 4;
  options.resume = true;
  M second({}, 99);
  const tn::History resumed = second.fit(data, options);
  BOOST_TEST(resumed.resumed_after == 2u);
  const auto bits = [](const M& m) { return std::vector<float>(m.parameters().begin(), m.parameters().end()); };
  const auto a = bits(second), b = bits(straight);
  BOOST_TEST(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}
