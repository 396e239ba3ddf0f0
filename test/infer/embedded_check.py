#!/usr/bin/env python3
"""The embedded classifier against Model: every prediction of the Fashion-MNIST test set equal.

usage: embedded_check.py CLASSIFY REFERENCE WEIGHTS

CLASSIFY is examples/embedded/classify (or classify_from_pytorch), the seed CNN with WEIGHTS
compiled in (built with -fno-exceptions -fno-rtti against the deployment profile alone);
REFERENCE is test/infer/embedded_reference, Model::predict on WEIGHTS loaded at run time (a
typenet weight file, or a PyTorch state_dict's .safetensors file, which the build converted). Both read the
test set's 10,000 images (raw 784-byte records) on stdin and print one line per image: number,
class, class name, probability (9 significant digits). The check passes when
  1. every line is the same (the same class and the same probability for every image);
  2. the accuracy is that of a trained network (above 0.85);
  3. CLASSIFY loads no TBB and no typenet library (ldd), and its size is reported.
"""
import gzip
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from doc_checks import verdict  # noqa: E402 (test/doc_checks.py: the verdict every test script prints)


def dataset_file(name):
    directory = os.environ.get('TYPENET_FASHION_MNIST', '/usr/share/datasets/fashion-mnist')
    for candidate in (os.path.join(directory, name), os.path.join(directory, name + '.gz')):
        if os.path.exists(candidate):
            opener = gzip.open if candidate.endswith('.gz') else open
            with opener(candidate, 'rb') as f:
                return f.read()
    sys.exit(f'{name} not found in {directory} (install dataset-fashion-mnist, or set TYPENET_FASHION_MNIST)')


def main():
    classify, reference, weights = sys.argv[1:4]
    images = dataset_file('t10k-images-idx3-ubyte')[16:]
    labels = dataset_file('t10k-labels-idx1-ubyte')[8:]
    assert len(images) == 784 * 10000 and len(labels) == 10000
    embedded = subprocess.run([classify], input=images, capture_output=True, check=True).stdout.decode().splitlines()
    model = subprocess.run([reference, weights], input=images, capture_output=True,
                           check=True).stdout.decode().splitlines()
    failures = []
    if len(embedded) != 10000 or len(model) != 10000:
        failures.append(f'expected 10000 lines each, got {len(embedded)} (embedded) and {len(model)} (Model)')
    differing = [i for i, (a, b) in enumerate(zip(embedded, model)) if a != b]
    if differing:
        i = differing[0]
        failures.append(f'{len(differing)} predictions differ; the first: embedded "{embedded[i]}", Model "{model[i]}"')
    correct = sum(int(line.split()[1]) == labels[i] for i, line in enumerate(embedded))
    accuracy = correct / 10000
    print(f'embedded classifier: {len(embedded) - len(differing)} of 10000 predictions equal to Model::predict; '
          f'test accuracy {accuracy:.4f}')
    if accuracy < 0.85:
        failures.append(f'accuracy {accuracy:.4f} is not that of the trained seed CNN')
    libraries = subprocess.run(['ldd', classify], capture_output=True, text=True).stdout
    print('ldd:\n' + libraries.rstrip())
    for unwanted in ('libtbb', 'libtypenet'):
        if unwanted in libraries:
            failures.append(f'{classify} loads {unwanted}')
    size = subprocess.run(['size', classify], capture_output=True, text=True).stdout
    print(f'file size: {os.path.getsize(classify)} bytes\n{size.rstrip()}')
    return verdict(failures)


if __name__ == '__main__':
    sys.exit(main())
