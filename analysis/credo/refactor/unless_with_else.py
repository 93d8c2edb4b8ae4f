"""Refactor.UnlessWithElse: `unless` with an `else` branch: flip it into an `if`. Reported at the `unless`."""

from __future__ import annotations

from collections.abc import Iterator

from ...ast import calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _line, has_else, in_attribute_directly


@register
class UnlessWithElse(CredoCheck):
    """`unless` with an `else` branch: flip it into an `if`. Reported at the `unless`."""

    name = "Credo.Check.Refactor.UnlessWithElse"
    category = "refactor"
    base_priority = "high"
    summary = "unless with else should be rewritten as if with the branches swapped."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "unless"):
            if not in_attribute_directly(call) and has_else(src, call):
                yield ctx.issue("`unless` should not have an `else` block; use `if` and swap the branches.",
                                _line(call), trigger="unless", column=src.column_of(call))
