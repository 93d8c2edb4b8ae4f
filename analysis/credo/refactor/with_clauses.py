"""Refactor.WithClauses: `with` whose first or last clause is not a `<-` pattern clause."""

from __future__ import annotations

from collections.abc import Iterator

from ...ast import calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _line, is_arrow, with_parts


@register
class WithClauses(CredoCheck):
    """`with` whose first or last clause is not a `<-` pattern clause."""

    name = "Credo.Check.Refactor.WithClauses"
    category = "refactor"
    base_priority = "high"
    summary = "with should start and end with <- clauses; plain expressions belong outside or in the body."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "with"):
            parts = with_parts(src, call)
            if parts is None:
                continue
            clauses = parts[0]
            if not clauses:
                continue  # Credo needs a clause besides the body
            if not is_arrow(clauses[0]):
                yield ctx.issue("`with` does not start with a `<-` clause; move the leading expressions before it.",
                                _line(call), trigger="with")
            if len(clauses) > 1 and not is_arrow(clauses[-1]):
                yield ctx.issue("`with` does not end with a `<-` clause; move the trailing expressions into its body.",
                                _line(call), trigger="with")
