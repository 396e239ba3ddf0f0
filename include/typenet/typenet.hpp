// typenet/typenet.hpp: the one include for users: every layer, loss, optimizer, the model and the data readers.
#pragma once

#include <typenet/core/error.hpp>
#include <typenet/core/random.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/data/cifar10.hpp>
#include <typenet/data/dataset.hpp>
#include <typenet/data/fashion_mnist.hpp>
#include <typenet/data/idx.hpp>
#include <typenet/graph/memory.hpp>
#include <typenet/graph/sequential.hpp>
#include <typenet/layers/dense.hpp>
#include <typenet/layers/flatten.hpp>
#include <typenet/layers/input.hpp>
#include <typenet/layers/relu.hpp>
#include <typenet/layers/sigmoid.hpp>
#include <typenet/layers/softmax.hpp>
#include <typenet/layers/tanh.hpp>
#include <typenet/loss/cross_entropy.hpp>
#include <typenet/loss/mean_squared_error.hpp>
#include <typenet/optim/adam.hpp>
#include <typenet/optim/sgd.hpp>
#include <typenet/train/fit_options.hpp>
#include <typenet/train/history.hpp>
#include <typenet/train/model.hpp>
#include <typenet/train/progress.hpp>
