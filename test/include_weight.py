#!/usr/bin/env python3
"""test/include_weight.py: no public header pulls in what typenet compiles once in src/.

    include_weight.py INCLUDE_DIR -- COMPILER [FLAGS...]

Preprocesses a file including <typenet/typenet.hpp> (with -H, which lists every header opened)
and fails, naming the header and the chain that brought it in, when any of these is among them:
TBB's headers, <immintrin.h> (and the other x86 intrinsics headers), <iostream>, <sstream>,
<chrono>, <thread> or <filesystem>. Each cost a translation unit 0.5 to 2 s to parse, and none is
needed by a template: TBB is reached through src/parallel.cpp, the log and files through src/.
A structural check, not a timed one (bench/compile_time.py measures the time).
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


def main():
    include = sys.argv[1]
    compiler = sys.argv[sys.argv.index('--') + 1:]
    with tempfile.TemporaryDirectory() as scratch:
        source = os.path.join(scratch, 'umbrella.cpp')
        with open(source, 'w') as f:
            f.write('#include <typenet/typenet.hpp>\nint main() {}\n')
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
        for pattern, what in FORBIDDEN:
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
