#!/usr/bin/env python3
"""Compile-fail harness: proves that a broken model is rejected with the intended message.

usage: harness.py SOURCE [--pch ARGS...] -- COMPILER [ARGS...]

--pch gives the arguments that make COMPILER read a precompiled <typenet/typenet.hpp> (g++:
-include of a header beside its .gch; clang++: -include-pch), built by test/meson.build with the
same flags. They are used for a SOURCE that includes <typenet/typenet.hpp>, which then parses in
a fraction of the time; the diagnostics are the compiler's same, but for the include chain above
the first one, which names the precompiled header before typenet.hpp.

SOURCE states what it expects with lines of the form
    // expect-error: <text that must appear on the first error line>
    // expect: <text that must appear in the first error's diagnostics>
and has a compiling twin: compiled with -DTYPENET_TWIN it must compile cleanly.

The check passes when
  1. SOURCE fails to compile with exactly one error (one mistake, one error);
  2. every expect-error text is on that error's line and every expect text is in the
     diagnostics up to the next error (the instantiation context and the notes);
  3. the twin compiles without errors or warnings.
Caret echo is off, so the quoted source line (which holds the expected text) cannot give a
false pass. Names are compared with their `typenet::` qualifiers and the space g++ puts
between closing angle brackets removed, and a message clang++ spells as a pack of characters
('l', 'a', 'y', ...: an embedded weight file's check) joined into a string, so one expectation
serves g++ and clang++.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from doc_checks import verdict  # noqa: E402 (test/doc_checks.py: the verdict every test script prints)


def join_characters(match):
    chars = re.findall(r"'(\\.|[^'\\])'", match.group(0))
    return '"' + ''.join(c[1] if c.startswith('\\') else c for c in chars) + '"'


def normalise(text):
    text = re.sub(r"'(?:\\.|[^'\\])'(?:, '(?:\\.|[^'\\])')+", join_characters, text)
    text = text.replace("\\'", "'")  # g++ escapes a quote inside a string it prints
    text = text.replace('typenet::', '').replace('‘', "'").replace('’', "'")
    text = re.sub(r'\bdetail::', '', text)
    while '> >' in text:
        text = text.replace('> >', '>>')
    return re.sub(r'(\d+)UL\b', r'\1', text)  # clang spells size_t arguments 2UL


def main():
    split = sys.argv.index('--')
    source = sys.argv[1]
    compiler = sys.argv[split + 1:]
    options = sys.argv[2:split]
    pch = options[1:] if options[:1] == ['--pch'] else []
    if options and not pch:
        print(f'unexpected arguments before --: {options}')
        return 1
    caret = ['-fno-caret-diagnostics'] if any('clang' in part for part in compiler) else ['-fno-diagnostics-show-caret']
    expect_error, expect = [], []
    includes_typenet = False
    with open(source, encoding='utf-8') as f:
        for line in f:
            if m := re.match(r'\s*//\s*expect-error:\s*(.*\S)', line):
                expect_error.append(m.group(1))
            elif m := re.match(r'\s*//\s*expect:\s*(.*\S)', line):
                expect.append(m.group(1))
            elif re.match(r'\s*#\s*include\s*<typenet/typenet\.hpp>', line):
                includes_typenet = True
    if not expect_error:
        print(f'{source}: states no "// expect-error:" line')
        return 1
    if includes_typenet:
        compiler = compiler + pch

    broken = subprocess.run(compiler + caret + ['-fsyntax-only', source], capture_output=True, text=True)
    output = normalise(broken.stderr)
    failures = []
    if broken.returncode == 0:
        failures.append('the broken model compiled')
    lines = output.splitlines()
    error_lines = [i for i, line in enumerate(lines) if re.search(r'\berror:', line)]
    if len(error_lines) != 1:
        failures.append(f'expected exactly one error, got {len(error_lines)}')
    if error_lines:
        first = lines[error_lines[0]]
        block = '\n'.join(lines[:error_lines[1]] if len(error_lines) > 1 else lines)
        for text in expect_error:
            if text not in first:
                failures.append(f'the first error line lacks: {text}')
        for text in expect:
            if text not in block:
                failures.append(f"the first error's diagnostics lack: {text}")

    twin = subprocess.run(compiler + caret + ['-fsyntax-only', '-DTYPENET_TWIN', source], capture_output=True, text=True)
    if twin.returncode != 0 or twin.stderr.strip():
        failures.append('the compiling twin (-DTYPENET_TWIN) did not compile cleanly:\n' + twin.stderr)

    print('compiler:', ' '.join(compiler))
    print('--- diagnostics of the broken model (normalised) ---')
    print(output)
    return verdict(failures)


if __name__ == '__main__':
    sys.exit(main())
