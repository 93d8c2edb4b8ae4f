"""Readability.RedundantBlankLines: More than `max_blank_lines` blank lines in a row (blank lines
inside literals do not count)."""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._literal_text import content_range, outer_literals


def _in_literal_content(src: SourceFile):  # noqa: ANN202
    """A predicate: does this byte offset lie inside the contents of a string-like literal?"""
    literals = outer_literals(src)
    ranges = [content_range(n) for n, _ in literals]
    starts = [r[0] for r in ranges]

    def inside(byte: int) -> bool:
        i = bisect.bisect_right(starts, byte) - 1
        return i >= 0 and ranges[i][0] <= byte < ranges[i][1]

    return inside


@register
class RedundantBlankLines(CredoCheck):
    """More than `max_blank_lines` blank lines in a row (blank lines inside literals do not count)."""

    name = "Credo.Check.Readability.RedundantBlankLines"
    category = "readability"
    base_priority = "low"
    default_params = {"max_blank_lines": 1}
    summary = "Files should not have runs of consecutive blank lines."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_blank = int(ctx.params["max_blank_lines"])
        text = src.text
        if "\n" * (max_blank + 2) not in text and not text.startswith("\n" * (max_blank + 1)):
            return  # no run of more than `max_blank` empty lines anywhere
        inside = _in_literal_content(src)
        run = 0
        line_starts = src._line_starts
        for idx, line in enumerate(src.lines):
            # a line inside a string, heredoc, sigil or charlist is filled in by Credo, so never blank
            if line == "" and not inside(line_starts[idx] if idx < len(line_starts) else len(src.data)):
                run += 1
                if run > max_blank:
                    yield ctx.issue(
                        f"Found more than {max_blank} blank line(s) in a row; remove the extra ones.",
                        idx + 1,
                    )
            else:
                run = 0
