#!/usr/bin/env python3
"""test/include_weight.py: no public header pulls in what typenet compiles once in src/.

    include_weight.py INCLUDE_DIR [--profile infer] -- COMPILER [FLAGS...]

Preprocesses a file including <typenet/typenet.hpp> (with -H, which lists every header opened)
and fails, naming the header and the chain that brought it in, when any of these is among them:
TBB's headers, <immintrin.h> (and the other x86 intrinsics headers), <iostream>, <sstream>,
<chrono>, <thread> or <filesystem>. Each cost a translation unit 0.5 to 2 s to parse, and none is
needed by a template: TBB is reached through src/parallel.cpp, the log and files through src/.
A structural check, not a timed one (bench/compile_time.py measures the time).

With `--profile infer` it checks <typenet/infer.hpp>, the deployment profile, instead, and forbids
besides every typenet header of training, losses, optimizers, data, files and errors: what a
program built with it may not run (allocation, TBB, exceptions, the file system) stays out of its
include graph, not merely out of its calls.
"""
import os
import re
import subprocess
import sys
import tempfile

FORBIDDEN = [
    (re.compile(r'/(oneapi/)?tbb/'), "TBB's headers (call them from src/parallel.cpp)"),
    (re.compile(r'/(imm|x86|avx|avx2|avx512[a-z0-9]*|fma|xmm|emm|pmm|tmm|smm|nmm|wmm)intrin\.h$'),
     'the x86 intrinsics headers (use the builtins, as core/simd.hpp does)'),
    (re.compile(r'/c\+\+/[0-9]+/iostream$'), '<iostream> (print from src/, or take a std::ostream&)'),
    (re.compile(r'/c\+\+/[0-9]+/sstream$'), '<sstream>'),
    (re.compile(r'/c\+\+/[0-9]+/chrono$'), '<chrono>'),
    (re.compile(r'/c\+\+/[0-9]+/thread$'), '<thread>'),
    (re.compile(r'/c\+\+/[0-9]+/filesystem$'), '<filesystem>'),
]

# The deployment profile: no typenet header beyond the layers, the graph, the plan and the forward pass.
INFER_FORBIDDEN = FORBIDDEN + [
    (re.compile(r'/typenet/(train|loss|optim|data|io)/'), 'training, losses, optimizers, data or files'),
    (re.compile(r'/typenet/exec/(step_engine|chunks|packed_weights|inference_runner|batch_statistics)\.hpp$'),
     'the training engine or TBB-run parts of exec/'),
    (re.compile(r'/typenet/core/(error|aligned_buffer|random)\.hpp$'), 'exceptions or heap buffers'),
    (re.compile(r'/typenet/typenet\.hpp$'), 'the whole library'),
    (re.compile(r'/c\+\+/[0-9]+/(mutex|shared_mutex|condition_variable|fstream|istream)$'), 'locks or streams'),
]


def main():
    include = sys.argv[1]
    compiler = sys.argv[sys.argv.index('--') + 1:]
    infer = '--profile' in sys.argv[:sys.argv.index('--')]
    header = 'typenet/infer.hpp' if infer else 'typenet/typenet.hpp'
    forbidden = INFER_FORBIDDEN if infer else FORBIDDEN
    with tempfile.TemporaryDirectory() as scratch:
        source = os.path.join(scratch, 'umbrella.cpp')
        with open(source, 'w') as f:
            f.write(f'#include <{header}>\nint main() {{}}\n')
        result = subprocess.run(compiler + ['-I' + include, '-H', '-fsyntax-only', source],
                                capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stderr)
        print('include_weight.py: the umbrella header does not compile')
        return 1
    chain, failures, opened = [], [], 0
    for line in result.stderr.splitlines():
        m = re.match(r'^(\.+) (\S+)$', line)
        if not m:
            continue
        opened += 1
        depth, path = len(m.group(1)), m.group(2)
        chain = chain[:depth - 1] + [path]
        for pattern, what in forbidden:
            if pattern.search(path):
                failures.append(f'{what} reached through ' + ' -> '.join(os.path.basename(p) for p in chain))
    if opened < 50:
        print(f'include_weight.py: only {opened} headers listed; does the compiler support -H?')
        return 1
    for failure in dict.fromkeys(failures):
        print('include_weight.py:', failure)
    if not failures:
        print(f'include_weight.py: {opened} headers opened, none of the forbidden ones')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
