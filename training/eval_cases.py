"""Completion cases cut from held-out files: the cursor at a line's start or inside a line.

The build's evaluation and the deployment gate both draw their cases here, so neither imports
the other for them.
"""

from __future__ import annotations

import random
import re


def _lines_and_offsets(text: str) -> tuple[list[str], list[int]]:
    """The text's lines and the offset where each starts."""
    lines = text.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    return lines, offsets


def next_line_cases(texts: list[str], n: int, seed: int, per_file: int = 10) -> list[tuple[str, str, str]]:
    """(prefix, target line content, suffix) cases: the cursor sits after a line's indentation."""
    rng = random.Random(seed)
    cases = []
    for text in texts:
        lines, offsets = _lines_and_offsets(text)
        candidates = [i for i, line in enumerate(lines) if len(line.strip()) >= 4 and i > 0]
        for i in rng.sample(candidates, min(len(candidates), per_file)):
            indent = len(lines[i]) - len(lines[i].lstrip())
            start = offsets[i] + indent
            end = offsets[i] + len(lines[i])
            cases.append((text[:start], text[start:end], text[end:]))
    rng.shuffle(cases)
    return cases[:n]


_UNIT_BOUNDARY = re.compile(r"\b|(?<=[^\w\s])(?=[^\w])")


def mid_line_cases(texts: list[str], n: int, seed: int, per_file: int = 10) -> list[tuple[str, str, str]]:
    """(prefix, rest of the line, suffix) cases with the cursor inside a line, as while typing: after the
    line's first lexical unit, at a boundary between units (never inside a word), before the line's end."""
    rng = random.Random(seed)
    cases = []
    for text in texts:
        lines, offsets = _lines_and_offsets(text)
        candidates = [i for i, line in enumerate(lines) if len(line.strip()) >= 8 and i > 0]
        for i in rng.sample(candidates, min(len(candidates), per_file)):
            line = lines[i]
            indent = len(line) - len(line.lstrip())
            cuts = [m.start() for m in _UNIT_BOUNDARY.finditer(line, indent + 1) if m.start() < len(line.rstrip())]
            if not cuts:
                continue
            cut = rng.choice(cuts)
            start, end = offsets[i] + cut, offsets[i] + len(line)
            cases.append((text[:start], text[start:end], text[end:]))
    rng.shuffle(cases)
    return cases[:n]
