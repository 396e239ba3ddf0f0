#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora: corpus/idx/, corpus/cifar10/, corpus/weights/, corpus/safetensors/
and corpus/npz/.

usage: make_corpus.py [DIRECTORY]   (default: the corpus/ directory beside this script)

Small valid files, so the fuzzer starts from inputs that pass every check, and a few broken ones
(truncated, wrong magic, lying headers, trailing data), so it starts inside the error paths too.
The gzip files carry no time stamp, so the output is the same on every run. Files named
regression-* are inputs that once crashed a reader; this script does not write them, they are
kept as found.
"""
import gzip
import pathlib
import struct
import sys
import zlib


def idx(dims, values, type_code=0x08):
    """An IDX file: magic 00 00 <type> <rank>, big-endian dimensions, then the values."""
    return bytes([0, 0, type_code, len(dims)]) + b''.join(struct.pack('>I', d) for d in dims) + bytes(values)


def pattern(count, seed=0):
    return [(i * 37 + seed * 101 + 11) % 256 for i in range(count)]


def gz(data, level=9):
    return gzip.compress(data, compresslevel=level, mtime=0)


def cifar(labels):
    """CIFAR-10 records: a label byte, then 1,024 red, 1,024 green and 1,024 blue bytes."""
    return b''.join(bytes([label]) + bytes(pattern(3072, r)) for r, label in enumerate(labels))


# ---- weight files (README "Weight files"), written from the documented layout alone --------------

def text(s):
    data = s.encode()
    return struct.pack('<I', len(data)) + data


def shape(dims):
    return bytes([len(dims)]) + b''.join(struct.pack('<Q', d) for d in dims)


# The networks of fuzz_weights.cpp: Input<4>, Dense<3>, ReLU, Dense<2>, Softmax; and Input<4>,
# Residual<Dense<4>, ReLU>, Dense<2>, Softmax. A layer: kind, input shape, output shape, tensors,
# and in version 2 its path in the blocks and the positions it reads (None: at the top, reading
# the layer before it).
FUZZ_NET = [('Dense<3>', [4], [3], [('kernel', 12), ('bias', 3)], None),
            ('ReLU', [3], [3], [], None),
            ('Dense<2>', [3], [2], [('kernel', 6), ('bias', 2)], None),
            ('Softmax', [2], [2], [], None)]
FUZZ_BLOCKS = [('Dense<4>', [4], [4], [('kernel', 16), ('bias', 4)], ('1.b0.1', [0])),
               ('ReLU', [4], [4], [], ('1.b0.2', [1])),
               ('Add', [4], [4], [], ('1.m', [2, 0])),
               ('Dense<2>', [4], [2], [('kernel', 8), ('bias', 2)], ('2', [3])),
               ('Softmax', [2], [2], [], ('3', [4]))]


def architecture(layers, version=2):
    out = struct.pack('<I', len(layers))
    for i, (kind, given, made, tensors, place) in enumerate(layers):
        out += text(kind) + shape(given) + shape(made) + struct.pack('<I', len(tensors))
        out += b''.join(text(name) + struct.pack('<Q', size) for name, size in tensors)
        if version >= 2:
            path, sources = place or (str(i + 1), [i])
            out += text(path) + struct.pack('<I', len(sources)) + b''.join(struct.pack('<Q', s) for s in sources)
    return out


def values(count, seed):
    return b''.join(struct.pack('<f', ((i * 7 + seed) % 11 - 5) / 10) for i in range(count))


def weight_file(body, kind=1, version=2):
    """Magic, version, kind, total length, the body, then the CRC-32 of everything before it."""
    head = b'\x89TNW\r\n\x1a\n' + struct.pack('<IIQ', version, kind, 8 + 4 + 4 + 8 + len(body) + 4)
    return head + body + struct.pack('<I', zlib.crc32(head + body))


def weights_body(layers=FUZZ_NET, scalar='float32', version=2):
    count = sum(size for _, _, _, tensors, _ in layers for _, size in tensors)
    return text(scalar) + architecture(layers, version) + values(count, 1)


def checkpoint_body():
    """The weights' body, then what a checkpoint adds: loss and optimizer (Adam, two state
    slots), the training state after epoch 1 of a fit over 4 samples in batches of 2, seed 3, the
    history, and the callbacks' state."""
    nan = float('nan')
    body = weights_body() + text('CrossEntropy') + text('Adam') + struct.pack('<QI', 2, 2)
    body += values(23, 2) + b''.join(struct.pack('<f', (i % 5 + 1) / 1000) for i in range(23))  # m, then v > 0
    body += struct.pack('<QQQBQ', 1, 4, 2, 1, 3) + struct.pack('<4Q', 1, 2, 3, 4)
    body += struct.pack('<Q4I', 4, 2, 0, 3, 1)
    body += struct.pack('<Q', 1) + struct.pack('<QddBdddd', 1, 0.69, 0.5, 0, 0, 0, 1e-3, 0.01)
    body += struct.pack('<dQQddQQd', nan, 0, 0, nan, nan, 0, 0, 1.0) + b'\x00'
    return body


def weight_files():
    good = weight_file(weights_body())
    other = FUZZ_NET[:2] + [('Dense<5>', [3], [5], [('kernel', 15), ('bias', 5)], None), ('Softmax', [5], [5], [], None)]
    return {
        'weights/fuzz-net.tnw': good,
        'weights/fuzz-net-version-1.tnw': weight_file(weights_body(version=1), version=1),
        'weights/fuzz-blocks.tnw': weight_file(weights_body(FUZZ_BLOCKS)),
        'weights/fuzz-net.tnc': weight_file(checkpoint_body(), kind=2),
        'weights/bad-other-network.tnw': weight_file(weights_body(other)),
        'weights/bad-float64.tnw': weight_file(weights_body(scalar='float64')),
        'weights/bad-version-3.tnw': weight_file(weights_body(), version=3),
        'weights/bad-truncated.tnw': good[:len(good) // 2],
        'weights/bad-corrupt.tnw': good[:60] + bytes([good[60] ^ 0x40]) + good[61:],
        'weights/bad-empty.tnw': b'',
    }


# ---- safetensors (https://github.com/huggingface/safetensors), written from the format alone ----

def safetensors(tensors, metadata=None, pad=True, order=None):
    """A safetensors file: tensors is [(name, dtype, shape, raw bytes)], laid out in that order."""
    import json
    header, offset = {}, 0
    if metadata is not None:
        header['__metadata__'] = metadata
    for name, dtype, dims, raw in tensors:
        header[name] = {'dtype': dtype, 'shape': dims, 'data_offsets': [offset, offset + len(raw)]}
        offset += len(raw)
    if order:
        header = {k: header[k] for k in order}
    text = json.dumps(header, separators=(',', ':')).encode()
    if pad:
        text += b' ' * (-len(text) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(raw for _, _, _, raw in tensors)


def safetensors_files():
    f32 = struct.pack('<6f', 0.5, -1.25, 3.0, 1e-3, -0.0, 7.5)
    f64 = struct.pack('<2d', 1.5, -2.25)
    f16 = struct.pack('<4H', 0x3c00, 0xc000, 0x0001, 0x7c00)   # 1, -2, the smallest subnormal, infinity
    bf16 = struct.pack('<2H', 0x3f80, 0xc040)                 # 1, -3
    i64 = struct.pack('<2q', 1, 2)
    good = [('conv.weight', 'F32', [2, 3], f32), ('conv.bias', 'F64', [2], f64), ('half', 'F16', [2, 2], f16),
            ('brain', 'BF16', [2], bf16)]
    return {
        'safetensors/four-dtypes.safetensors': safetensors(good, {'format': 'pt'}),
        'safetensors/header-order.safetensors': safetensors(good, order=['half', 'brain', 'conv.bias', 'conv.weight']),
        'safetensors/unpadded.safetensors': safetensors(good[:1], pad=False),
        'safetensors/scalar-and-empty.safetensors': safetensors([('s', 'F32', [], f32[:4]), ('e', 'F32', [0, 3], b'')]),
        'safetensors/no-tensors.safetensors': safetensors([]),
        'safetensors/integer.safetensors': safetensors([('num_batches_tracked', 'I64', [2], i64)]),
        'safetensors/bad-truncated.safetensors': safetensors(good)[:-3],
        'safetensors/bad-trailing.safetensors': safetensors(good) + b'\0\0',
        'safetensors/bad-header-length.safetensors': struct.pack('<Q', 1 << 40) + b'{}',
        'safetensors/bad-not-json.safetensors': struct.pack('<Q', 8) + b'{"a":1,}',
        'safetensors/bad-duplicate.safetensors': (lambda t: struct.pack('<Q', len(t)) + t + f32[:8])(
            b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'),
        'safetensors/bad-overlap.safetensors': (lambda t: struct.pack('<Q', len(t)) + t + f32[:8])(
            b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'),
        'safetensors/bad-shape-size.safetensors': (lambda t: struct.pack('<Q', len(t)) + t + f32[:8])(
            b'{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}'),
        'safetensors/bad-overflow.safetensors': (lambda t: struct.pack('<Q', len(t)) + t)(
            b'{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}'),
        # The weights of fuzz_safetensors.cpp's network Fuzzed, which it loads in both layouts.
        'safetensors/model-typenet.safetensors': safetensors(model_tensors(FUZZED_TYPENET)),
        'safetensors/model-pytorch.safetensors': safetensors(model_tensors(FUZZED_PYTORCH), {'format': 'pt'}),
        'safetensors/model-pytorch-sorted.safetensors': safetensors(sorted(model_tensors(FUZZED_PYTORCH))),
    }


# Fuzzed (Input<4, 4, 2>, Conv2D<3, 3, 3, same>, BatchNormalization, Residual<Conv2D<3, 1, 1>>,
# Flatten, PyTorchBatchNorm, Dense<2>): its tensors as save_safetensors names and shapes them.
FUZZED_TYPENET = [('1.kernel', [3, 3, 2, 3]), ('1.bias', [3]), ('2.gamma', [3]), ('2.beta', [3]),
                  ('2.moving_mean', [3]), ('2.moving_variance', [3]), ('3.b0.1.kernel', [1, 1, 3, 3]),
                  ('3.b0.1.bias', [3]), ('5.gamma', [48]), ('5.beta', [48]), ('5.moving_mean', [48]),
                  ('5.moving_variance', [48]), ('6.kernel', [48, 2]), ('6.bias', [2])]
FUZZED_PYTORCH = [('0.weight', [3, 2, 3, 3]), ('0.bias', [3]), ('1.weight', [3]), ('1.bias', [3]),
                  ('1.running_mean', [3]), ('1.running_var', [3]), ('2.b0.0.weight', [3, 3, 1, 1]),
                  ('2.b0.0.bias', [3]), ('4.weight', [48]), ('4.bias', [48]), ('4.running_mean', [48]),
                  ('4.running_var', [48]), ('5.weight', [2, 48]), ('5.bias', [2])]


def model_tensors(names_and_shapes):
    out = []
    for i, (name, dims) in enumerate(names_and_shapes):
        count = 1
        for d in dims:
            count *= d
        out.append((name, 'F32', dims, struct.pack(f'<{count}f', *[0.25 + 0.01 * ((i * 7 + k) % 13) for k in range(count)])))
    return out


# ---- .npz: a zip of .npy files, as numpy.savez (stored) and savez_compressed (deflated) write ----

def npy(descr, shape, raw, fortran=False, version=1):
    """A .npy file: magic, version, header length, the dict literal padded to 64 bytes, the data."""
    dims = '(' + ''.join(f'{d}, ' for d in shape).rstrip(' ')
    dims = dims[:-1] + ',)' if len(shape) == 1 else dims.rstrip(',') + ')'
    text = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {dims}, }}"
    prefix = 10 if version == 1 else 12
    text += ' ' * (-(prefix + len(text) + 1) % 64) + '\n'
    length = struct.pack('<H', len(text)) if version == 1 else struct.pack('<I', len(text))
    return b'\x93NUMPY' + bytes([version, 0]) + length + text.encode() + raw


def npz(arrays, compressed):
    """A zip with one member per array, with a fixed time stamp so the bytes are the same on every run."""
    import io
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as z:
        for name, data in arrays:
            info = zipfile.ZipInfo(name + '.npy', date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
            z.writestr(info, data)
    return out.getvalue()


def npz_files():
    f4 = struct.pack('<6f', 0.5, -1.25, 3.0, 1e-3, -0.0, 7.5)
    f8 = struct.pack('<2d', 1.5, -2.25)
    f2 = struct.pack('<2H', 0x3c00, 0x7c00)
    arrays = [('kernel', npy('<f4', [2, 3], f4)), ('bias', npy('<f8', [2], f8)), ('half', npy('<f2', [2], f2, version=2))]
    good = npz(arrays, False)
    return {
        'npz/stored.npz': good,
        'npz/deflated.npz': npz(arrays, True),
        'npz/scalar-fortran-int.npz': npz([('s', npy('<f4', [], f4[:4])), ('f', npy('<f4', [3, 2], f4, fortran=True)),
                                          ('i', npy('<i8', [1], struct.pack('<q', 7)))], False),
        'npz/bad-truncated.npz': good[:-40],
        'npz/bad-shape.npz': npz([('k', npy('<f4', [2, 4], f4))], False),
        'npz/bad-header.npz': npz([('k', b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'}")], False),
    }


def main():
    root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent / 'corpus'
    images = idx([3, 4, 4], pattern(48))
    labels = idx([3], [7, 0, 9])
    files = {
        'idx/images-3x4x4.idx': images,
        'idx/images-3x4x4.idx.gz': gz(images),
        'idx/images-3x4x4-stored.idx.gz': gz(images, level=0),  # stored blocks, no compression
        'idx/labels-3.idx': labels,
        'idx/labels-3.idx.gz': gz(labels),
        'idx/rank4-2x1x3x2.idx': idx([2, 1, 3, 2], pattern(12, 1)),
        'idx/two-members.idx.gz': gz(images[:30]) + gz(images[30:]),  # concatenated gzip members
        'idx/bad-truncated.idx': images[:40],
        'idx/bad-truncated.idx.gz': gz(images)[:-6],
        'idx/bad-trailing-data.idx': images + b'\x01\x02',
        'idx/bad-trailing-garbage.idx.gz': gz(images) + b'junk',
        'idx/bad-wrong-magic.idx': b'\x08\x03' + images[2:],
        'idx/bad-float-type.idx': idx([3, 4, 4], pattern(48), type_code=0x0d),
        'idx/bad-zero-dimension.idx': idx([3, 0, 4], []),
        'idx/bad-oversized-header.idx': idx([100000, 100000], pattern(8)),
        'cifar10/two-records.bin': cifar([3, 9]),
        'cifar10/one-record.bin': cifar([0]),
        'cifar10/bad-label-10.bin': cifar([10]),
        'cifar10/bad-not-whole-records.bin': cifar([1]) + b'\x05\x06\x07',
        'cifar10/bad-truncated.bin': cifar([2])[:3000],
        'cifar10/bad-empty.bin': b'',
        **weight_files(),
        **safetensors_files(),
        **npz_files(),
    }
    for name, data in files.items():
        assert len(data) < 10_000, name
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f'wrote {len(files)} files under {root}')


if __name__ == '__main__':
    main()
