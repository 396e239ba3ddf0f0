#!/usr/bin/python3
"""bench/amp_reference.py: examples/amp_model.cpp's network in PyTorch, on the same data, trained the same way.

usage: amp_reference.py [--epochs 100] [--batch-size 4] [--seed 1] [--threads 2]
The signal and the effect by examples/amp_model.cpp's formulas, in double with the C library's
sin, exp, pow, log and tanh (Python's math module), so the data are the example's bit for bit:
it prints the same four sums to 17 digits. nn.GRU(1, 16, batch_first=True) and nn.Linear(16, 1)
on every step, initialised as Keras (and typenet) initialise them: the input kernel
Glorot-uniform over (1, 3 x 16), the recurrent kernel orthogonal over (16, 3 x 16), the Dense
kernel Glorot-uniform over (16, 1), biases zero. The training second as 40 segments of 1,200
samples in the example's order (the same splitmix64 shuffle each epoch), batches of 4, Adam
(lr 4e-3, eps 1e-7 as Keras), the mean squared error after each segment's first 200 steps.
Prints one JSON object: the sums, the ESR on the evaluation and training seconds (each second
one sequence from a zero state, which is what streaming it gives), a straight wire's ESR, the
training time per epoch and samples/s. Needs Debian's python3-torch (run with /usr/bin/python3).
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn

from reference_common import keras_orthogonal

SAMPLE_RATE, PASSAGES, PASSAGE_LENGTH, FADE = 48000, 10, 4800, 240
STEPS, WARMUP = 1200, 200
SEGMENTS = SAMPLE_RATE // STEPS
DRIVE, BIAS, COUPLING_HZ, SPEAKER_HZ = 4.0, 0.3, 40.0, 4000.0
LEARNING_RATE = 4e-3
MASK = (1 << 64) - 1
TWO_PI = 2 * math.pi


class SplitMix:
    """splitmix64, as the example writes it."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9e3779b97f4a7c15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & MASK
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53


def make_signal(seed):
    """One second of the test signal; each expression in the example's order of operations."""
    length = PASSAGE_LENGTH / SAMPLE_RATE
    random = SplitMix(seed)
    x = []
    for p in range(PASSAGES):
        kind = p % 5
        level_a = 0.03 * math.pow(1 / 0.03, random.uniform())
        level_b = 0.03 * math.pow(1 / 0.03, random.uniform())
        f_a = 60 * math.pow(100.0, random.uniform())
        f_b = 60 * math.pow(100.0, random.uniform())
        phase = TWO_PI * random.uniform()
        log_k = math.log(f_b / f_a)
        for i in range(PASSAGE_LENGTH):
            t = i / SAMPLE_RATE
            level = level_a + (level_b - level_a) * i / PASSAGE_LENGTH
            edge = min(1.0, i / FADE, (PASSAGE_LENGTH - 1 - i) / FADE)
            if kind in (0, 4):
                theta = TWO_PI * f_a * t + phase
                s = (math.sin(theta) + 0.5 * math.sin(2 * theta) + 0.25 * math.sin(3 * theta)) / 1.75
                if kind == 4:
                    s = 0.8 * s + 0.2 * (2 * random.uniform() - 1)
            elif kind == 1:
                s = math.sin(TWO_PI * (f_a * t + (f_b - f_a) * t * t / (2 * length)) + phase)
            elif kind == 2:
                s = math.sin(TWO_PI * f_a * length / log_k * (math.exp(log_k * t / length) - 1) + phase)
            else:
                s = 2 * random.uniform() - 1
            x.append(level * edge * s)
    return x


def amp(x):
    """High-pass at 40 Hz, drive into an asymmetric tanh, low-pass at 4 kHz."""
    a_h = math.exp(-TWO_PI * COUPLING_HZ / SAMPLE_RATE)
    a_l = math.exp(-TWO_PI * SPEAKER_HZ / SAMPLE_RATE)
    offset = math.tanh(BIAS)
    h = previous = y = 0.0
    out = []
    for v in x:
        h = a_h * (h + v - previous)
        previous = v
        w = math.tanh(DRIVE * h + BIAS) - offset
        y = (1 - a_l) * w + a_l * y
        out.append(y)
    return out


def sum_of_squares(v):
    total = 0.0
    for a in v:
        total += a * a
    return total


def esr(y, estimate):
    y = np.asarray(y, np.float64)
    return float(((y - np.asarray(estimate, np.float64)) ** 2).sum() / (y @ y))


def wire_esr(x, y):
    x, y = np.asarray(x), np.asarray(y)
    return esr(y, (x @ y) / (x @ x) * x)


class Amp(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(1, 16, batch_first=True)
        self.dense = nn.Linear(16, 1)
        with torch.no_grad():
            limit = (6 / (1 + 3 * 16)) ** 0.5
            self.gru.weight_ih_l0.uniform_(-limit, limit)
            self.gru.weight_hh_l0.copy_(keras_orthogonal(16, 3 * 16).T)
            self.gru.bias_ih_l0.zero_()
            self.gru.bias_hh_l0.zero_()
            limit = (6 / (16 + 1)) ** 0.5
            self.dense.weight.uniform_(-limit, limit)
            self.dense.bias.zero_()

    def forward(self, x):
        h, _ = self.gru(x)
        return self.dense(h)


def model_esr(net, x, y):
    with torch.inference_mode():
        out = net(torch.tensor(x, dtype=torch.float32).reshape(1, -1, 1)).reshape(-1)
    return esr(y, out.double().numpy())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--epochs', type=int, default=100)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    train_x = make_signal(1)
    train_y = amp(train_x)
    eval_x = make_signal(2)
    eval_y = amp(eval_x)
    sums = '%.17g %.17g, evaluation %.17g %.17g' % (sum_of_squares(train_x), sum_of_squares(train_y),
                                                    sum_of_squares(eval_x), sum_of_squares(eval_y))
    inputs = torch.tensor(train_x, dtype=torch.float32).reshape(SEGMENTS, STEPS, 1)
    targets = torch.tensor(train_y, dtype=torch.float32).reshape(SEGMENTS, STEPS, 1)

    net = Amp()
    optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE, eps=1e-7)
    order_random = SplitMix(args.seed)
    order = list(range(SEGMENTS))
    seconds = 0.0
    for epoch in range(1, args.epochs + 1):
        for i in range(SEGMENTS - 1, 0, -1):
            j = order_random.next() % (i + 1)
            order[i], order[j] = order[j], order[i]
        start = time.perf_counter()
        total = 0.0
        for i in range(0, SEGMENTS, args.batch_size):
            batch = torch.tensor(order[i:i + args.batch_size])
            optimizer.zero_grad()
            loss = ((net(inputs[batch]) - targets[batch])[:, WARMUP:] ** 2).mean()
            loss.backward()
            optimizer.step()
            total += float(loss) * len(batch)
        took = time.perf_counter() - start
        seconds += took
        print(f'epoch {epoch}/{args.epochs}: loss {total / SEGMENTS:.6g}, {took:.3f} s', flush=True)

    print(json.dumps({'sums': sums, 'epochs': args.epochs, 'threads': args.threads, 'seed': args.seed,
                      'esr_eval': model_esr(net, eval_x, eval_y), 'esr_train': model_esr(net, train_x, train_y),
                      'wire_eval': wire_esr(eval_x, eval_y), 'wire_train': wire_esr(train_x, train_y),
                      'seconds_per_epoch': seconds / max(args.epochs, 1),
                      'samples_per_s': args.epochs * SEGMENTS * STEPS / seconds if seconds else 0.0}))


if __name__ == '__main__':
    main()
