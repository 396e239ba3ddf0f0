#!/usr/bin/env python3
"""Prints every header under the given include directory, relative paths, one per line, sorted."""
import pathlib
import sys

root = pathlib.Path(sys.argv[1])
for path in sorted(root.rglob('*.hpp')):
    print(path.relative_to(root).as_posix())
