"""Readability.Semicolons: `;` used to put several expressions on one line."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._literal_text import byte_to_line_col, leaf_at


@register
class Semicolons(CredoCheck):
    """`;` used to put several expressions on one line."""

    name = "Credo.Check.Readability.Semicolons"
    category = "readability"
    base_priority = "high"
    summary = "Expressions should be separated by newlines, not semicolons."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        data = src.data
        pos = data.find(b";")
        while pos >= 0:
            leaf = leaf_at(src, pos)
            if leaf is not None and leaf.type == ";" and leaf.start_byte == pos:
                line, col = byte_to_line_col(src, pos)
                yield ctx.issue(
                    "Semicolon used to separate expressions; put each one on its own line.",
                    line,
                    trigger=";",
                    column=col,
                )
            pos = data.find(b";", pos + 1)
