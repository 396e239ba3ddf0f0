#!/usr/bin/env python3
"""bench/compare.py: typenet beside PyTorch on the same machine, in the same run, as ratios.

usage: compare.py BUILD_DIR [--repeat N] [--quick] [--sequences]
  BUILD_DIR  a typenet build with benchmarks (meson setup BUILD_DIR --buildtype=release -Dnative=true -Dbenchmarks=enabled)
  --repeat N each figure is measured N times on both sides, keeping each side's best (default 2):
             the machines are shared and noisy, the best run is the least disturbed one
  --quick    one repeat, and no CIFAR-shaped or compile-time figures (for the test suite)
  --sequences  the sequence rows too (docs/sequences.md; some 6 minutes more): streaming
             GRU(1 -> 16) and GRU(1 -> 32) -> Dense(1) one sample a call on one thread
             (bench/stream_latency beside bench/stream_torch.py's TorchScript), the amp model's
             training rate and ESR after 100 epochs (examples/amp_model beside
             bench/amp_reference.py), and an epoch of LSTM(128) on Fashion-MNIST read as rows
             (examples/sequential_fashion_mnist beside bench/sequence_reference.py)

For each workload (seed CNN on Fashion-MNIST, seed CNN on CIFAR-shaped input, MLP 784-128-10,
ResNet-8 of examples/resnet8.hpp on Fashion-MNIST) it
measures training images/s over one epoch, batch-1 latency and batch-256 throughput with all
threads, the peak resident memory, and the achieved GFLOP/s as a fraction of the FMA peak that
bench/peak_flops measures (the workload's FLOPs counted as a direct convolution does them, over
the time: the rate a direct convolution would need; Winograd's do fewer); then 1-thread against all-thread training, and the compile
times and peak compiler memory of bench/compile_time.py (the header alone, the MLP, seed CNN and ResNet-8 examples,
three models in one file, a ResNet-18-sized network), each beside a file of standard headers only. Every figure runs in its own process, so memory figures do not mix.

PyTorch is Debian's python3-torch, run by /usr/bin/python3 with torch.set_num_threads equal to
typenet's thread count, in two configurations, keeping the faster: Debian's defaults, and a
tuned one (OpenBLAS told the CPU's real core type and kept to one thread, glibc's malloc told
not to return large buffers to the system between batches). If python3-torch is missing, the
report says so and shows typenet's figures alone.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compile_time  # noqa: E402 (beside this file)
TORCH_PYTHON = '/usr/bin/python3'
TUNED_ENV = {
    'OPENBLAS_NUM_THREADS': '1',
    'MALLOC_MMAP_THRESHOLD_': str(32 << 20),   # glibc's largest: keep big buffers on the heap
    'MALLOC_TRIM_THRESHOLD_': str(1 << 30),    # and do not give freed memory back
    'MALLOC_TOP_PAD_': str(64 << 20),
}


def run_json(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f'{shlex.join(command)} failed:\n{result.stderr}')
    return json.loads(result.stdout.strip().splitlines()[-1])


def cpu_flags():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    return set(line.split(':', 1)[1].split())
    except OSError:
        pass
    return set()


def torch_available():
    if not os.path.exists(TORCH_PYTHON):
        return False
    return subprocess.run([TORCH_PYTHON, '-c', 'import torch'], capture_output=True).returncode == 0


def torch_configurations():
    tuned = dict(os.environ, **TUNED_ENV)
    if 'avx512f' in cpu_flags():
        tuned['OPENBLAS_CORETYPE'] = 'SkylakeX'  # the real core type, where a lower one may be set for safety
    return [('defaults', dict(os.environ)), ('tuned', tuned)]


def better(figure, a, b):
    """The better of two results of the same figure (lower latency, higher rate)."""
    if a is None:
        return b
    key = 'median_us' if figure == 'latency' else 'images_per_s'
    return min(a, b, key=lambda r: r[key]) if figure == 'latency' else max(a, b, key=lambda r: r[key])


def measure_typenet(build, workload, figure, threads, repeat):
    best = None
    for _ in range(repeat):
        best = better(figure, best, run_json([os.path.join(build, 'bench', 'typenet_bench'), workload, figure, str(threads)]))
    return best


def measure_torch(workload, figure, threads, repeat):
    best = None
    for config, env in torch_configurations():
        for _ in range(repeat):
            r = run_json([TORCH_PYTHON, os.path.join(HERE, 'torch_reference.py'), workload, figure, str(threads)], env)
            r['config'] = config
            best = better(figure, best, r)
    return best


def run_text(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f'{shlex.join(command)} failed:\n{result.stderr}')
    return result.stdout


def number(pattern, text):
    return float(re.search(pattern, text).group(1).replace(',', ''))


def sequence_rows(build, threads, have_torch):
    """The rows of --sequences: each typenet figure beside PyTorch's, measured here and now."""
    rows = []
    ours = run_text([os.path.join(build, 'bench', 'stream_latency'), '30'])
    theirs = run_text([TORCH_PYTHON, os.path.join(HERE, 'stream_torch.py')]) if have_torch else ''
    for units in (16, 32):
        name = f'GRU(1 -> {units}) -> Dense(1)'
        t = number(rf'\| {re.escape(name)} \| ([0-9.,]+) ns', ours)
        p = number(rf'\| {re.escape(name)} \| [0-9,]+ ns \| ([0-9,]+) ns', theirs) if theirs else None
        rows.append((name, 'streaming, one sample a call, 1 thread', f'{t:,.1f} ns',
                     f'{p:,.0f} ns (TorchScript)' if p else 'n/a', f'{p / t:,.0f}x' if p else 'n/a'))
    amp = run_text([os.path.join(build, 'examples', 'amp_model'), '--epochs', '100', '--threads', str(threads)])
    t_rate, t_esr = number(r'([0-9.]+) samples/s', amp), number(r'ESR evaluation: ([0-9.]+)', amp)
    p_rate = p_esr = None
    if have_torch:
        ref = run_json([TORCH_PYTHON, os.path.join(HERE, 'amp_reference.py'), '--epochs', '100', '--threads',
                        str(threads)])
        p_rate, p_esr = ref['samples_per_s'], ref['esr_eval']
    rows.append(('amp model, GRU(1 -> 16) -> Dense(1)', 'training', f'{t_rate:,.0f} samples/s',
                 f'{p_rate:,.0f} samples/s' if p_rate else 'n/a', f'{t_rate / p_rate:.0f}x' if p_rate else 'n/a'))
    rows.append(('amp model, GRU(1 -> 16) -> Dense(1)', 'ESR after 100 epochs, evaluation second', f'{t_esr:.4f}',
                 f'{p_esr:.4f}' if p_esr is not None else 'n/a', ''))
    lstm = run_text([os.path.join(build, 'examples', 'sequential_fashion_mnist'), '--epochs', '1', '--validate', '0',
                     '--threads', str(threads)])
    t_rate = number(r'Training: ([0-9.e+]+) images/s', lstm)
    p_rate = run_json([TORCH_PYTHON, os.path.join(HERE, 'sequence_reference.py'), 'lstm', '1',
                       str(threads)])['images_per_s'] if have_torch else None
    rows.append(('LSTM(128) -> Dense(10), 28 x 28 rows', 'training, one epoch', f'{t_rate:,.0f} images/s',
                 f'{p_rate:,.0f} images/s' if p_rate else 'n/a', f'{t_rate / p_rate:.1f}x' if p_rate else 'n/a'))
    return rows


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith('-'):
        print(__doc__)
        return 2
    build = os.path.abspath(args[0])
    quick = '--quick' in args
    repeat = 1 if quick else int(args[args.index('--repeat') + 1]) if '--repeat' in args else 2
    threads = os.cpu_count() or 1
    peak = run_json([os.path.join(build, 'bench', 'peak_flops')])
    have_torch = torch_available()

    print(f'# typenet beside PyTorch: {threads} threads, best of {repeat}')
    model = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), 'unknown CPU')
    print(f'machine: {model}; FMA peak (FP32, measured by bench/peak_flops): {peak["threads_1"]:.0f} GFLOP/s on 1 thread, '
          f'{peak["threads_all"]:.0f} on {peak["threads"]}')
    if not have_torch:
        print('PyTorch: not available (Debian\'s python3-torch is not installed for /usr/bin/python3); '
              'typenet\'s figures alone')
    print()
    print('| workload | figure | typenet | PyTorch | ratio | typenet GFLOP/s, direct-convolution count (of peak) |')
    print('|---|---|---|---|---|---|')
    workloads = ['seed', 'mlp'] if quick else ['seed', 'cifar', 'mlp', 'resnet']
    names = {'seed': 'seed CNN, 28x28x1', 'cifar': 'seed CNN, 32x32x3', 'mlp': 'MLP 784-128-10',
             'resnet': 'ResNet-8, 28x28x1'}
    for workload in workloads:
        for figure in ['train', 'latency', 'throughput']:
            t = measure_typenet(build, workload, figure, threads, repeat)
            p = measure_torch(workload, figure, threads, repeat) if have_torch else None
            key, unit = ('median_us', 'us') if figure == 'latency' else ('images_per_s', 'images/s')
            label = {'train': 'training', 'latency': 'batch-1 latency', 'throughput': 'batch-256 inference'}[figure]
            if p:
                ratio = p[key] / t[key] if figure == 'latency' else t[key] / p[key]
                torch_text = f'{p[key]:,.0f} {unit} ({p["config"]})'
                ratio_text = f'{ratio:.2f}x'
            else:
                torch_text, ratio_text = 'n/a', 'n/a'
            share = t['gflops'] / peak['threads_all']
            print(f'| {names[workload]} | {label} | {t[key]:,.0f} {unit} | {torch_text} | {ratio_text} | '
                  f'{t["gflops"]:.0f} ({share:.0%}) |', flush=True)
            if figure == 'train':
                rss_t = t['peak_rss_mib']
                rss_p = p['peak_rss_mib'] if p else None
                rss_ratio = f'{rss_p / rss_t:.2f}x less' if p else 'n/a'
                rss_torch = f'{rss_p:,.0f} MiB' if p else 'n/a'
                print(f'| {names[workload]} | peak memory, training | {rss_t:,.0f} MiB | {rss_torch} | {rss_ratio} | |',
                      flush=True)
    one = measure_typenet(build, 'seed', 'train', 1, repeat)
    many = measure_typenet(build, 'seed', 'train', threads, repeat)
    print(f'| seed CNN, 28x28x1 | training, 1 thread vs {threads} | {one["images_per_s"]:,.0f} vs '
          f'{many["images_per_s"]:,.0f} images/s | | {many["images_per_s"] / one["images_per_s"]:.2f}x scaling | |')
    if '--sequences' in args:
        for row in sequence_rows(build, threads, have_torch):
            print('| ' + ' | '.join(row) + ' | |', flush=True)
    if not quick:
        # Compile times on one core with the build's command, each beside a file of standard
        # headers only (bench/compile_time.py has the details).
        compiled = compile_time.measure(build, repeat)
        if compiled is None:
            print('| compile time | n/a (examples not configured) | | | | |')
        else:
            reference = compiled[0][1]
            for name, seconds, mib in compiled[1:]:
                print(f'| {name} | compile time, one core; peak compiler memory | {seconds:.1f} s ({seconds / reference:.1f}x '
                      f'the standard headers\' {reference:.1f} s); {mib:,.0f} MiB | | | |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
