"""Readability.TrailingBlankLine: A file that does not end with a newline."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue


@register
class TrailingBlankLine(CredoCheck):
    """A file that does not end with a newline."""

    name = "Credo.Check.Readability.TrailingBlankLine"
    category = "readability"
    base_priority = "low"
    summary = "Files should end with a newline."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        lines = ctx.src.text.split("\n")
        if lines[-1].strip() != "":
            yield ctx.issue("The file does not end with a newline; add a final \\n.", len(lines))
