"""Traversal.FileModule: a path reaching a `File` function (both paths of copy/link functions)."""

from __future__ import annotations

from ..call_rule import Rule

FILE_FUNCS = (
    "read read! write write! rm rm! rm_rf open open! chmod chmod! chown chown! mkdir mkdir! mkdir_p mkdir_p!".split()
)
DOUBLE_FILE_FUNCS = "cp copy cp! copy! cp_r cp_r! ln ln! ln_s ln_s!".split()


RULES = [
    Rule("Traversal.FileModule", "File", fun, 0, "strict", f"Directory Traversal in `File.{fun}`")
    for fun in FILE_FUNCS + DOUBLE_FILE_FUNCS
] + [
    # copy and link functions take two paths; Sobelow follows the second one too
    Rule("Traversal.FileModule", "File", fun, 1, "strict", f"Directory Traversal in `File.{fun}`")
    for fun in DOUBLE_FILE_FUNCS
]
