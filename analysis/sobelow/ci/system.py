"""CI.System: a value reaching `System.cmd`'s command (command injection)."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [Rule("CI.System", "System", "cmd", 0, "strict")]
