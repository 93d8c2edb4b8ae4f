"""Consistency.TabsOrSpaces: Indentation with spaces or with tabs, the same everywhere."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from ...checks import CheckContext, register
from ...issues import Issue
from ._helpers import ConsistencyCheck, FileStyles


def _indentation(line: str) -> str | None:
    if line.startswith("  "):
        return "spaces"
    if line.startswith("\t"):
        return "tabs"
    return None


@register
class TabsOrSpaces(ConsistencyCheck):
    """Indentation with spaces or with tabs, the same everywhere.

    A line starting with two spaces counts as `spaces`, one starting with a tab as `tabs`
    (lines are taken as they are, heredoc lines included); each line indented the other way
    is reported.
    """

    name = "Credo.Check.Consistency.TabsOrSpaces"
    summary = "Indent with the same character everywhere."

    def collect(self, ctx: CheckContext) -> FileStyles:
        # a line starts the text or follows a "\n": counting those prefixes counts the lines
        text = ctx.src.text
        counts: Counter[str] = Counter()
        for style, prefix in (("spaces", "  "), ("tabs", "\t")):
            found = text.startswith(prefix) + text.count("\n" + prefix)
            if found:
                counts[style] = found
        return FileStyles(ctx, counts)

    def issues_for(self, expected: Any, found: FileStyles) -> Iterator[Issue]:
        actual = "tabs" if expected == "spaces" else "spaces"
        message = f"This file indents with {actual}; most files indent with {expected}."
        for line_no, line in enumerate(found.ctx.src.lines, 1):
            style = _indentation(line)
            if style and style != expected:
                yield found.ctx.issue(message, line_no)
