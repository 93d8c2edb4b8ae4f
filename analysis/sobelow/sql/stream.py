"""SQL.Stream: a value reaching `SQL.stream` (SQL injection)."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [Rule("SQL.Stream", "SQL", "stream", 1, "last")]
