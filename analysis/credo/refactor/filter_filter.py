"""Refactor.FilterFilter: `Enum.filter |> Enum.filter` (also Map and Keyword): combine the predicates."""

from __future__ import annotations

from ...checks import register
from ._helpers import SameTwiceCheck


@register
class FilterFilter(SameTwiceCheck):
    """`Enum.filter |> Enum.filter` (also Map and Keyword): combine the predicates."""

    name = "Credo.Check.Refactor.FilterFilter"
    category = "refactor"
    base_priority = 0
    summary = "Combine consecutive filter calls into one."
    function = "filter"
