#!/usr/bin/python3
"""examples/from_pytorch.py: the Python half of examples/from_pytorch.cpp (docs/interop.md#a-round-trip-with-pytorch).

usage: from_pytorch.py train OUT.safetensors [--epochs 1]
           trains the seed CNN in PyTorch on Fashion-MNIST (Adam, batch 32), prints its test
           accuracy and saves its state_dict, the accuracy in the file's __metadata__
           ("test_accuracy"), for the C++ half to load and check;
       from_pytorch.py check EXPORTED.safetensors PREDICTIONS.txt
           loads the weights the C++ half exported (after fine-tuning them in typenet) into the
           same PyTorch network and compares its predictions on the test set with typenet's (one
           class per line in PREDICTIONS.txt): exit status 1 unless they agree.
Needs python3-torch and python3-numpy (Debian's: run with /usr/bin/python3) and
dataset-fashion-mnist (or TYPENET_FASHION_MNIST=DIR). Saving needs no safetensors package:
tools/safetensors_numpy.py writes the format with numpy.
"""
import gzip
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from safetensors_numpy import load_file, save_file  # noqa: E402

FASHION = os.environ.get('TYPENET_FASHION_MNIST', '/usr/share/datasets/fashion-mnist')


def fashion(split):
    """Fashion-MNIST's images (N, 1, 28, 28, scaled to [0, 1]) and labels; split 'train' or 't10k'."""
    images = gzip.open(os.path.join(FASHION, f'{split}-images-idx3-ubyte.gz')).read()
    labels = gzip.open(os.path.join(FASHION, f'{split}-labels-idx1-ubyte.gz')).read()
    x = np.frombuffer(images, np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    y = np.frombuffer(labels, np.uint8, offset=8).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def seed_cnn():
    """typenet's SeedCnn<Input<28, 28, 1>> (examples/seed_cnn.cpp); its Softmax is in the loss here."""
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 10))


def predict(net, x):
    net.eval()
    with torch.no_grad():
        return torch.cat([net(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])


def train(path, epochs):
    torch.manual_seed(1)
    x, y = fashion('train')
    tx, ty = fashion('t10k')
    net = seed_cnn()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), 32):
            batch = order[i:i + 32]
            optimizer.zero_grad()
            loss(net(x[batch]), y[batch]).backward()
            optimizer.step()
    accuracy = (predict(net, tx) == ty).double().mean().item()
    print(f'PyTorch: test accuracy {accuracy:.4f} after {epochs} epoch(s)')
    save_file({k: v.numpy() for k, v in net.state_dict().items()}, path,
              {'format': 'pt', 'test_accuracy': f'{accuracy:.6f}'})
    print(f'saved {path}')
    return 0


def check(path, predictions_path):
    tx, ty = fashion('t10k')
    net = seed_cnn()
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in load_file(path).items()})  # strict
    ours = predict(net, tx).numpy()
    theirs = np.loadtxt(predictions_path, dtype=np.int64)
    if theirs.shape != ours.shape:
        print(f'{predictions_path}: {theirs.shape[0]} predictions, the test set has {ours.shape[0]} images')
        return 1
    same = int((ours == theirs).sum())
    acc_torch = float((ours == ty.numpy()).mean())
    acc_typenet = float((theirs == ty.numpy()).mean())
    print(f'PyTorch with typenet\'s exported weights: test accuracy {acc_torch:.4f}, typenet\'s {acc_typenet:.4f}; '
          f'{same} of {len(ours)} predictions the same')
    # The same function in two libraries, rounded otherwise: a near tie may fall the other way.
    return 0 if abs(acc_torch - acc_typenet) <= 1e-4 and same >= len(ours) - 2 else 1


def main():
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == 'train':
        epochs = int(args[3]) if len(args) == 4 and args[2] == '--epochs' else 1
        return train(args[1], epochs)
    if len(args) == 3 and args[0] == 'check':
        return check(args[1], args[2])
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main())
