#!/usr/bin/env python3
"""Runs a libFuzzer target over the seed corpus without writing into it.

usage: run_libfuzzer.py TARGET CORPUS [LIBFUZZER OPTIONS...]

libFuzzer adds the inputs it finds to its first corpus directory: that is a fresh temporary
directory, removed afterwards; CORPUS comes second and is only read. The exit status is
libFuzzer's (0: no finding; a crash, a sanitizer report, a leak or a timeout is not 0).
"""
import subprocess
import sys
import tempfile


def main():
    target, corpus, *options = sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix='typenet-fuzz-') as found:
        status = subprocess.run([target, found, corpus, *options], check=False).returncode
    sys.exit(status if status >= 0 else 128 - status)  # killed by a signal: the shell's 128 + signal


if __name__ == '__main__':
    main()
