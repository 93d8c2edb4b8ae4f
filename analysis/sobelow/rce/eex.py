"""RCE.EEx: a value reaching `EEx.eval_string` or `EEx.eval_file`."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [
    Rule("RCE.EEx", "EEx", fun, 0, "strict", f"Code Execution in `EEx.{fun}`") for fun in ("eval_string", "eval_file")
]
