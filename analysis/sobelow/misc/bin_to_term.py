"""Misc.BinToTerm: `:erlang.binary_to_term` on a value (always high confidence)."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [Rule("Misc.BinToTerm", ":erlang", "binary_to_term", 0, "erlang")]
