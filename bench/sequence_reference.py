#!/usr/bin/python3
"""bench/sequence_reference.py: examples/sequential_fashion_mnist.cpp's network in PyTorch, trained the same way.

usage: sequence_reference.py CELL EPOCHS THREADS [SEED [BIASES]]
  CELL     lstm | gru: Fashion-MNIST read as 28 steps of 28 pixels, the recurrent layer of 128
           units (batch_first), its last state into Linear(128, 10), softmax cross-entropy
  SEED     torch.manual_seed (default 1)
  BIASES   two (default): PyTorch's bias_ih and bias_hh both trained, as nn.LSTM and nn.GRU do;
           one: bias_hh of an LSTM held at zero, so that the network has Keras's (and typenet's)
           one bias per gate (their sum) and Adam steps it as they do (a GRU's two biases are
           Keras's too: both trained either way)
Initialised as Keras (and typenet) initialise it: input kernels Glorot-uniform over the whole
(features, gates x units) kernel, recurrent kernels orthogonal over (units, gates x units), biases
zero but an LSTM's forget gate at 1; Adam with Keras's defaults (lr 1e-3, eps 1e-7); batch 32,
shuffled each epoch. Prints one JSON object: training images/s (the epochs' training time only),
the test accuracy after the last epoch, the peak resident memory in MiB.
Needs Debian's python3-torch (run with /usr/bin/python3) and dataset-fashion-mnist.
"""
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from reference_common import keras_orthogonal

FASHION = os.environ.get('TYPENET_FASHION_MNIST', '/usr/share/datasets/fashion-mnist')


def read(kind):
    images = np.frombuffer(gzip.open(os.path.join(FASHION, f'{kind}-images-idx3-ubyte.gz')).read(), np.uint8, offset=16)
    labels = np.frombuffer(gzip.open(os.path.join(FASHION, f'{kind}-labels-idx1-ubyte.gz')).read(), np.uint8, offset=8)
    x = torch.from_numpy(images.reshape(-1, 28, 28).astype(np.float32) / 255)
    return x, torch.from_numpy(labels.astype(np.int64))


class Net(nn.Module):
    def __init__(self, cell, one_bias=False):
        super().__init__()
        kind = nn.LSTM if cell == 'lstm' else nn.GRU
        self.rnn = kind(28, 128, batch_first=True)
        self.head = nn.Linear(128, 10)
        gates = 4 if cell == 'lstm' else 3
        with torch.no_grad():
            # Keras's kernel (28, gates x 128) is PyTorch's weight_ih transposed; the gate order
            # does not change a Glorot or orthogonal draw's distribution.
            limit = (6 / (28 + gates * 128)) ** 0.5
            self.rnn.weight_ih_l0.uniform_(-limit, limit)
            self.rnn.weight_hh_l0.copy_(keras_orthogonal(128, gates * 128).T)
            self.rnn.bias_ih_l0.zero_()
            self.rnn.bias_hh_l0.zero_()
            if cell == 'lstm':
                self.rnn.bias_ih_l0[128:256] = 1.0
            limit = (6 / (128 + 10)) ** 0.5
            self.head.weight.uniform_(-limit, limit)
            self.head.bias.zero_()
        if one_bias and cell == 'lstm':
            self.rnn.bias_hh_l0.requires_grad_(False)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1])


def main():
    cell, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    biases = sys.argv[5] if len(sys.argv) > 5 else 'two'
    if biases not in ('one', 'two'):
        sys.exit(f'BIASES is one or two, not {biases}')
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    x, y = read('train')
    tx, ty = read('t10k')
    net = Net(cell, biases == 'one')
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3, eps=1e-7)
    loss = nn.CrossEntropyLoss()
    seconds = 0.0
    for _ in range(epochs):
        order = torch.randperm(len(x))
        start = time.perf_counter()
        net.train()
        for i in range(0, len(x), 32):
            batch = order[i:i + 32]
            optimizer.zero_grad()
            loss(net(x[batch]), y[batch]).backward()
            optimizer.step()
        seconds += time.perf_counter() - start
    net.eval()
    with torch.inference_mode():
        correct = sum(int((net(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum()) for i in range(0, len(tx), 1000))
    print(json.dumps({'cell': cell, 'epochs': epochs, 'threads': threads, 'seed': seed, 'biases': biases,
                      'images_per_s': epochs * len(x) / seconds,
                      'test_accuracy': correct / len(tx),
                      'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == '__main__':
    main()
