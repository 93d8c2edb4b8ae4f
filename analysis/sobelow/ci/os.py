"""CI.OS: a value reaching `:os.cmd` (command injection)."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [Rule("CI.OS", ":os", "cmd", 0, "erlang")]
