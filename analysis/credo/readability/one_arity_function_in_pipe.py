"""Readability.OneArityFunctionInPipe: `|> foo` without parentheses."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Q, prewalk, quoted
from .._quoted_terms import is_pipe, pipe_right


@register
class OneArityFunctionInPipe(CredoCheck):
    """A pipe into a bare name (`|> String.trim` is fine to Credo here; `|> trim` is not)."""

    name = "Credo.Check.Readability.OneArityFunctionInPipe"
    category = "readability"
    base_priority = "low"
    enabled_by_default = False
    summary = "Write one-arity functions in pipes with parentheses."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for term in prewalk(quoted(ctx.src)):
            if is_pipe(term):
                rhs = pipe_right(term)
                if isinstance(rhs, Q) and rhs.is_var:
                    yield ctx.issue("One arity functions should have parentheses in pipes", rhs.line)
