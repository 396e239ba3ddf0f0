// typenet/infer.hpp: the deployment profile: the layers, the blocks and Predictor, with no training code, no TBB and nothing that throws at run time.
#pragma once

#include <typenet/core/shape.hpp>
#include <typenet/graph/blocks.hpp>
#include <typenet/graph/sequential.hpp>
#include <typenet/infer/embedded.hpp>
#include <typenet/infer/predictor.hpp>
#include <typenet/layers/avg_pool2d.hpp>
#include <typenet/layers/batch_normalization.hpp>
#include <typenet/layers/conv2d.hpp>
#include <typenet/layers/dense.hpp>
#include <typenet/layers/dropout.hpp>
#include <typenet/layers/flatten.hpp>
#include <typenet/layers/global_average_pooling2d.hpp>
#include <typenet/layers/input.hpp>
#include <typenet/layers/leaky_relu.hpp>
#include <typenet/layers/max_pool2d.hpp>
#include <typenet/layers/padding.hpp>
#include <typenet/layers/regularized.hpp>
#include <typenet/layers/relu.hpp>
#include <typenet/layers/sigmoid.hpp>
#include <typenet/layers/softmax.hpp>
#include <typenet/layers/tanh.hpp>
