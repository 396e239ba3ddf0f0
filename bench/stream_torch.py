#!/usr/bin/env python3
"""PyTorch's time per sample for the networks bench/stream_latency streams: GRU(1 -> 16) ->
Linear(1) and GRU(1 -> 32) -> Linear(1), one sample at a time with the hidden state carried from
call to call (as an audio callback would), on one thread, in inference mode.

usage: stream_torch.py [--samples 4800] [--repeats 5]

Prints a Markdown table: eager PyTorch (nn.GRU on a one-step sequence, then nn.Linear), and the
same module traced with TorchScript (torch.jit.trace, then torch.jit.freeze), the best of
`repeats` runs of `samples` samples each. Run it beside bench/stream_latency in the same session:
their ratio is the figure that counts (the machines are shared).
"""
import argparse
import time

import torch


class Amp(torch.nn.Module):
    def __init__(self, units):
        super().__init__()
        self.gru = torch.nn.GRU(1, units, batch_first=True)
        self.dense = torch.nn.Linear(units, 1)

    def forward(self, x, h):
        y, h = self.gru(x, h)
        return self.dense(y), h


def best_ns(step, samples, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        step(samples)
        best = min(best, (time.perf_counter() - start) / samples * 1e9)
    return best


def measure(units, samples, repeats):
    torch.manual_seed(1)
    model = Amp(units).eval()
    x = torch.linspace(-0.5, 0.5, samples).reshape(samples, 1, 1, 1)
    with torch.inference_mode():
        traced = torch.jit.freeze(torch.jit.trace(model, (x[0], torch.zeros(1, 1, units))))

    def run(module):
        def go(n):
            h = torch.zeros(1, 1, units)
            for i in range(n):
                _, h = module(x[i], h)
        return go

    with torch.inference_mode():
        run(traced)(200)  # TorchScript optimises on its first calls
        eager = best_ns(run(model), samples, repeats)
        script = best_ns(run(traced), samples, repeats)
    print(f"| GRU(1 -> {units}) -> Dense(1) | {eager:,.0f} ns | {script:,.0f} ns |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4800)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"PyTorch {torch.__version__}, one thread, one sample a call, best of {args.repeats} runs of "
          f"{args.samples} samples\n")
    print("| network | PyTorch eager | TorchScript (traced, frozen) |\n|---|---|---|")
    for units in (16, 32):
        measure(units, args.samples, args.repeats)


if __name__ == "__main__":
    main()
