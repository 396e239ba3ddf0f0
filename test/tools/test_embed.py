#!/usr/bin/env python3
"""typenet-embed: what it writes, and what it refuses.

usage: test_embed.py TYPENET_EMBED WEIGHTS.tnw INCLUDE_DIR COMPILER [ARGS...]

  1. a good file gives a header and a source that compile; the .incbin form and the portable
     form (--portable) hold the same bytes: the parameter block and 64 zero bytes after it;
  2. a truncated file, a corrupt one, a missing one and a wrong command line are refused with
     the loader's words and exit status 1 (2 for the command line), and leave the outputs of
     an earlier run as they were;
  3. a weight file truncated after the source was written no longer assembles with GNU as (g++);
     clang++'s integrated assembler cannot check it (said in the output and in docs/deploying.md).
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from doc_checks import verdict  # noqa: E402 (test/doc_checks.py: the verdict every test script prints)

PRINT_DATA = r'''
#include <cstdio>
#include "w.hpp"
int main() {
  std::fwrite(w::data(), 1, w::bytes + 64, stdout);
  std::printf("%d", int(reinterpret_cast<unsigned long>(w::data()) % 64));
}
'''


def main():
    embed, weights, include = sys.argv[1:4]
    compiler = sys.argv[4:]
    failures = []
    work = tempfile.mkdtemp(prefix='typenet-embed-')
    try:
        def run_embed(source, *extra, name='w'):
            return subprocess.run([embed, source, '--name', name, '--header', os.path.join(work, 'w.hpp'),
                                   '--source', os.path.join(work, 'w.cpp'), *extra], capture_output=True, text=True)

        def build(source_form):
            exe = os.path.join(work, 'print_' + source_form)
            r = subprocess.run(compiler + ['-std=c++20', '-I' + include, '-I' + work, '-o', exe,
                                           os.path.join(work, 'main.cpp'), os.path.join(work, 'w.cpp')],
                               capture_output=True, text=True)
            if r.returncode != 0:
                failures.append(f'the {source_form} form does not build:\n{r.stderr}')
                return None
            return subprocess.run([exe], capture_output=True, check=True).stdout

        with open(os.path.join(work, 'main.cpp'), 'w') as f:
            f.write(PRINT_DATA)
        copy = os.path.join(work, 'seed_cnn.tnw')
        shutil.copy(weights, copy)

        # 1. both forms, the same bytes
        r = run_embed(copy)
        if r.returncode != 0:
            failures.append(f'a good file was refused: {r.stderr}')
        incbin = build('incbin')
        with open(os.path.join(work, 'w.hpp')) as f:
            header = f.read()
        r = run_embed(copy, '--portable')
        portable = build('portable')
        if incbin is not None and portable is not None:
            if incbin != portable:
                failures.append('the .incbin and --portable forms hold different bytes')
            if not incbin.endswith(b'\0' * 64 + b'0'):
                failures.append('the data is not 64-byte aligned with 64 zero bytes after it')
            print(f'both forms: {len(incbin) - 1} bytes, equal, 64-byte aligned')

        # 2. refusals, the earlier outputs kept
        with open(weights, 'rb') as f:
            good = f.read()
        truncated = os.path.join(work, 'truncated.tnw')
        with open(truncated, 'wb') as f:
            f.write(good[:len(good) // 2])
        corrupt = os.path.join(work, 'corrupt.tnw')
        with open(corrupt, 'wb') as f:
            f.write(good[:1000] + bytes([good[1000] ^ 1]) + good[1001:])
        cases = [
            ([truncated], 1, f'truncated.tnw: is truncated: {len(good) // 2} bytes of the {len(good)} its header states'),
            ([corrupt], 1, 'corrupt.tnw: is corrupt: its checksum does not match its contents'),
            ([os.path.join(work, 'missing.tnw')], 1, 'missing.tnw: no such file'),
            ([copy, '--name', '1st'], 2, '--name 1st is not a C++ identifier'),
            ([copy, '--header'], 2, '--header needs a value'),
        ]
        run_embed(copy)
        with open(os.path.join(work, 'w.hpp')) as f:
            before = f.read()
        for args, status, words in cases:
            if args[1:2] == ['--name']:
                r = subprocess.run([embed, *args, '--header', os.path.join(work, 'w.hpp'), '--source',
                                    os.path.join(work, 'w.cpp')], capture_output=True, text=True)
            elif args[1:2] == ['--header']:
                r = subprocess.run([embed, *args], capture_output=True, text=True)
            else:
                r = run_embed(args[0])
            print(f'typenet-embed {" ".join(os.path.basename(a) for a in args)}: exit {r.returncode}: '
                  f'{r.stderr.splitlines()[0] if r.stderr else ""}')
            if r.returncode != status or words not in r.stderr:
                failures.append(f'{args}: expected exit {status} and "{words}", got {r.returncode}: {r.stderr}')
        with open(os.path.join(work, 'w.hpp')) as f:
            if f.read() != before:
                failures.append('a refused run changed the header an earlier run wrote')

        # 3. the file changes under a written source: the assembler refuses it
        run_embed(copy)
        with open(copy, 'wb') as f:
            f.write(good[:len(good) - 5000])
        r = subprocess.run(compiler + ['-std=c++20', '-c', '-o', os.path.join(work, 'w.o'),
                                       os.path.join(work, 'w.cpp')], capture_output=True, text=True)
        errors = [line for line in r.stderr.splitlines() if 'Error' in line or 'error' in line]
        print('assembling after the file was cut:', r.returncode, errors)
        if any('clang' in part for part in compiler):
            # LLVM's integrated assembler takes what .incbin finds and cannot evaluate the length
            # check; the build system's dependency on the file is what reruns typenet-embed there.
            print('clang++: no assembler-time length check (docs/deploying.md); the data still assembles:',
                  r.returncode == 0)
        elif r.returncode == 0 or not any('no longer holds the values' in line for line in errors):
            failures.append('a source whose weight file was cut since still assembled, or said nothing clear:\n' +
                            r.stderr)
        if 'struct w {' not in header:
            failures.append('the header declares no type w')
    finally:
        shutil.rmtree(work)
    return verdict(failures)


if __name__ == '__main__':
    sys.exit(main())
