"""Refactor.FilterCount: `Enum.filter/2` piped or passed into `Enum.count/1`: `Enum.count/2` does it
in one pass."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import dot_line, pair_hits


@register
class FilterCount(CredoCheck):
    """`Enum.filter/2` piped or passed into `Enum.count/1`: `Enum.count/2` does it in one pass."""

    name = "Credo.Check.Refactor.FilterCount"
    category = "refactor"
    base_priority = "high"
    summary = "Use Enum.count/2 instead of Enum.filter/2 followed by Enum.count/1."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for call, _shape, _pipe in pair_hits(ctx.src, "Enum", "filter", "count", 1, 0):
            yield ctx.issue("`Enum.count/2` is more efficient than `Enum.filter/2 |> Enum.count/1`.",
                            dot_line(call), trigger="count")
