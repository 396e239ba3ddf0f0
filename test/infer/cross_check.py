#!/usr/bin/env python3
"""The embedded classifier built for another architecture against the native one (.ci/cross).

usage: cross_check.py COUNT NATIVE_CLASSIFY -- COMMAND...

Runs NATIVE_CLASSIFY (examples/embedded/classify for this machine) and COMMAND (the same program
built for another architecture, under its emulator) on the first COUNT images of the
Fashion-MNIST test set. Passes when every image gets the same class and probabilities differ by
at most 1e-5; says how many lines are bitwise the same.
"""
import subprocess
import sys

from embedded_check import dataset_file, verdict


def main():
    split = sys.argv.index('--')
    count, native = int(sys.argv[1]), sys.argv[2]
    command = sys.argv[split + 1:]
    images = dataset_file('t10k-images-idx3-ubyte')[16:16 + 784 * count]
    ours = subprocess.run([native], input=images, capture_output=True, check=True).stdout.decode().splitlines()
    theirs = subprocess.run(command, input=images, capture_output=True, check=True).stdout.decode().splitlines()
    if len(ours) != count or len(theirs) != count:
        return verdict([f'expected {count} lines each, got {len(ours)} (native) and {len(theirs)} (other)'])
    classes = sum(a.split()[1] != b.split()[1] for a, b in zip(ours, theirs))
    largest = max(abs(float(a.split()[-1]) - float(b.split()[-1])) for a, b in zip(ours, theirs))
    same = sum(a == b for a, b in zip(ours, theirs))
    print(f'{count} images: {classes} classes differ, largest probability difference {largest:.3g}, '
          f'{same} lines bitwise the same')
    return verdict([f'{classes} classes differ, or probabilities by more than 1e-5'] if classes or largest > 1e-5
                   else [])


if __name__ == '__main__':
    sys.exit(main())
