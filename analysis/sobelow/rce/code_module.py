"""RCE.CodeModule: a value reaching `Code.eval_string`, `eval_file` or `eval_quoted`."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [
    Rule("RCE.CodeModule", "Code", fun, 0, "strict", f"Code Execution in `Code.{fun}`")
    for fun in ("eval_string", "eval_file", "eval_quoted")
]
