#!/usr/bin/env python3
"""Checks docs/mistakes.md against the compile-fail tests it quotes.

usage: check_mistakes_page.py SOURCE_ROOT

Each test in test/compile_fail/*.cpp states its message (`// expect-error: TEXT`) and holds a
broken model, with its fix in an `#ifdef TYPENET_TWIN` branch. The pages (README.md and
docs/*.md) mark what they take from a test with an HTML comment on the line before the block:

  <!-- compile-fail: test/compile_fail/NAME.cpp -->   before a ```text block: the message; it
                                                      must equal the test's expect-error line
                                                      (one line per expect-error, in order)
  <!-- mistake: test/compile_fail/NAME.cpp -->        before a ```cpp block: the broken code;
                                                      its lines must appear in the test
                                                      without its twin branch
  <!-- fix: test/compile_fail/NAME.cpp -->            before a ```cpp block: the fix; its lines
                                                      must appear in the test's twin (the test
                                                      without its broken branch)

Code is compared line by line without indentation, blank lines ignored; the lines must follow
one another, and a line `// ...` in the block skips lines of the test. Every test must have all
three on docs/mistakes.md, except those in EXEMPT below (none today: every test is a mistake a
user can make, writing a network or a layer).
"""
import os
import re
import sys

from doc_checks import excerpt_problem, verdict

EXEMPT = {
    # 'NAME.cpp': 'why this test is not a user's mistake',
}

FENCE = re.compile(r'^(\s*)(`{3,}|~{3,})\s*([^\s`]*)')
MARKER = re.compile(r'^\s*<!--\s*(compile-fail|mistake|fix):\s*(\S+)\s*-->\s*$')
PAGE = 'docs/mistakes.md'


def views(path):
    """The test's expect-error lines, the test as broken (twin branch left out) and as fixed."""
    expect, broken, fixed = [], [], []
    branch = None  # None outside the TYPENET_TWIN conditional, 'twin' or 'broken' inside it
    with open(path, encoding='utf-8') as f:
        for line in f.read().splitlines():
            if m := re.match(r'\s*//\s*expect-error:\s*(.*\S)', line):
                expect.append(m.group(1))
            stripped = line.strip()
            if re.fullmatch(r'#\s*ifdef\s+TYPENET_TWIN', stripped) or re.fullmatch(r'#\s*if\s+defined\s*\(?\s*TYPENET_TWIN\s*\)?', stripped):
                branch = 'twin'
                continue
            if branch and re.fullmatch(r'#\s*else', stripped):
                branch = 'broken'
                continue
            if branch and re.fullmatch(r'#\s*endif.*', stripped):
                branch = None
                continue
            if branch != 'twin':
                broken.append(line)
            if branch != 'broken':
                fixed.append(line)
    return expect, broken, fixed




def marked_blocks(root, page):
    """(kind, test path, fence language, block lines, line number) for every marked block."""
    with open(os.path.join(root, page), encoding='utf-8') as f:
        text = f.read().splitlines()
    found, pending, i = [], None, 0
    while i < len(text):
        line = text[i]
        if m := MARKER.match(line):
            if pending:
                found.append((pending[0], pending[1], None, None, pending[2]))
            pending = (m.group(1), m.group(2), i + 1)
            i += 1
            continue
        if fm := FENCE.match(line):
            fence = fm.group(2)
            j = i + 1
            while j < len(text) and not text[j].strip().startswith(fence[0] * len(fence)):
                j += 1
            if pending:
                found.append((pending[0], pending[1], fm.group(3).lower(), text[i + 1:j], i + 2))
                pending = None
            i = j + 1
            continue
        if line.strip() and pending:  # a marker must stand right before its block
            found.append((pending[0], pending[1], None, None, pending[2]))
            pending = None
        i += 1
    if pending:
        found.append((pending[0], pending[1], None, None, pending[2]))
    return found


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = sys.argv[1]
    tests_dir = os.path.join(root, 'test', 'compile_fail')
    tests = sorted(f for f in os.listdir(tests_dir) if f.endswith('.cpp'))
    if not tests:
        print(f'check_mistakes_page: no test in {tests_dir}')
        return 1
    if not os.path.isfile(os.path.join(root, PAGE)):
        print(f'check_mistakes_page: {PAGE} is missing')
        return 1

    pages = ['README.md'] + sorted('docs/' + f for f in os.listdir(os.path.join(root, 'docs')) if f.endswith('.md'))
    problems, checked = [], 0
    covered = {name: set() for name in tests}
    wanted_lang = {'compile-fail': 'text', 'mistake': 'cpp', 'fix': 'cpp'}
    for page in pages:
        for kind, test, lang, lines, line in marked_blocks(root, page):
            where = f'{page}:{line}'
            name = os.path.basename(test)
            if os.path.normpath(test) != os.path.join('test', 'compile_fail', name) or name not in covered:
                problems.append(f'{where}: "{kind}: {test}" names no test in test/compile_fail/')
                continue
            if lines is None:
                problems.append(f'{where}: "<!-- {kind}: {test} -->" is not followed by a fenced block')
                continue
            if lang != wanted_lang[kind]:
                problems.append(f'{where}: "{kind}: {test}" stands before a ```{lang or "(plain)"} block; '
                                f'it marks a ```{wanted_lang[kind]} block')
                continue
            expect, broken, fixed = views(os.path.join(tests_dir, name))
            if kind == 'compile-fail':
                quoted = '\n'.join(lines)
                stated = '\n'.join(expect)
                if not expect:
                    problems.append(f'{where}: {test} states no "// expect-error:" line')
                elif quoted != stated:
                    problems.append(f'{where}: the quoted message differs from {test}\'s expect-error line:\n'
                                    f'      quoted: {quoted}\n      test:   {stated}')
            else:
                why = excerpt_problem(lines, broken if kind == 'mistake' else fixed)
                if why:
                    view = test + (' without its twin' if kind == 'mistake' else "'s twin")
                    problems.append(f'{where}: the {kind} block is not in {view}: {why}')
            checked += 1
            if page == PAGE:
                covered[name].add(kind)

    for name in tests:
        if name in EXEMPT:
            continue
        lacking = [k for k in ('compile-fail', 'mistake', 'fix') if k not in covered[name]]
        if lacking:
            problems.append(f'{PAGE} has no entry for test/compile_fail/{name}: it lacks ' +
                            ', '.join(f'<!-- {k}: test/compile_fail/{name} -->' for k in lacking))
    for name in EXEMPT:
        if name not in covered:
            problems.append(f'EXEMPT names test/compile_fail/{name}, which does not exist')

    print(f'check_mistakes_page: {checked} marked blocks checked; {len(tests) - len(EXEMPT)} of {len(tests)} '
          f'compile-fail tests must have an entry on {PAGE}' + (f' ({len(EXEMPT)} exempt)' if EXEMPT else ''))
    return verdict(problems)


if __name__ == '__main__':
    sys.exit(main())
