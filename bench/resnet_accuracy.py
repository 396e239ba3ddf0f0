#!/usr/bin/python3
"""bench/resnet_accuracy.py: ResNet-8's test accuracy on Fashion-MNIST, typenet beside PyTorch, same network and recipe.

usage: resnet_accuracy.py BUILD_DIR [--epochs 10] [--seeds 1,2] [--threads 2]

Trains examples/resnet (BUILD_DIR/examples/resnet) and the same network in PyTorch
(torch_reference.resnet8: Keras's initialisation, padding, BatchNorm eps and momentum) with the same
recipe: Adam (lr 1e-3, eps 1e-7), the learning rate times 0.8 per epoch, smoothly per step (Keras's
ExponentialDecay), batches of 32 reshuffled every epoch, pixels scaled to [0, 1]. For each seed it
prints both test accuracies after the last epoch and the seconds each took, then their means.
Needs Debian's python3-torch (run with /usr/bin/python3) and dataset-fashion-mnist.
"""
import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import FASHION, resnet8  # noqa: E402 (beside this file)


def fashion(part):
    images = gzip.open(os.path.join(FASHION, f'{part}-images-idx3-ubyte.gz')).read()
    labels = gzip.open(os.path.join(FASHION, f'{part}-labels-idx1-ubyte.gz')).read()
    x = np.frombuffer(images, np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    y = np.frombuffer(labels, np.uint8, offset=8).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def torch_accuracy(seed, epochs, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    (x, y), (tx, ty) = fashion('train'), fashion('t10k')
    net = resnet8(1, keras_padding=True)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    steps = (len(x) + 31) // 32
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.8 ** (step / steps))
    loss = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), 32):
            batch = order[i:i + 32]
            optimizer.zero_grad()
            loss(net(x[batch]), y[batch]).backward()
            optimizer.step()
            schedule.step()
    seconds = time.perf_counter() - start
    net.eval()
    with torch.inference_mode():
        right = sum(int((net(tx[i:i + 500]).argmax(1) == ty[i:i + 500]).sum()) for i in range(0, len(tx), 500))
    return right / len(tx), seconds


def typenet_accuracy(build, seed, epochs, threads):
    start = time.perf_counter()
    out = subprocess.run([os.path.join(build, 'examples', 'resnet'), '--epochs', str(epochs), '--seed', str(seed),
                          '--threads', str(threads)], capture_output=True, text=True, check=True).stdout
    seconds = time.perf_counter() - start
    return float(re.search(r'Test accuracy: ([0-9.]+)', out).group(1)), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('build')
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--seeds', default='1,2')
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    rows = []
    print('| seed | typenet accuracy | PyTorch accuracy | typenet s | PyTorch s |')
    print('|---|---|---|---|---|')
    for seed in (int(s) for s in args.seeds.split(',')):
        ours, our_seconds = typenet_accuracy(args.build, seed, args.epochs, args.threads)
        theirs, their_seconds = torch_accuracy(seed, args.epochs, args.threads)
        rows.append((ours, theirs))
        print(f'| {seed} | {ours:.4f} | {theirs:.4f} | {our_seconds:.0f} | {their_seconds:.0f} |', flush=True)
    print(f'| mean | {statistics.mean(r[0] for r in rows):.4f} | {statistics.mean(r[1] for r in rows):.4f} | | |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
