"""Readability.OnePipePerLine: more than one `|>` on a line."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import prewalk, quoted
from .._quoted_terms import is_pipe, pipe_left


@register
class OnePipePerLine(CredoCheck):
    """A pipe whose left side is a pipe on the same line; one issue per line."""

    name = "Credo.Check.Readability.OnePipePerLine"
    category = "readability"
    base_priority = 0
    enabled_by_default = False
    summary = "One pipe per line."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        seen: list[int] = []
        for term in prewalk(quoted(ctx.src)):
            if is_pipe(term) and is_pipe(pipe_left(term)) and term.line == pipe_left(term).line and term.line is not None:
                if term.line not in seen:
                    seen.append(term.line)
        for line in seen:
            yield ctx.issue("Avoid using multiple pipes (`|>`) on the same line.", line, trigger="|>")
