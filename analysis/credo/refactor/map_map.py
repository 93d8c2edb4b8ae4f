"""Refactor.MapMap: `Enum.map` followed by `Enum.map` iterates twice where once would do."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import quoted
from ._enum_pairs import pair_lines


@register
class MapMap(CredoCheck):
    """`Enum.map` nested in or piped into `Enum.map`."""

    name = "Credo.Check.Refactor.MapMap"
    category = "refactor"
    base_priority = 0
    enabled_by_default = False
    summary = "Two passes where one map does: compose the functions."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for line in pair_lines(quoted(ctx.src), "Enum", "map", "map"):
            yield ctx.issue("One `Enum.map/2` is more efficient than `Enum.map/2 |> Enum.map/2`", line, trigger="|>")
