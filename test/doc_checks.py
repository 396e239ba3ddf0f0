# test/doc_checks.py: what doc_examples.py and check_mistakes_page.py share: whether a block is an excerpt of a file; and the verdict every test script prints.
"""A block is an excerpt of a file when its non-blank lines, stripped, appear in the file's
non-blank lines one after another; a line '// ...' or '...' in the block lets lines of the file
be left out there."""


def normalised(lines):
    return [line.strip() for line in lines if line.strip()]


def excerpt_problem(block_lines, file_lines):
    """None when the block's lines appear in the file (see this module's docstring), else why not."""
    segments, current = [], []
    for line in normalised(block_lines):
        if line in ('// ...', '...'):
            if current:
                segments.append(current)
            current = []
        else:
            current.append(line)
    if current:
        segments.append(current)
    if not segments:
        return 'the block is empty'
    hay = normalised(file_lines)
    at = 0
    for segment in segments:
        found = next((k for k in range(at, len(hay) - len(segment) + 1) if hay[k:k + len(segment)] == segment), None)
        if found is None:
            # Name the first line that is nowhere after `at`, for a useful message.
            missing = next((line for line in segment if line not in hay[at:]), None)
            if missing is not None:
                return f'this line is not in the file (after the part before it): {missing}'
            return 'its lines are in the file, but not one after the other: ' + segment[0]
        at = found + len(segment)
    return None


def verdict(problems):
    """Prints the problems under FAILED and returns 1, or prints passed and returns 0."""
    if problems:
        print('--- FAILED ---')
        for p in problems:
            print(' -', p)
        return 1
    print('--- passed ---')
    return 0
