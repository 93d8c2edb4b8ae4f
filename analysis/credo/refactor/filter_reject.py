"""Refactor.FilterReject: `Enum.filter` followed by `Enum.reject` iterates twice where once would do."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import quoted
from ._enum_pairs import pair_lines


@register
class FilterReject(CredoCheck):
    """`Enum.filter` nested in or piped into `Enum.reject`."""

    name = "Credo.Check.Refactor.FilterReject"
    category = "refactor"
    base_priority = 0
    enabled_by_default = False
    summary = "Two passes where one filter does: combine the predicates."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for line in pair_lines(quoted(ctx.src), "Enum", "filter", "reject"):
            yield ctx.issue("One `Enum.filter/2` is more efficient than `Enum.filter/2 |> Enum.reject/2`", line, trigger="|>")
