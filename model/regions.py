"""The unit of code around a cursor: where work that only needs nearby code may start and stop.

Lexing or parsing a whole file on every keystroke costs milliseconds per 10 KB, and both the
lexical state of constrained decoding and the syntax check of a completion only depend on the
definition being written. A unit starts at a module-level line (indented at most two spaces)
that opens a definition, an attribute or an ExUnit block: `def`, `defp`, `defmacro`,
`defmodule`, `@doc`, `@spec`, `test "..."`, `describe "..."`, `setup`. Such a line is always
in code, never inside a string, unless a heredoc holds it; a line is taken as a boundary only
when an even number of heredoc quotes comes before it.

Pure functions over text; no tokenizer, no parser.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_UNIT_START = re.compile(
    r"^ {0,2}(?:"
    r"(?:defmodule|defprotocol|defimpl|defp?|defmacrop?|defguardp?|defdelegate|defstruct|defexception)\b"
    r"|@[a-z_]\w*"
    r"|(?:test|describe)\s+[\"']"
    r"|setup(?:_all)?\b"
    r")",
    re.MULTILINE,
)


# A unit ends where the next one starts, or at a line indented less than its own first line.
_BOUNDARY = [
    _UNIT_START,
    re.compile(_UNIT_START.pattern + r"|^(?=\S)", re.MULTILINE),
    re.compile(_UNIT_START.pattern + r"|^ ?(?=\S)", re.MULTILINE),
]


_OPENS_DO = re.compile(r"\bdo\s*(?:#.*)?$")


_HEREDOC_QUOTES = re.compile("\"\"\"|'''")


class _Heredocs:
    """Where heredoc quotes are in a text: whether a position is inside a heredoc, in O(log n).

    Counting the quotes before each candidate line instead would cost O(file) per candidate,
    quadratic on a long file.
    """

    def __init__(self, text: str) -> None:
        self.quotes = [m.start() for m in _HEREDOC_QUOTES.finditer(text)]

    def outside(self, pos: int) -> bool:
        """True when an even number of heredoc quotes comes before `pos`."""
        return bisect.bisect_left(self.quotes, pos) % 2 == 0


def unit_start(prefix: str) -> int:
    """Where the unit holding the cursor begins: an offset into `prefix` (the text before the cursor), 0 if none.

    The cursor's own line counts: a cursor on `  def parse(` starts its unit there.
    """
    return _unit_start(prefix, len(prefix), _Heredocs(prefix))


def _unit_start(text: str, offset: int, heredocs: _Heredocs) -> int:
    """`unit_start` over `text[:offset]`, with the heredoc table of `text` (the same before `offset`)."""
    starts = [m.start() for m in _UNIT_START.finditer(text, 0, offset)]
    for pos in reversed(starts):
        if heredocs.outside(pos):
            return pos
    return 0


def _indent(text: str, pos: int) -> int:
    """Spaces at the start of the line that begins at `pos`."""
    end = pos
    while end < len(text) and text[end] == " ":
        end += 1
    return end - pos


def unit_end(text: str, offset: int) -> int:
    """Where the unit holding the cursor ends: an offset into `text`, len(text) if it runs to the end.

    It ends before the next unit starts or before a line indented less than the unit's first
    line (the `end` of the enclosing module), whichever comes first after the cursor's line.

    Args:
        text: the whole document.
        offset: the cursor.
    """
    heredocs = _Heredocs(text)
    return _unit_end(text, offset, _unit_start(text, offset, heredocs), heredocs)


def _unit_end(text: str, offset: int, start: int, heredocs: _Heredocs) -> int:
    """`unit_end` for a unit already known to start at `start`."""
    line_end = text.find("\n", offset)
    if line_end < 0:
        return len(text)
    boundary = _BOUNDARY[min(_indent(text, start), 2)]
    for m in boundary.finditer(text, line_end + 1):
        if heredocs.outside(m.start()):
            return m.start()
    return len(text)


@dataclass(frozen=True)
class Unit:
    """The unit around a cursor, with the lines that enclose it.

    Args:
        start / end: offsets of the unit in the document (`end`: where the next line starts).
        opener: the nearest line before the unit indented less than it (`defmodule A do`), "" if none.
        closer: the line right after the unit when it is indented less (the module's `end`); when
            another unit follows instead, the `end` that will close `opener` (if it opens a block).
    """

    start: int
    end: int
    opener: str
    closer: str


def unit_around(text: str, offset: int) -> Unit:
    """The unit holding the cursor at `offset` of `text`, with its enclosing lines.

    A unit parsed alone misreads what surrounds it: `def f, do:` followed by the module's `end`
    is an error in the file, but `end` alone after it reads as a name. Parsing the opener, the
    unit and the closer together keeps that context for a few lines' cost.
    """
    heredocs = _Heredocs(text)
    start = _unit_start(text, offset, heredocs)
    end = _unit_end(text, offset, start, heredocs)
    indent = _indent(text, start)
    opener = closer = ""
    if indent:
        shallower = re.compile(rf"^ {{0,{indent - 1}}}(?=\S)", re.MULTILINE)
        starts = [m.start() for m in shallower.finditer(text, 0, start)]
        for pos in reversed(starts):
            if heredocs.outside(pos):
                line_end = text.find("\n", pos, start)
                opener = text[pos: line_end if line_end >= 0 else start]
                break
        if end < len(text) and _indent(text, end) < indent:
            line_end = text.find("\n", end)
            closer = text[end: line_end if line_end >= 0 else len(text)]
        elif _OPENS_DO.search(opener):
            # Another unit follows: close the opener as its `end` will, so that the unit alone is balanced.
            closer = " " * _indent(opener, 0) + "end"
    return Unit(start, end, opener, closer)
