#!/usr/bin/env python3
"""Compiles the C++ examples of the documentation, so that the code a reader copies cannot rot.

usage: doc_examples.py SOURCE_ROOT -- COMPILER [ARGS...]
  e.g. doc_examples.py . -- g++ -std=c++20 -Wall -Wextra

Every ```cpp block of README.md and docs/*.md is an example and is checked, unless the line
before its fence (blank lines aside) is one of these HTML comments:

  (none)                                compiled: its #include lines are hoisted to the top, the
                                        rest is wrapped in a namespace of its own,
                                        doc_<file>_<n>, where `int main(` becomes
                                        `int main_doc_<file>_<n>(`; every block goes into ONE
                                        translation unit. Each block is compiled as if it began
                                        with #include <typenet/typenet.hpp> and
                                        namespace tn = typenet;
  <!-- example: continued -->           the same, in the namespace of the file's previous
                                        compiled block (it uses what that block declared)
  <!-- example: alone -->               compiled as written, as a translation unit of its own
                                        (a block that cannot be wrapped in a namespace)
  <!-- example: excerpt of PATH -->     not compiled here: its lines must appear in PATH (a file
                                        that is compiled elsewhere, e.g. an example the examples
                                        suite builds and runs), in order and contiguous, each
                                        compared without its indentation; blank lines are
                                        ignored and a line `// ...` in the block skips lines
  <!-- not compiled: REASON -->         skipped: a synopsis (signatures, not code to copy)
  <!-- mistake: PATH -->, <!-- fix: PATH -->
                                        the broken model of a compile-fail test and its twin on
                                        docs/mistakes.md: test/check_mistakes_page.py checks them

The compiler runs with -fsyntax-only and -I SOURCE_ROOT/include added; any error or warning
fails the check, naming the file and line of the block at fault, with the compiler's first
lines. Finding no block to compile fails too (an empty check proves nothing).
"""
import os
import re
import subprocess
import sys
import tempfile
import time

from doc_checks import excerpt_problem, verdict

FENCE = re.compile(r'^(\s*)(`{3,}|~{3,})\s*([^\s`]*)')
MARKER = re.compile(r'^\s*<!--\s*(.*?)\s*-->\s*$')
INCLUDE = re.compile(r'^\s*#\s*include\b')
MAIN = re.compile(r'\bint\s+main\s*\(')
CPP = {'cpp', 'c++', 'cxx'}


class Block:
    def __init__(self, path, line, lang, lines, marker):
        self.path = path          # relative to the source root, e.g. docs/tutorial.md
        self.line = line          # line number of the block's first line of code
        self.lang = lang
        self.lines = lines
        self.marker = marker      # text of the HTML comment before the fence, or None
        self.namespace = None

    def where(self):
        return f'{self.path}:{self.line}'


def read_blocks(root, path):
    """The fenced blocks of one Markdown file, with the comment before each fence."""
    with open(os.path.join(root, path), encoding='utf-8') as f:
        text = f.read().splitlines()
    blocks, i = [], 0
    last_nonblank = None
    while i < len(text):
        m = FENCE.match(text[i])
        if not m:
            if text[i].strip():
                last_nonblank = text[i]
            i += 1
            continue
        fence, lang = m.group(2), m.group(3).lower()
        marker = None
        if last_nonblank is not None and (mm := MARKER.match(last_nonblank)):
            marker = mm.group(1)
        start = i + 1
        j = start
        while j < len(text) and not text[j].strip().startswith(fence[0] * len(fence)):
            j += 1
        if j == len(text):
            raise SystemExit(f'{path}:{i + 1}: a code fence that is never closed')
        blocks.append(Block(path, start + 1, lang, text[start:j], marker))
        last_nonblank = text[j]
        i = j + 1
    return blocks




def wrapped_unit(blocks):
    """One translation unit holding every wrapped block, with #line directives into the docs."""
    includes, seen = ['#include <typenet/typenet.hpp>'], {'#include <typenet/typenet.hpp>'}
    body = []
    for b in blocks:
        for k, line in enumerate(b.lines):
            if INCLUDE.match(line):
                key = re.sub(r'\s+', ' ', line.strip())
                if key not in seen:
                    seen.add(key)
                    includes += [f'#line {b.line + k} "{b.path}"', line.strip()]
        has_main = any(MAIN.search(line) for line in b.lines)
        text = [('' if INCLUDE.match(line) else MAIN.sub(f'int main_{b.namespace}(', line)) for line in b.lines]
        body.append(f'namespace {b.namespace} {{')
        body.append('namespace tn = typenet;')
        if has_main:  # main may end without a return statement; main_<n> may too, here
            body += ['#pragma GCC diagnostic push', '#pragma GCC diagnostic ignored "-Wreturn-type"']
        body.append(f'#line {b.line} "{b.path}"')
        body += text
        if has_main:
            body.append('#pragma GCC diagnostic pop')
        body.append(f'}}  // namespace {b.namespace}')
    return '// Generated by test/doc_examples.py from the documentation\'s code blocks.\n' + '\n'.join(includes + body) + '\n'


def blame(output, candidates):
    """The blocks the compiler's diagnostics point at: their location, or the first place in the
    docs in the instantiation context around each error."""
    lines = output.splitlines()
    errors = [i for i, line in enumerate(lines) if re.search(r'\b(error|warning):', line)]
    where = re.compile(r'((?:README\.md|docs/[^:\s]+\.md)):(\d+)')
    found = []
    for n, i in enumerate(errors):
        lo = errors[n - 1] + 1 if n > 0 else 0
        hi = errors[n + 1] if n + 1 < len(errors) else len(lines)
        order = [i] + list(range(lo, hi))
        for k in order:
            if m := where.search(lines[k]):
                path, line = m.group(1), int(m.group(2))
                for b in candidates:
                    if b.path == path and b.line <= line < b.line + len(b.lines) and b not in found:
                        found.append(b)
                break
    return found


def compile_unit(compiler, source):
    clang = any('clang' in part for part in compiler)  # as compile_fail/harness.py tells them apart
    caret = ['-fno-caret-diagnostics'] if clang else ['-fno-diagnostics-show-caret']
    run = subprocess.run(compiler + caret + ['-fsyntax-only', source], capture_output=True, text=True)
    output = run.stderr + run.stdout
    return run.returncode == 0 and not re.search(r'\b(error|warning):', output), output


def main():
    if '--' not in sys.argv or sys.argv.index('--') != 2:
        print(__doc__)
        return 2
    root = sys.argv[1]
    compiler = sys.argv[3:] + ['-I' + os.path.join(os.path.abspath(root), 'include')]
    if len(compiler) < 2:
        print('doc_examples: no compiler given after --')
        return 2

    pages = ['README.md'] + sorted('docs/' + f for f in os.listdir(os.path.join(root, 'docs')) if f.endswith('.md'))
    wrapped, alone, excerpts, skipped, left = [], [], [], [], []
    problems = []
    for page in pages:
        stem = re.sub(r'\W', '_', os.path.splitext(os.path.basename(page))[0])
        previous = None
        count = 0
        for b in read_blocks(root, page):
            if b.lang not in CPP:
                if b.marker and b.marker.startswith(('example', 'mistake', 'fix')):
                    problems.append(f'{b.where()}: "<!-- {b.marker} -->" stands before a ```{b.lang or "(plain)"} block, not a ```cpp one')
                continue
            count += 1
            marker = b.marker
            if marker is None:
                b.namespace = f'doc_{stem}_{count}'
                wrapped.append(b)
                previous = b
            elif marker == 'example: continued':
                if previous is None:
                    problems.append(f'{b.where()}: "example: continued", but no compiled block comes before it on the page')
                    continue
                b.namespace = previous.namespace
                wrapped.append(b)
            elif marker == 'example: alone':
                alone.append(b)
            elif m := re.fullmatch(r'example:\s*excerpt of\s+(\S+)', marker):
                excerpts.append((b, m.group(1)))
            elif marker.startswith('not compiled:') and marker[len('not compiled:'):].strip():
                skipped.append(b)
            elif re.fullmatch(r'(mistake|fix):\s*\S+', marker):
                left.append(b)
            elif marker.startswith(('example', 'not compiled', 'mistake', 'fix', 'compile-fail')):
                problems.append(f'{b.where()}: unknown marker "<!-- {marker} -->" (see test/doc_examples.py)')
            else:  # another comment: the block is an example as any other
                b.namespace = f'doc_{stem}_{count}'
                wrapped.append(b)
                previous = b

    for b, path in excerpts:
        full = os.path.join(root, path)
        if not os.path.isfile(full):
            problems.append(f'{b.where()}: "excerpt of {path}": no such file')
            continue
        with open(full, encoding='utf-8') as f:
            why = excerpt_problem(b.lines, f.read().splitlines())
        if why:
            problems.append(f'{b.where()}: the block is not an excerpt of {path}: {why}')

    if not wrapped and not alone:
        problems.append('no C++ example found in README.md or docs/*.md: nothing was compiled')

    start = time.monotonic()
    scratch = tempfile.mkdtemp(prefix='doc_examples-')
    keep = False
    units = []
    if wrapped:
        units.append(('the wrapped blocks, in one translation unit', wrapped_unit(wrapped), wrapped))
    for b in alone:
        units.append((f'{b.where()} (alone)', f'#line {b.line} "{b.path}"\n' + '\n'.join(b.lines) + '\n', [b]))
    for n, (name, text, members) in enumerate(units):
        source = os.path.join(scratch, f'doc_examples_{n}.cpp')
        with open(source, 'w', encoding='utf-8') as f:
            f.write(text)
        ok, output = compile_unit(compiler, source)
        if not ok:
            keep = True
            culprits = blame(output, members) or members[:1]
            first = '\n'.join(output.splitlines()[:40])
            problems.append(f'{name} did not compile cleanly; the block(s) at fault: ' +
                            ', '.join(f'{b.where()} (a block of {len(b.lines)} lines)' for b in culprits) +
                            f'\n--- the compiler\'s first lines (generated source: {source}) ---\n{first}')
    seconds = time.monotonic() - start
    if not keep:
        for name in os.listdir(scratch):
            os.remove(os.path.join(scratch, name))
        os.rmdir(scratch)

    print('compiler:', ' '.join(compiler))
    print(f'doc_examples: {len(wrapped) + len(alone)} blocks compiled ({len(wrapped)} in one translation unit, '
          f'{len(alone)} alone) in {seconds:.1f} s; {len(excerpts)} excerpts checked against their files; '
          f'{len(skipped)} synopses skipped; {len(left)} mistake and fix blocks left to check_mistakes_page.py')
    return verdict(problems)


if __name__ == '__main__':
    sys.exit(main())
