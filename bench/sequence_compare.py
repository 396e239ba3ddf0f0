#!/usr/bin/env python3
"""bench/sequence_compare.py: examples/sequential_fashion_mnist beside the same network in PyTorch, in one run.

usage: sequence_compare.py BUILD_DIR [--cell lstm|gru] [--epochs 5] [--threads 2] [--seed 1]
                           [--biases two|one]
Runs typenet's example (without validation, so its epoch times are training alone) and then
bench/sequence_reference.py with the same cell, epochs, batch (32), thread count and seed (each
library's own random draws from it: the same seed is not the same initial weights), and prints
both test accuracies, both training rates and their ratio, and the machine's CPU. --biases one
holds PyTorch's LSTM bias_hh at zero (Keras's one bias per gate; see sequence_reference.py).
"""
import argparse
import json
import os
import re
import subprocess
import sys

from reference_common import cpu_name

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('build')
    parser.add_argument('--cell', default='lstm', choices=['lstm', 'gru'])
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--biases', default='two', choices=['two', 'one'])
    args = parser.parse_args()
    example = os.path.join(args.build, 'examples', 'sequential_fashion_mnist')
    out = subprocess.run([example, '--cell', args.cell, '--epochs', str(args.epochs), '--threads', str(args.threads),
                          '--validate', '0', '--seed', str(args.seed)], capture_output=True, text=True, check=True).stdout
    accuracy = float(re.search(r'Test accuracy: ([0-9.]+)', out).group(1))
    rate = float(re.search(r'Training: ([0-9.e+]+) images/s', out).group(1))
    torch = subprocess.run(['/usr/bin/python3', os.path.join(HERE, 'sequence_reference.py'), args.cell, str(args.epochs),
                            str(args.threads), str(args.seed), args.biases], capture_output=True, text=True, check=True).stdout
    ref = json.loads(torch.strip().splitlines()[-1])
    print(f'{cpu_name()}, {args.threads} threads, {args.cell.upper()}(128) -> Dense(10), {args.epochs} epochs, batch 32, '
          f'seed {args.seed}, PyTorch with {args.biases} bias{"es" if args.biases == "two" else ""} per gate')
    print(f'  test accuracy   typenet {accuracy:.4f}   PyTorch {ref["test_accuracy"]:.4f}   '
          f'difference {100 * (accuracy - ref["test_accuracy"]):+.2f} points')
    print(f'  training        typenet {rate:,.0f} images/s   PyTorch {ref["images_per_s"]:,.0f} images/s   '
          f'ratio {rate / ref["images_per_s"]:.2f}x')
    return 0


if __name__ == '__main__':
    sys.exit(main())
