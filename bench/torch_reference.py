#!/usr/bin/python3
"""bench/torch_reference.py: the benchmark's workloads in PyTorch, the reference typenet is measured against.

usage: torch_reference.py WORKLOAD FIGURE THREADS
  WORKLOAD  seed (seed CNN, Fashion-MNIST) | cifar (seed CNN on 32x32x3, generated data) | mlp (784-128-10)
            | resnet (ResNet-8, as examples/resnet8.hpp, Fashion-MNIST)
  FIGURE    train (images/s over one epoch of 60,000) | latency (batch-1 inference, median us of 1000 calls)
            | throughput (batch-256 inference, images/s)
Prints one JSON object: the figure, and the process's peak resident memory in MiB.
Run it once per figure, each in a fresh process, so the memory figures do not mix (bench/compare.py does).
Needs Debian's python3-torch (run with /usr/bin/python3, which has it).
"""
import gzip
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn

FASHION = os.environ.get('TYPENET_FASHION_MNIST', '/usr/share/datasets/fashion-mnist')


def seed_cnn(channels, side):
    flat = 64 * (((side - 2) // 2 - 2) // 2) ** 2
    return nn.Sequential(nn.Conv2d(channels, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(flat, 10))


class Residual(nn.Module):
    """y = body(x) + shortcut(x) (the identity without one), as typenet's Residual."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x):
        return self.body(x) + (self.shortcut(x) if self.shortcut is not None else x)


def resnet8(channels, keras_padding=False):
    """examples/resnet8.hpp in PyTorch: Keras's defaults (biases on every convolution, Glorot-uniform
    kernels, zero biases, BatchNorm eps 1e-3 and momentum 0.01, i.e. Keras's 0.99). A strided 'same'
    convolution pads 1 on each side, as PyTorch users write it (the speed figures: the same cost);
    Keras (and typenet) pad 0 before and 1 after on an even size, the window one pixel further on,
    which keras_padding=True reproduces exactly (a ZeroPad2d before the convolution: the accuracy
    figures, where the two networks must be the same function)."""
    def conv(cin, cout, k, stride=1):
        if keras_padding and stride > 1 and k > 1:
            # Keras's 'same' on an even size: pad total k - stride, the smaller half before
            total = k - stride
            return nn.Sequential(nn.ZeroPad2d((total // 2, total - total // 2, total // 2, total - total // 2)),
                                 nn.Conv2d(cin, cout, k, stride=stride, padding=0))
        return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2)

    def bn(c):
        return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)

    def basic(c):
        return nn.Sequential(Residual(nn.Sequential(conv(c, c, 3), bn(c), nn.ReLU(), conv(c, c, 3), bn(c))), nn.ReLU())

    def down(cin, c):
        body = nn.Sequential(conv(cin, c, 3, 2), bn(c), nn.ReLU(), conv(c, c, 3), bn(c))
        return nn.Sequential(Residual(body, nn.Sequential(conv(cin, c, 1, 2), bn(c))), nn.ReLU())

    net = nn.Sequential(conv(channels, 16, 3), bn(16), nn.ReLU(), basic(16), down(16, 32), down(32, 64),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def fashion_or_generated(n):
    """Fashion-MNIST's training images and labels if installed, else random ones of the same shape."""
    images = os.path.join(FASHION, 'train-images-idx3-ubyte.gz')
    labels = os.path.join(FASHION, 'train-labels-idx1-ubyte.gz')
    if os.path.exists(images) and os.path.exists(labels):
        x = np.frombuffer(gzip.open(images).read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
        y = np.frombuffer(gzip.open(labels).read(), np.uint8, offset=8)[:n]
        return torch.from_numpy(x.astype(np.float32) / 255), torch.from_numpy(y.astype(np.int64)), 'fashion-mnist'
    g = torch.Generator().manual_seed(1)
    return torch.rand(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g), 'generated'


def workload(name, n):
    if name == 'seed':
        x, y, source = fashion_or_generated(n)
        return seed_cnn(1, 28), x, y, source
    g = torch.Generator().manual_seed(1)
    if name == 'cifar':
        return seed_cnn(3, 32), torch.rand(n, 3, 32, 32, generator=g), torch.randint(0, 10, (n,), generator=g), 'generated'
    if name == 'resnet':
        x, y, source = fashion_or_generated(n)
        return resnet8(1), x, y, source
    x, y, source = fashion_or_generated(n)
    return mlp(), x, y, source


def main():
    name, figure, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    n = 60000 if figure == 'train' else 1000
    net, x, y, source = workload(name, n)
    result = {'workload': name, 'figure': figure, 'threads': threads, 'data': source}
    if figure == 'train':
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        loss = nn.CrossEntropyLoss()
        order = torch.randperm(n)
        start = time.perf_counter()
        for i in range(0, n, 32):
            batch = order[i:i + 32]
            optimizer.zero_grad()
            loss(net(x[batch]), y[batch]).backward()
            optimizer.step()
        result['images_per_s'] = n / (time.perf_counter() - start)
    elif figure == 'latency':
        net.eval()
        times = []
        with torch.inference_mode():
            for i in range(100):
                net(x[i:i + 1])
            for i in range(1000):
                sample = x[i:i + 1]
                start = time.perf_counter()
                net(sample)
                times.append(time.perf_counter() - start)
        result['median_us'] = statistics.median(times) * 1e6
    else:
        net.eval()
        with torch.inference_mode():
            net(x[:256])
            rounds = 20
            start = time.perf_counter()
            for r in range(rounds):
                first = (r * 256) % (n - 256)
                net(x[first:first + 256])
            result['images_per_s'] = rounds * 256 / (time.perf_counter() - start)
    result['peak_rss_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == '__main__':
    main()
