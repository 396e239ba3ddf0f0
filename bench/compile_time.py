#!/usr/bin/env python3
"""Compile time and peak compiler memory of typenet's translation units, beside a reference.

    python3 bench/compile_time.py BUILD [--repeat 3]

Compiles, one after another on one core and with BUILD's own command for examples/seed_cnn.cpp
(its compiler, -O level, -march and include paths):

  reference        a file including only standard headers (<iostream>, <vector>, <string>,
                   <algorithm>, <functional>, <memory>): what any program pays; the ratios to it
                   compare machines
  header           #include <typenet/typenet.hpp> and an empty main
  mlp              examples/mlp_fashion_mnist.cpp: one small MLP, fit, evaluate
  seed_cnn         examples/seed_cnn.cpp: the seed CNN for two input shapes, fit, evaluate, save
  three_models     bench/three_models.cpp: an MLP, the seed CNN and the regularised CNN in one file
  resnet           examples/resnet.cpp: ResNet-8 for two input shapes, fit, evaluate, save
  resnet18         bench/resnet18.cpp: a ResNet-18-sized network (four stages of two residual blocks)
                   trained one step

and prints, for each, the best wall time of --repeat runs, the ratio to the reference and the
peak resident memory of the compiler (the largest of the runs). Compiling is to /dev/null: the
object file is not written.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

REFERENCE = ''.join(f'#include <{h}>\n' for h in ('algorithm', 'functional', 'iostream', 'memory', 'string', 'vector'))
REFERENCE += 'int main() { std::vector<std::string> v{"a"}; std::cout << v.size() << "\\n"; }\n'
HEADER = '#include <typenet/typenet.hpp>\nint main() {}\n'


def seed_command(build):
    """BUILD's compile command for examples/seed_cnn.cpp, without its output and dependency
    arguments, and the directory to run it in."""
    with open(os.path.join(build, 'compile_commands.json')) as f:
        entry = next((c for c in json.load(f) if c['file'].endswith('examples/seed_cnn.cpp')), None)
    if entry is None:
        return None, None
    command, skip = [], False
    for part in shlex.split(entry['command']):
        if skip:  # the value of -o, -MQ or -MF
            skip = False
        elif part in ('-o', '-MQ', '-MF'):
            skip = True
        elif part not in ('-MD', '-c') and not part.endswith('seed_cnn.cpp'):
            command.append(part)
    return command, entry['directory']


def compile_once(command, source, directory):
    """Seconds and peak resident MiB of one compilation."""
    start = time.perf_counter()
    process = subprocess.Popen(command + ['-c', source, '-o', os.devnull], cwd=directory,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f'compile_time.py: compiling {source} failed:\n' + process.stderr.read().decode())
    return seconds, usage.ru_maxrss / 1024


def measure(build, repeat):
    """[(name, seconds, peak MiB)], the reference first; None when BUILD has no examples."""
    command, directory = seed_command(build)
    if command is None:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        sources = {}
        for name, text in (('reference', REFERENCE), ('header', HEADER)):
            sources[name] = os.path.join(scratch, name + '.cpp')
            with open(sources[name], 'w') as f:
                f.write(text)
        sources['mlp'] = os.path.join(ROOT, 'examples', 'mlp_fashion_mnist.cpp')
        sources['seed_cnn'] = os.path.join(ROOT, 'examples', 'seed_cnn.cpp')
        sources['three_models'] = os.path.join(HERE, 'three_models.cpp')
        sources['resnet'] = os.path.join(ROOT, 'examples', 'resnet.cpp')
        sources['resnet18'] = os.path.join(HERE, 'resnet18.cpp')
        results = []
        for name, source in sources.items():
            runs = [compile_once(command, source, directory) for _ in range(repeat)]
            results.append((name, min(s for s, _ in runs), max(m for _, m in runs)))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('build')
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()
    results = measure(args.build, args.repeat)
    if results is None:
        sys.exit('compile_time.py: the build has no examples (configure with -Dexamples=enabled)')
    command, _ = seed_command(args.build)
    print(f'compiler command: {" ".join(command)}')
    reference = results[0][1]
    print('| translation unit | compile time | vs reference | peak compiler memory |')
    print('|---|---|---|---|')
    for name, seconds, mib in results:
        print(f'| {name} | {seconds:.2f} s | {seconds / reference:.1f}x | {mib:,.0f} MiB |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
