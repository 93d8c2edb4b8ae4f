"""Refactor.AppendSingleItem: `list ++ [item]` (appending copies the list)."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Q, prewalk, quoted


@register
class AppendSingleItem(CredoCheck):
    """`a ++ [b]`; `[a] ++ b` is fine."""

    name = "Credo.Check.Refactor.AppendSingleItem"
    category = "refactor"
    base_priority = "low"
    enabled_by_default = False
    summary = "Prepend and reverse instead of appending single items."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for term in prewalk(quoted(ctx.src)):
            if isinstance(term, Q) and term.form == "++" and len(term.args or []) == 2:
                left, right = term.args or [None, None]
                if isinstance(left, list) and len(left) == 1:
                    continue
                if isinstance(right, list) and len(right) == 1:
                    yield ctx.issue(
                        "Appending a single item to a list is inefficient, use `[head | tail]` notation "
                        "(and `Enum.reverse/1` when order matters).",
                        term.line, trigger="++",
                    )
