#!/usr/bin/python3
"""tools/torch_fixtures.py: PyTorch networks, their weights and their outputs, for typenet's import tests.

usage: torch_fixtures.py write DIR    write the fixtures into DIR (test/data/torch holds the committed ones)
       torch_fixtures.py check DIR    regenerate them in a temporary directory and compare with DIR's:
                                      the same tensors, names, shapes and dtypes, values within float
                                      rounding (another CPU may sum in another order)

Each network NAME gives two safetensors files:
  NAME.safetensors     its state_dict (PyTorch's names and layouts, float32; BatchNorm's
                       num_batches_tracked as int64), after a few training steps so that the
                       BatchNorm statistics are not trivial;
  NAME.io.safetensors  "input": a batch in typenet's layout (N, H, W, C), float32;
                       "output32": the network's output in float32 (eval mode);
                       "output64": the same network in float64 (model.double()), the reference
                       typenet's float32 output is held to (test/unit/test_torch_import.cpp, which
                       declares the same networks as typenet types).

Needs Debian's python3-torch and python3-numpy (run with /usr/bin/python3). The safetensors files
are written with numpy alone (tools/safetensors_numpy.py): Debian has no python3-safetensors.
"""
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_numpy import load_file, save_file  # noqa: E402 (beside this file)


class Residual(nn.Module):
    """y = body(x) + shortcut(x), the identity without one: typenet's Residual."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x):
        return self.body(x) + (self.shortcut(x) if self.shortcut is not None else x)


class Concat(nn.Module):
    """The branches' outputs joined on the channel axis: typenet's Concat."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], dim=1)


def keras_same(cin, cout, k, stride):
    """Keras's 'same' convolution with a stride: pad k - stride in all (for an even size), the
    smaller half before; PyTorch's padding= is symmetric, so a ZeroPad2d comes first."""
    total = max(k - stride, 0)
    return nn.Sequential(nn.ZeroPad2d((total // 2, total - total // 2, total // 2, total - total // 2)),
                         nn.Conv2d(cin, cout, k, stride=stride))


def seed_cnn():
    """typenet: Input<14, 14, 1>, Conv2D<4, 3, 3>, ReLU, MaxPool2D<2, 2>, Conv2D<8, 3, 3>, ReLU,
    MaxPool2D<2, 2>, Flatten, Dense<10>, Softmax (the Flatten of 2 x 2 x 8 needs the reorder)."""
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(32, 10), nn.Softmax(dim=1))
    return net, (14, 14, 1)


def strided():
    """typenet: Input<10, 10, 3>, Conv2D<6, 3, 3, Padding::same>, PyTorchBatchNorm, LeakyReLU<>,
    Conv2D<8, 3, 3, Padding::same, 2>, BatchNormalization (eps 1e-3), ReLU,
    MaxPool2D<3, 3, Padding::same, 1>, AvgPool2D<2, 2>, Flatten, PyTorchBatchNorm (over the 32
    flattened features: its vectors reordered too), Dropout<25>, Dense<12>, Tanh, Dense<3>,
    Sigmoid."""
    net = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.LeakyReLU(0.3),
                        keras_same(6, 8, 3, 2), nn.BatchNorm2d(8, eps=1e-3), nn.ReLU(),
                        nn.MaxPool2d(3, stride=1, padding=1), nn.AvgPool2d(2), nn.Flatten(), nn.BatchNorm1d(32),
                        nn.Dropout(0.25), nn.Linear(32, 12), nn.Tanh(), nn.Linear(12, 3), nn.Sigmoid())
    return net, (10, 10, 3)


def branching():
    """typenet: Input<8, 8, 3>, Conv2D<8, 3, 3, Padding::same>, PyTorchBatchNorm, ReLU,
    Residual<Conv2D<8, 3, 3, same>, PyTorchBatchNorm, ReLU, Conv2D<8, 3, 3, same>, PyTorchBatchNorm>,
    ReLU, Residual<Chain<Conv2D<12, 3, 3, same, 2>, PyTorchBatchNorm, ReLU, Conv2D<12, 3, 3, same>,
    PyTorchBatchNorm>, Shortcut<Conv2D<12, 1, 1, valid, 2>, PyTorchBatchNorm>>, ReLU,
    Concat<Chain<Conv2D<4, 1, 1>, ReLU>, Chain<MaxPool2D<3, 3, same, 1>, Conv2D<2, 1, 1>>>,
    GlobalAveragePooling2D, Dense<5>, Softmax."""
    def bn(c):
        return nn.BatchNorm2d(c)

    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), bn(8), nn.ReLU(),
        Residual(nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), bn(8), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), bn(8))),
        nn.ReLU(),
        Residual(nn.Sequential(keras_same(8, 12, 3, 2), bn(12), nn.ReLU(), nn.Conv2d(12, 12, 3, padding=1), bn(12)),
                 nn.Sequential(nn.Conv2d(8, 12, 1, stride=2), bn(12))),
        nn.ReLU(),
        Concat(nn.Sequential(nn.Conv2d(12, 4, 1), nn.ReLU()),
               nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(12, 2, 1))),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5), nn.Softmax(dim=1))
    return net, (8, 8, 3)


class Sequence(nn.Module):
    """A causal dilated Conv1d, a GRU of two layers (num_layers=2) and an LSTM, on (N, T, C) as
    typenet lays sequences out."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 8, 3, dilation=2)
        self.gru = nn.GRU(8, 16, num_layers=2, batch_first=True)
        self.lstm = nn.LSTM(16, 12, batch_first=True)
        self.head = nn.Linear(12, 5)

    def forward(self, x):
        y = torch.relu(self.conv(nn.functional.pad(x.transpose(1, 2), (4, 0))))  # causal: 2 x (3 - 1) before
        y, _ = self.gru(y.transpose(1, 2))
        y, _ = self.lstm(y)
        return self.head(y[:, -1])


def sequence():
    """typenet: Input<10, 3>, Conv1D<8, 3, Padding::causal, 1, 2>, ReLU, GRU<16, Return::sequences>,
    GRU<16, Return::sequences>, LSTM<12>, Dense<5> (GRU's gates r, z, n reordered to z, r, h; the
    LSTM's two biases summed)."""
    return Sequence(), (10, 3)


NETWORKS = {'seed_cnn': seed_cnn, 'strided': strided, 'branching': branching, 'sequence': sequence}
SAMPLES = 6


def make(name):
    """The network NAME after a few training steps, its input batch, and its outputs."""
    torch.manual_seed(sum(map(ord, name)))
    net, shape = NETWORKS[name]()
    # Images go in as PyTorch's (N, C, H, W); sequences as typenet's (N, T, C), which the module
    # transposes itself.
    image = len(shape) == 3
    torch_shape = (shape[2], shape[0], shape[1]) if image else shape
    # A few SGD steps on random data so that BatchNorm's running statistics (and every weight)
    # are not their initial values.
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    for _ in range(3):
        x = torch.randn(16, *torch_shape) * 2 + 0.5
        loss = (net(x) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()
    x = torch.rand(SAMPLES, *torch_shape) * 2 - 0.5
    with torch.no_grad():
        out32 = net(x).numpy()
        out64 = net.double()(x.double()).numpy()
    net.float()
    state = {k: v.numpy() for k, v in net.state_dict().items()}
    io = {'input': (x.permute(0, 2, 3, 1) if image else x).contiguous().numpy(), 'output32': out32, 'output64': out64}
    return state, io


def write(directory):
    os.makedirs(directory, exist_ok=True)
    for name in NETWORKS:
        state, io = make(name)
        save_file(state, os.path.join(directory, name + '.safetensors'), {'format': 'pt'})
        save_file(io, os.path.join(directory, name + '.io.safetensors'))


def check(directory):
    failures = []
    with tempfile.TemporaryDirectory() as fresh:
        write(fresh)
        for file in sorted(os.listdir(fresh)):
            new, old = load_file(os.path.join(fresh, file)), load_file(os.path.join(directory, file))
            if list(new) != list(old):
                failures.append(f'{file}: tensors {list(new)} regenerated, {list(old)} committed')
                continue
            for key in new:
                a, b = new[key], old[key]
                if a.dtype != b.dtype or a.shape != b.shape:
                    failures.append(f'{file}: {key} is {a.dtype}{list(a.shape)}, committed {b.dtype}{list(b.shape)}')
                elif a.dtype.kind == 'f' and not np.allclose(a, b, rtol=1e-4, atol=1e-5):
                    failures.append(f'{file}: {key} differs by up to {np.abs(a - b).max():.3g}')
                elif a.dtype.kind != 'f' and not np.array_equal(a, b):
                    failures.append(f'{file}: {key} differs')
            print(f'{file}: {len(new)} tensors as committed' if not failures else f'{file}: checked')
    for f in failures:
        print('FAIL', f)
    return 1 if failures else 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('write', 'check'):
        print(__doc__)
        return 2
    if sys.argv[1] == 'write':
        write(sys.argv[2])
        return 0
    return check(sys.argv[2])


if __name__ == '__main__':
    sys.exit(main())
