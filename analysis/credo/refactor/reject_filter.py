"""Refactor.RejectFilter: `Enum.reject` followed by `Enum.filter` iterates twice where once would do."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import quoted
from ._enum_pairs import pair_lines


@register
class RejectFilter(CredoCheck):
    """`Enum.reject` nested in or piped into `Enum.filter`."""

    name = "Credo.Check.Refactor.RejectFilter"
    category = "refactor"
    base_priority = 0
    enabled_by_default = False
    summary = "Two passes where one filter does: combine the predicates."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for line in pair_lines(quoted(ctx.src), "Enum", "reject", "filter"):
            yield ctx.issue("One `Enum.filter/2` is more efficient than `Enum.reject/2 |> Enum.filter/2`", line, trigger="|>")
