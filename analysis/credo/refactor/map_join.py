"""Refactor.MapJoin: `Enum.map |> Enum.join`: `Enum.map_join/3` does it in one pass."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import pair_hits, pair_line


@register
class MapJoin(CredoCheck):
    """`Enum.map |> Enum.join`: `Enum.map_join/3` does it in one pass."""

    name = "Credo.Check.Refactor.MapJoin"
    category = "refactor"
    base_priority = "high"
    summary = "Use Enum.map_join/3 instead of Enum.map/2 followed by Enum.join/2."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for call, shape, pipe in pair_hits(ctx.src, "Enum", "map", "join", 2, None):
            yield ctx.issue("`Enum.map_join/3` is more efficient than `Enum.map/2 |> Enum.join/2`.",
                            pair_line(call, shape, pipe), trigger="Enum.join" if shape == "nested" else "|>")
