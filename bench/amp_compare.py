#!/usr/bin/env python3
"""bench/amp_compare.py: examples/amp_model beside the same network in PyTorch, in one run.

usage: amp_compare.py BUILD_DIR [--epochs 100] [--threads 2] [--seeds 1,2,3,4] [--torch-seeds 1]
Runs typenet's example once per seed of --seeds and bench/amp_reference.py once per seed of
--torch-seeds (a PyTorch run takes minutes) with the same epochs, batch (4) and thread count;
checks that both made the same data (the four sums of squares, to 17 digits) and prints a
Markdown table: the ESR on the evaluation and training seconds, the training time per epoch (ms) and
the training samples/s, with a straight wire's ESR below, and the machine's CPU.
"""
import argparse
import json
import os
import re
import subprocess
import sys

from reference_common import cpu_name

HERE = os.path.dirname(os.path.abspath(__file__))


def seeds(text):
    return [int(s) for s in text.split(',') if s]


def run_typenet(build, epochs, threads, seed):
    out = subprocess.run([os.path.join(build, 'examples', 'amp_model'), '--epochs', str(epochs), '--threads',
                          str(threads), '--seed', str(seed)], capture_output=True, text=True, check=True).stdout
    evaluation = re.search(r'ESR evaluation: ([0-9.e+-]+) \(a wire: ([0-9.e+-]+)\)', out)
    training = re.search(r'ESR training: ([0-9.e+-]+) \(a wire: ([0-9.e+-]+)\)', out)
    speed = re.search(r'training: ([0-9.]+) ms an epoch, ([0-9.]+) samples/s', out)
    return {'sums': re.search(r'signal: sum x\^2, sum y\^2: training (.*)', out).group(1).strip(),
            'esr_eval': float(evaluation.group(1)), 'wire_eval': float(evaluation.group(2)),
            'esr_train': float(training.group(1)), 'wire_train': float(training.group(2)),
            'seconds_per_epoch': float(speed.group(1)) / 1e3, 'samples_per_s': float(speed.group(2))}


def run_torch(epochs, threads, seed):
    out = subprocess.run(['/usr/bin/python3', os.path.join(HERE, 'amp_reference.py'), '--epochs', str(epochs),
                          '--threads', str(threads), '--seed', str(seed)], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('build')
    parser.add_argument('--epochs', type=int, default=100)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seeds', type=seeds, default=[1, 2, 3, 4])
    parser.add_argument('--torch-seeds', type=seeds, default=[1])
    args = parser.parse_args()
    rows = [('typenet', s, run_typenet(args.build, args.epochs, args.threads, s)) for s in args.seeds]
    rows += [('PyTorch', s, run_torch(args.epochs, args.threads, s)) for s in args.torch_seeds]
    sums = {row[2]['sums'] for row in rows}
    if len(sums) != 1:
        print('the two programs made different data:', *sums, sep='\n  ', file=sys.stderr)
        return 1
    print(f'{cpu_name()}, {args.threads} threads, GRU(1 -> 16) -> Dense(1), {args.epochs} epochs of 40 segments '
          f'of 1,200 samples, batch 4, Adam 4e-3')
    print(f'(the same data in both: sums of x^2 and y^2, training {sums.pop()})\n')
    print('| framework | seed | ESR evaluation | ESR training | ms / epoch | samples / s |')
    print('|---|---|---|---|---|---|')
    for name, seed, r in rows:
        print(f'| {name} | {seed} | {r["esr_eval"]:.4f} | {r["esr_train"]:.4f} | {1e3 * r["seconds_per_epoch"]:,.1f} | '
              f'{r["samples_per_s"]:,.0f} |')
    r = rows[0][2]
    print(f'| a wire (least-squares gain) | | {r["wire_eval"]:.4f} | {r["wire_train"]:.4f} | | |')
    typenet = [r for name, _, r in rows if name == 'typenet']
    torch = [r for name, _, r in rows if name == 'PyTorch']
    if typenet and torch:
        mean = lambda rs, key: sum(r[key] for r in rs) / len(rs)
        print(f'\ntraining rate: typenet {mean(typenet, "samples_per_s"):,.0f} samples/s, PyTorch '
              f'{mean(torch, "samples_per_s"):,.0f}: {mean(typenet, "samples_per_s") / mean(torch, "samples_per_s"):.1f}x')
    return 0


if __name__ == '__main__':
    sys.exit(main())
