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
    start = 0
    line_no = 1
    while start <= len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        if end - start > limit:
            return f"line {line_no} is {end - start} characters long (over {limit}); the checks would take minutes"
        start = end + 1
        line_no += 1
    return None


def lone_cr_as_newline(text: str) -> str:
    """The text with each CR that is not part of CRLF replaced by LF (same length, same offsets)."""
    return _LONE_CR.sub("\n", text) if "\r" in text else text
