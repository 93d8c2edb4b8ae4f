"""Warning.OperationWithConstantResult: `x * 0` (always zero) and `x * 1` (always x)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import ancestors, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _op_line, binops, int_literal, op_text


@register
class OperationWithConstantResult(CredoCheck):
    """`x * 0` (always zero) and `x * 1` (always x)."""

    name = "Credo.Check.Warning.OperationWithConstantResult"
    category = "warning"
    base_priority = "high"
    summary = "Multiplying by 0 or 1 has a constant or trivial result."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in binops(src).get("*", ()):
            right = node.child_by_field_name("right")
            if right is None or right.type != "integer":
                continue
            value = int_literal(src, right)
            if value not in (0, 1) or self._skipped(src, node):
                continue
            result = "zero" if value == 0 else "its left side"
            yield ctx.issue(f"Multiplying by {value} always gives {result}.", _op_line(node), trigger="*")

    @staticmethod
    def _skipped(src: SourceFile, node: Node) -> bool:
        for anc in ancestors(node):
            if anc.type == "unary_operator":
                op = op_text(src, anc)
                if op == "&":
                    return True
                if op == "@":
                    operand = anc.named_children[-1] if anc.named_child_count else None
                    if operand is not None and operand.type == "call" and local_call_name(src, operand) == "spec":
                        return True
        return False
