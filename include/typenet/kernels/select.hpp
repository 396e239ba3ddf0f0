// typenet/kernels/select.hpp: conv2d_algorithm, gemm_parts and recurrent_parts, the kernels chosen by size at compile time.
#pragma once

#include <cstddef>
#include <typenet/kernels/winograd.hpp>

namespace typenet::kernels {

/// How a convolution runs: as register-blocked products over its taps (kernels/conv.hpp), or as
/// Winograd F(M x M, 3x3) (kernels/winograd.hpp).
enum class ConvAlgorithm { direct, winograd };

/// What `conv2d_algorithm` chose: the algorithm, and for Winograd its output tile M (else 0).
struct ConvChoice {
  ConvAlgorithm algorithm = ConvAlgorithm::direct;
  std::size_t tile = 0;
  friend constexpr bool operator==(const ConvChoice&, const ConvChoice&) = default;
};

namespace winograd {

/// What one tile of F(M x M, 3x3) costs a training step, in multiply-adds of the products:
/// 3 (N^2 C F) for the three passes' products, and the four transforms' vector operations
/// (input and input gradient on C channels, output and output gradient on F, as their
/// programs run them), each weighed as 10 multiply-adds. The products run near the FMA peak
/// from cache; the transforms are bound by moving their tiles, and the weight is what the
/// measurements say (AMD EPYC, AVX2): 11 x 11 outputs from 32 to 64 channels trained 7 % faster
/// in tiles of 4 than of 6, although 6 needs 21 % fewer products, and 13 x 13 trained 9 % faster
/// in tiles of 5 than of 4. Weights from 8 to 14 choose both so; 10 is in the middle.
template <std::size_t M>
constexpr double tile_cost(std::size_t C, std::size_t F) {
  constexpr std::size_t N = M + 2;
  constexpr double transform_weight = 10;
  const double products = 3.0 * double(N * N) * double(C) * double(F);
  const double transforms = double(C) * double(2 * N * apply_cost<BT<M>> + 2 * N * apply_cost<B<M>>) +
                            double(F) * double((N + M) * apply_cost<AT<M>> + (M + N) * apply_cost<A<M>>);
  return products + transform_weight * transforms;
}

}  // namespace winograd

/// The output tile M of F(M x M, 3x3) for an OH x OW output from C to F channels, from 4, 5
/// and 6: the cheapest by `tile_cost` times the tiles (partial tiles at the bottom and right
/// cost as much as whole ones), the smaller on a tie. Larger tiles need fewer products per
/// output but their transforms cost more and round more. 13 x 13 from 32 to 64 channels (the
/// CIFAR-shaped network's second convolution) takes 5: 9 tiles of 49 products, against 16 of
/// 36 for 4 (training 7-10 % faster). 11 x 11 (the seed CNN's) takes 4.
///
/// A template, so that the transforms' programs behind the costs are found (in constant
/// evaluation, about a second) only in translation units with such a convolution.
template <std::size_t OH, std::size_t OW, std::size_t C, std::size_t F>
inline constexpr std::size_t winograd_tile = [] {
  const auto total = [](std::size_t m, double per_tile) {
    return double((OH + m - 1) / m * ((OW + m - 1) / m)) * per_tile;
  };
  const double cost[3] = {total(4, winograd::tile_cost<4>(C, F)), total(5, winograd::tile_cost<5>(C, F)),
                          total(6, winograd::tile_cost<6>(C, F))};
  std::size_t best = 0;
  for (std::size_t i = 1; i < 3; ++i)
    if (cost[i] < cost[best]) best = i;
  return 4 + best;
}();

/// How a convolution with a KH x KW kernel moved by SH x SW, from C input channels to F filters
/// and an OH x OW output, runs. A 3x3 stride-1 convolution with whole vectors of channels (C and
/// F multiples of 16) and an output of at least one 4x4 tile runs as Winograd F(M x M, 3x3) in
/// all three passes, M by `winograd_tile`: 4 (M = 4) to 5 (M = 6) times fewer multiplications
/// per output. Others run directly, as register-blocked products (the seed CNN's first
/// convolution, on one channel, among them).
template <std::size_t OH, std::size_t OW, std::size_t C, std::size_t F, std::size_t KH, std::size_t KW, std::size_t SH,
          std::size_t SW>
consteval ConvChoice conv2d_algorithm() {
  if (KH == 3 && KW == 3 && SH == 1 && SW == 1 && C % 16 == 0 && F % 16 == 0 && OH >= 4 && OW >= 4)
    return {ConvAlgorithm::winograd, winograd_tile<OH, OW, C, F>};
  return {ConvAlgorithm::direct, 0};
}

/// How the training passes of the same convolution run (forward, input gradient, kernel
/// gradient): as conv2d_algorithm chooses, but a convolution from at most 16 channels to at most
/// 16 runs them directly, and only inference as Winograd. With so few channels a tile's products
/// are few beside its four transforms, and training pays three of them where inference pays
/// two: ResNet-8's 28 x 28 x 16 layers made its training 5-10 % faster directly on one thread
/// (Intel Xeon, AVX-512, interleaved), while its inference was 14 % slower so.
template <std::size_t OH, std::size_t OW, std::size_t C, std::size_t F, std::size_t KH, std::size_t KW, std::size_t SH,
          std::size_t SW>
consteval ConvChoice conv2d_training_algorithm() {
  if (C <= 16 && F <= 16) return {ConvAlgorithm::direct, 0};
  return conv2d_algorithm<OH, OW, C, F, KH, KW, SH, SW>();
}

/// The parts a dense layer's sum over K inputs into N outputs is cut into (kernels::gemm_split
/// with that many parts; 1: plain gemm). A long sum into few outputs runs as 4 parts added at
/// the end, so that one sample's outputs do not wait on a single chain of K multiply-adds (the
/// seed CNN's batch-1 Dense(10) after 1,600 inputs: 2.6 us, in parts 1.5). With more outputs a
/// sample has more chains of its own, and the kernel is bound by reading W: there the parts'
/// narrower column panels read W in a worse order (the MLP's batch-1 Dense(128) after 784 inputs
/// took 9 us instead of 5).
template <std::size_t K, std::size_t N>
consteval std::size_t gemm_parts() {
  return K >= 256 && N <= 16 ? 4 : 1;
}

/// The parts a recurrent layer's product h_{t-1} U (Units inputs into Outputs = gates x Units)
/// is cut into (kernels::detail::add_products_split; 1: in k order). A streamed step is one
/// sample's chain of dependent operations, and a small layer's product is its longest link:
/// GRU(16)'s 3 AVX-512 vectors each waited on 16 multiply-adds in a row, 4 cycles apiece. In 4
/// runs side by side the wait is 4 multiply-adds and 2 additions. As many parts as fit in the
/// accumulator registers with the product's vectors: more would spill (AVX2's GRU(16), 6
/// vectors, had been 10 ns slower in 4 parts than in one; in 2 it is faster). Beyond them, as
/// for every layer of 128 units and more, the product is bound by the multiply-adds' throughput,
/// and a training step's batched product keeps its one run. The stream and the whole-sequence
/// pass cut it alike, so they keep the same bits; a build for another vector width may cut it
/// otherwise and differ from this one in the last bits (as its other kernels may).
template <class S, std::size_t Units, std::size_t Outputs>
consteval std::size_t recurrent_parts() {
  constexpr std::size_t vectors = (Outputs + typenet::detail::lanes<S> - 1) / typenet::detail::lanes<S>;
  for (const std::size_t parts : {4, 2})
    if (Units >= 2 * parts && vectors * parts <= detail::accumulators) return parts;
  return 1;
}

}  // namespace typenet::kernels
