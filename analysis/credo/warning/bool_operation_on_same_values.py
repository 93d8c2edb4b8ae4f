"""Warning.BoolOperationOnSameValues: `x and x`, `x || x`: a boolean operation with the same
expression on both sides."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import ancestors, call_args, calls_named, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _binops_of, _op_line, op_text, same_expr

# --------------------------------------------------------------------- operations on same values


def _module_redefines(src: SourceFile, module: Node, op: str) -> bool:
    """Whether a `def` inside the module defines the operator (so `a and a` may mean something else)."""
    for call in calls_named(src, "def"):
        if not (module.start_byte <= call.start_byte < module.end_byte):
            continue
        args = call_args(call)
        if not args:
            continue
        head = args[0]
        if head.type == "binary_operator" and op_text(src, head) == "when":
            head = head.child_by_field_name("left") or head
        if head.type == "binary_operator" and op_text(src, head) == op:
            return True
        if head.type == "call" and local_call_name(src, head) == op and call_args(head):
            return True
    return False


@register
class BoolOperationOnSameValues(CredoCheck):
    """`x and x`, `x || x`: a boolean operation with the same expression on both sides."""

    name = "Credo.Check.Warning.BoolOperationOnSameValues"
    category = "warning"
    base_priority = "high"
    summary = "Boolean operations should not have the same expression on both sides."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in _binops_of(src, ("and", "or", "&&", "||")):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None or not same_expr(src, left, right):
                continue
            op = op_text(src, node) or ""
            # Credo looks at each module (nested ones again on their own) unless it redefines the operator.
            for module in ancestors(node):
                if module.type == "call" and local_call_name(src, module) == "defmodule":
                    if not _module_redefines(src, module, op):
                        yield ctx.issue(f"Both sides of `{op}` are the same expression; the operation is redundant.",
                                        _op_line(node), trigger=op)
