"""What the editor's text must look like before the analyzer spends time on it.

Two properties of a buffer make the checks slow without making the code meaningful: a single
line of tens of kilobytes (minified or generated code: tree-sitter's parse and several checks
grow faster than linearly on it), and lines ended by a lone CR (the classic Mac convention:
tree-sitter-elixir reads such a file as one deeply nested expression, and per-node ancestor
walks turn quadratic; 100k such lines took a minute). The first is skipped with a reason, as
Credo would time out; the second is read with each lone CR as a line end, which is what LSP
clients count as one, so lines and offsets stay the editor's.
"""

from __future__ import annotations

import re

# Longer lines are not analysed. Credo's own line-length check flags 120; generated code aside,
# no hand-written line comes near this.
MAX_LINE_CHARS = 64 * 1024

_LONE_CR = re.compile(r"\r(?!\n)")


def overlong_line(text: str, limit: int = MAX_LINE_CHARS) -> str | None:
    """Why the text is not analysed when one of its lines is longer than `limit` (None otherwise).

    Lines are counted as the checks count them, by LF; lone CRs should be read as line ends first.
    """
    if len(text) <= limit:
        return None
    # From a line's start, the next `limit + 1` characters hold a line end unless the line is too long;
    # the lines up to the last end in that window are short, so the search goes on after it (a few
    # steps per file instead of one per line).
    start = 0
    while len(text) - start > limit:
        last = text.rfind("\n", start, start + limit + 1)
        if last < 0:
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            line_no = text.count("\n", 0, start) + 1
            return f"line {line_no} is {end - start} characters long (over {limit}); the checks would take minutes"
        start = last + 1
    return None


def lone_cr_as_newline(text: str) -> str:
    """The text with each CR that is not part of CRLF replaced by LF (same length, same offsets)."""
    return _LONE_CR.sub("\n", text) if "\r" in text else text
