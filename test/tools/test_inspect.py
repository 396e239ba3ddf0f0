#!/usr/bin/env python3
"""test/tools/test_inspect.py: typenet-inspect on safetensors, .npz and typenet files, and on files it must refuse.

usage: test_inspect.py TYPENET_INSPECT WRITE_SAMPLE_WEIGHTS

The safetensors and .npz files are written here by hand from their specifications (stdlib only,
no numpy); the typenet files by WRITE_SAMPLE_WEIGHTS (tools/write_sample_weights.cpp), from
networks whose declared types it prints, so the type typenet-inspect rebuilds is compared with
the text the compiler was given. Every check runs; the failures are listed at the end.
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

TOOL, WRITER = sys.argv[1], sys.argv[2]
failures = []

# A tensor's line: name, dtype, shape (or "N values" for a typenet file), bytes.
ROW = re.compile(r'^  (\S+)\s+(\S+)\s+(\[[^\]]*\](?: \(Fortran order\))?|\d+ values)\s+(\d+) bytes$')


def check(condition, what, output=None):
    if not condition:
        failures.append(what + (f'\n    output was:\n{indent(output)}' if output is not None else ''))


def indent(text):
    return '\n'.join('      ' + line for line in text.splitlines())


def run(*args):
    return subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=60)


def rows(stdout):
    """The tensor lines of a listing, as (name, dtype, shape, bytes) tuples."""
    return [m.groups() for m in map(ROW.match, stdout.splitlines()) if m]


# ---- writing the files ------------------------------------------------------------------------

def write_safetensors(path, tensors, metadata=None):
    """tensors: (name, dtype, shape, data bytes). An 8-byte little-endian header length, the JSON
    header (padded with spaces to a multiple of 8, as the reference pads it), the data."""
    header, at = {}, 0
    for name, dtype, shape, data in tensors:
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [at, at + len(data)]}
        at += len(data)
    if metadata:
        header['__metadata__'] = metadata
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(t[3] for t in tensors))


def npy(descr, shape, data, fortran=False):
    """A .npy file, format version 1.0: magic, version, header length, the header dict padded
    with spaces and a newline to a multiple of 64 bytes, the data."""
    shape_text = f'({shape[0]},)' if len(shape) == 1 else '(' + ', '.join(map(str, shape)) + ')'
    header = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape_text}, }}"
    header += ' ' * (-(10 + len(header) + 1) % 64) + '\n'
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode('latin1') + data


def write_npz(path, arrays, compression):
    with zipfile.ZipFile(path, 'w', compression) as z:
        for name, descr, shape, data, fortran in arrays:
            z.writestr(name + '.npy', npy(descr, shape, data, fortran))


def floats(n, code='f'):
    return struct.pack(f'<{n}{code}', *range(n))


# ---- the checks ---------------------------------------------------------------------------------

def check_safetensors(tmp):
    # No extension: the format is told by the bytes.
    path = os.path.join(tmp, 'weights')
    write_safetensors(path, [('encoder.weight', 'F32', [2, 3], floats(6)),
                             ('steps', 'I64', [4], floats(4, 'q')),
                             ('scale', 'F16', [], b'\x00\x3c')],
                      {'format': 'pt', 'note': 'hand-written'})
    p = run(path)
    check(p.returncode == 0 and p.stderr == '', f'safetensors: exit {p.returncode}, stderr {p.stderr!r}')
    lines = p.stdout.splitlines()
    check(lines[:1] == [f'{path}: safetensors, 3 tensors, 58 bytes of tensor data'], 'safetensors: first line', p.stdout)
    check('  __metadata__ format: pt' in lines and '  __metadata__ note: hand-written' in lines,
          'safetensors: the __metadata__ entries', p.stdout)
    check(rows(p.stdout) == [('encoder.weight', 'F32', '[2, 3]', '24'), ('steps', 'I64', '[4]', '32'),
                             ('scale', 'F16', '[]', '2')], 'safetensors: the tensors', p.stdout)


def check_npz(tmp):
    arrays = [('dense/kernel', '<f4', (2, 3), floats(6), False),
              ('bias', '<f8', (3,), floats(3, 'd'), False),
              ('count', '<i8', (), floats(1, 'q'), False),
              ('transposed', '<f4', (2, 2), floats(4), True)]
    expected = [('dense/kernel', '<f4', '[2, 3]', '24'), ('bias', '<f8', '[3]', '24'), ('count', '<i8', '[]', '8'),
                ('transposed', '<f4', '[2, 2] (Fortran order)', '16')]
    # numpy.savez stores, savez_compressed deflates; and a misleading extension changes nothing.
    for name, compression in (('plain.npz', zipfile.ZIP_STORED), ('packed.safetensors', zipfile.ZIP_DEFLATED)):
        path = os.path.join(tmp, name)
        write_npz(path, arrays, compression)
        p = run(path)
        check(p.returncode == 0 and p.stderr == '', f'npz {name}: exit {p.returncode}, stderr {p.stderr!r}')
        check(p.stdout.splitlines()[:1] == [f'{path}: NumPy .npz, 4 arrays, 72 bytes of array data'],
              f'npz {name}: first line', p.stdout)
        check(rows(p.stdout) == expected, f'npz {name}: the arrays', p.stdout)


def typenet_rows(scalar_bytes, scalar):
    """The tensors of the flat network of write_sample_weights.cpp, as typenet-inspect lists them."""
    sizes = [('1.kernel', 3 * 3 * 1 * 4), ('1.bias', 4), ('2.gamma', 4), ('2.beta', 4), ('2.moving_mean', 4),
             ('2.moving_variance', 4), ('7.kernel', 4 * 4 * 4 * 10), ('7.bias', 10)]
    return [(name, scalar, f'{n} values', str(n * scalar_bytes)) for name, n in sizes]


def check_typenet(tmp):
    written = subprocess.run([WRITER, tmp], capture_output=True, text=True, timeout=120)
    check(written.returncode == 0, f'write_sample_weights failed: {written.stderr}')
    if written.returncode != 0:
        return
    declared = dict(line.split(': ', 1) for line in written.stdout.splitlines())

    for name, scalar, size in (('flat.tnw', 'float32', 4), ('flat64.tnw', 'float64', 8)):
        path = os.path.join(tmp, name)
        p = run(path)
        check(p.returncode == 0 and p.stderr == '', f'{name}: exit {p.returncode}, stderr {p.stderr!r}')
        lines = p.stdout.splitlines()
        check(lines[:1] == [f'{path}: typenet weights (format version 2), {scalar}, 8 nodes, 706 parameters, '
                            f'{706 * size} bytes of values'], f'{name}: first line', p.stdout)
        check(rows(p.stdout) == typenet_rows(size, scalar), f'{name}: the tensors', p.stdout)
        # The rebuilt type is the declared one, character for character.
        check(f'  struct Net : {declared["flat"]} {{}};' in lines, f'{name}: the C++ type is not\n'
              f'    struct Net : {declared["flat"]} {{}};', p.stdout)

    # The same model's safetensors file: the same tensors under the same names, with their shapes.
    path = os.path.join(tmp, 'flat.safetensors')
    p = run(path)
    check(p.returncode == 0, f'flat.safetensors: exit {p.returncode}, stderr {p.stderr!r}')
    check('  __metadata__ format: typenet' in p.stdout.splitlines(), 'flat.safetensors: metadata', p.stdout)
    st = rows(p.stdout)
    check([(r[0], r[3]) for r in st] == [(r[0], r[3]) for r in typenet_rows(4, 'float32')],
          'flat.safetensors: names and bytes differ from flat.tnw\'s', p.stdout)
    check(st[:1] == [('1.kernel', 'F32', '[3, 3, 1, 4]', '144')], 'flat.safetensors: the kernel', p.stdout)

    # With a block: its nodes by path, the block named in the type, never a guess at its type.
    path = os.path.join(tmp, 'blocks.tnw')
    p = run(path)
    check(p.returncode == 0 and p.stderr == '', f'blocks.tnw: exit {p.returncode}, stderr {p.stderr!r}')
    lines = p.stdout.splitlines()
    check([r[0] for r in rows(p.stdout)] == ['1.kernel', '1.bias', '2.b0.1.kernel', '2.b0.1.bias', '2.b0.2.gamma',
                                              '2.b0.2.beta', '2.b0.2.moving_mean', '2.b0.2.moving_variance',
                                              '4.kernel', '4.bias'], 'blocks.tnw: the tensors', p.stdout)
    check('  struct Net : typenet::Sequential<typenet::Input<8, 8, 1>, typenet::Conv2D<4, 3, 3, '
          'typenet::Padding::same>, Block2, typenet::GlobalAveragePooling2D, typenet::Dense<10>, typenet::Softmax> {};'
          in lines, 'blocks.tnw: the C++ type', p.stdout)
    check('Residual' not in p.stdout, 'blocks.tnw: names a block type the file does not record', p.stdout)
    listing = [line.split() for line in lines if line.startswith('  //   ')]
    check([(w[1], w[2]) for w in listing] == [('2.b0.1', 'typenet::Conv2D<4,'), ('2.b0.2', 'typenet::BatchNormalization'),
                                              ('2.b0.3', 'typenet::ReLU'), ('2.m', 'Add')],
          'blocks.tnw: the block\'s nodes', p.stdout)
    check(any(line.startswith('  //   2.m ') and line.endswith('reads 2.b0.3, 1') for line in lines),
          'blocks.tnw: the merge reads the body and the block\'s input', p.stdout)

    path = os.path.join(tmp, 'run.tnc')
    p = run(path)
    check(p.returncode == 0 and p.stderr == '', f'run.tnc: exit {p.returncode}, stderr {p.stderr!r}')
    lines = p.stdout.splitlines()
    check(lines[:1] == [f'{path}: typenet checkpoint (format version 2), float32, 8 nodes, 706 parameters, '
                        '2824 bytes of values'], 'run.tnc: first line', p.stdout)
    check(lines[1:2] == ['  training: loss CrossEntropy, optimizer Adam after 2 steps (2 state slots per parameter), '
                         '1 epoch done on 32 samples in batches of 16'], 'run.tnc: the training line', p.stdout)
    check(rows(p.stdout) == typenet_rows(4, 'float32'), 'run.tnc: the tensors', p.stdout)


def write_typenet(path, scalar, nodes, version=2):
    """A typenet weight file written from docs/weight-format.md alone: nodes are (kind, input,
    output, [(tensor, size)], path, sources); version 1 records no paths or sources."""
    def text(s):
        return struct.pack('<I', len(s.encode())) + s.encode()
    body = text(scalar) + struct.pack('<I', len(nodes))
    values = 0
    for kind, shape_in, shape_out, tensors, node_path, sources in nodes:
        body += text(kind)
        for shape in (shape_in, shape_out):
            body += struct.pack('<B', len(shape)) + b''.join(struct.pack('<Q', d) for d in shape)
        body += struct.pack('<I', len(tensors)) + b''.join(text(n) + struct.pack('<Q', k) for n, k in tensors)
        values += sum(k for _, k in tensors)
        if version >= 2:
            body += text(node_path) + struct.pack('<I', len(sources)) + b''.join(struct.pack('<Q', q) for q in sources)
    body += bytes(values * (4 if scalar == 'float32' else 8))
    head = b'\x89TNW\r\n\x1a\n' + struct.pack('<IIQ', version, 1, 24 + len(body) + 4)
    with open(path, 'wb') as f:
        f.write(head + body + struct.pack('<I', zlib.crc32(head + body)))


def check_spellings(tmp):
    """Every argument typenet's layers spell, qualified as C++; a layer of the user's own left as spelled."""
    kinds = ['Regularized<Conv2D<8, 3, 3, same, 2, 2>, L2<1, 1000>>',
             'BatchNormalizationWith<std::ratio<1, 100000>, std::ratio<9, 10>>', 'LeakyReLU<>',
             'AvgPool2D<2, 2, valid, 1, 1>', 'Negate', 'Flatten', 'Dropout<1, 3>', 'Dense<3>']
    nodes = [(k, [4, 4, 1], [4, 4, 1], [('kernel', 2)] if i == 0 else [], str(i + 1), [i]) for i, k in enumerate(kinds)]
    path = os.path.join(tmp, 'spellings.tnw')
    write_typenet(path, 'float32', nodes)
    p = run(path)
    check(p.returncode == 0, f'spellings.tnw: exit {p.returncode}, stderr {p.stderr!r}')
    lines = p.stdout.splitlines()
    check('  struct Net : typenet::Sequential<typenet::Input<4, 4, 1>, typenet::Regularized<typenet::Conv2D<8, 3, 3, '
          'typenet::Padding::same, 2, 2>, typenet::L2<1, 1000>>, typenet::BatchNormalizationWith<std::ratio<1, 100000>, '
          'std::ratio<9, 10>>, typenet::LeakyReLU<>, typenet::AvgPool2D<2, 2, typenet::Padding::valid, 1, 1>, Negate, '
          'typenet::Flatten, typenet::Dropout<1, 3>, typenet::Dense<3>> {};' in lines, 'spellings.tnw: the C++ type', p.stdout)
    check(any(line.startswith('  // Negate is not a typenet layer') for line in lines),
          'spellings.tnw: the layer of the user\'s own is not pointed out', p.stdout)

    # Version 1 (no paths): every node at the top, reading the one before.
    path = os.path.join(tmp, 'old.tnw')
    write_typenet(path, 'float64', [('Dense<2>', [3], [2], [('kernel', 6), ('bias', 2)], '', []),
                                    ('Sigmoid', [2], [2], [], '', [])], version=1)
    p = run(path)
    check(p.returncode == 0, f'old.tnw: exit {p.returncode}, stderr {p.stderr!r}')
    check(p.stdout.splitlines()[:1] == [f'{path}: typenet weights (format version 1), float64, 2 nodes, 8 parameters, '
                                        '64 bytes of values'], 'old.tnw: first line', p.stdout)
    check(rows(p.stdout) == [('1.kernel', 'float64', '6 values', '48'), ('1.bias', 'float64', '2 values', '16')],
          'old.tnw: the tensors', p.stdout)
    check('  struct Net : typenet::Sequential<typenet::Input<3>, typenet::Dense<2>, typenet::Sigmoid> {};'
          in p.stdout.splitlines(), 'old.tnw: the C++ type', p.stdout)

    # A name with a line break in it cannot break the listing's lines.
    path = os.path.join(tmp, 'odd.safetensors')
    write_safetensors(path, [('two\nlines', 'F32', [1], floats(1))])
    p = run(path)
    check(rows(p.stdout) == [('two\\x0alines', 'F32', '[1]', '4')], 'odd.safetensors: the name is not escaped', p.stdout)


def check_refusals(tmp):
    """Each bad file: status 1, nothing on stdout, one line on stderr naming the file and the fault."""
    def truncated(source, name, cut):
        with open(os.path.join(tmp, source), 'rb') as f:
            data = f.read()
        path = os.path.join(tmp, name)
        with open(path, 'wb') as f:
            f.write(data[:len(data) - cut])
        return path

    def plain(name, content):
        path = os.path.join(tmp, name)
        with open(path, 'wb') as f:
            f.write(content)
        return path

    cases = [(truncated('weights', 'cut.safetensors', 4), 'truncated'),
             (truncated('plain.npz', 'cut.npz', 30), 'zip'),
             (os.path.join(tmp, 'missing.tnw'), 'no such file'),
             (tmp, 'is a directory'),
             (plain('notes.txt', b'these are not weights\n'), 'is not a safetensors file'),
             (plain('empty.tnw', b''), 'is empty'),
             (plain('one.npy', npy('<f4', (2,), floats(2))), 'numpy.savez')]
    if os.path.exists(os.path.join(tmp, 'flat.tnw')):
        cases.append((truncated('flat.tnw', 'cut.tnw', 10), 'truncated'))
    for path, fault in cases:
        p = run(path)
        what = f'{os.path.basename(path)}: '
        check(p.returncode == 1, what + f'exit {p.returncode}, expected 1')
        check(p.stdout == '', what + 'printed a listing', p.stdout)
        err = p.stderr.splitlines()
        check(len(err) == 1 and p.stderr.endswith('\n'), what + 'not exactly one line on stderr', p.stderr)
        check(p.stderr.startswith(f'typenet-inspect: {path}: ') and fault in p.stderr,
              what + f'stderr does not name the file and "{fault}"', p.stderr)

    # Several files: each is inspected; one fault makes the status 1, the others are still listed.
    good = os.path.join(tmp, 'weights')
    p = run(good, os.path.join(tmp, 'missing.tnw'), good)
    check(p.returncode == 1, f'several files: exit {p.returncode}, expected 1')
    check(p.stdout.count(f'{good}: safetensors') == 2, 'several files: the good ones are not both listed', p.stdout)
    check(len(p.stderr.splitlines()) == 1, 'several files: not one line on stderr', p.stderr)
    check(p.stdout.count('\n\n') == 1, 'several files: not one blank line between the two listings', p.stdout)


def check_usage():
    p = run()
    check(p.returncode == 2 and 'usage: typenet-inspect' in p.stderr and p.stdout == '', 'no argument: status 2 and usage')
    p = run('--help')
    check(p.returncode == 0 and p.stdout.startswith('usage: typenet-inspect') and p.stderr == '', '--help: status 0')
    p = run('--frobnicate')
    check(p.returncode == 2 and 'unknown option --frobnicate' in p.stderr, 'an unknown option: status 2', p.stderr)


with tempfile.TemporaryDirectory(prefix='typenet-inspect-') as tmp:
    check_safetensors(tmp)
    check_npz(tmp)
    check_typenet(tmp)
    check_spellings(tmp)
    check_refusals(tmp)
    check_usage()

if failures:
    print('--- FAILED ---')
    for f in failures:
        print(' -', f)
    sys.exit(1)
print('--- passed ---')
