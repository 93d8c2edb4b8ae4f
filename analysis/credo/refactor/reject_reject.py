"""Refactor.RejectReject: `Enum.reject |> Enum.reject` (also Map and Keyword): combine the predicates."""

from __future__ import annotations

from ...checks import register
from ._helpers import SameTwiceCheck


@register
class RejectReject(SameTwiceCheck):
    """`Enum.reject |> Enum.reject` (also Map and Keyword): combine the predicates."""

    name = "Credo.Check.Refactor.RejectReject"
    category = "refactor"
    base_priority = 0
    summary = "Combine consecutive reject calls into one."
    function = "reject"
