"""Warning.OperationOnSameValues: `x == x`, `x - x`, `@a / @a`: comparisons and arithmetic whose
result is known in advance."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import ancestors, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _binops_of, _op_line, op_text, same_expr


@register
class OperationOnSameValues(CredoCheck):
    """`x == x`, `x - x`, `@a / @a`: comparisons and arithmetic whose result is known in advance."""

    name = "Credo.Check.Warning.OperationOnSameValues"
    category = "warning"
    base_priority = "high"
    summary = "Operations on the same variable on both sides always give the same result."

    _RESULTS = {"==": ("Comparison", "true"), ">=": ("Comparison", "true"), "<=": ("Comparison", "true"),
                "!=": ("Comparison", "false"), ">": ("Comparison", "false"), "<": ("Comparison", "false"),
                "/": ("Operation", "1"), "-": ("Operation", "0")}

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in _binops_of(src, self._RESULTS):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None or not self._variable_or_attribute(src, left):
                continue
            if not same_expr(src, left, right) or self._excluded(src, node):
                continue
            op = op_text(src, node) or ""
            kind, result = self._RESULTS[op]
            yield ctx.issue(f"{kind} of a value with itself: `{op}` here always gives {result}.",
                            _op_line(node), trigger=op)

    @staticmethod
    def _variable_or_attribute(src: SourceFile, node: Node) -> bool:
        if node.type == "identifier":
            return True
        return node.type == "unary_operator" and op_text(src, node) == "@"

    def _excluded(self, src: SourceFile, node: Node) -> bool:
        """Inside `@spec`, or in the head of a definition of one of these operators."""
        child = node
        for anc in ancestors(node):
            if anc.type == "unary_operator" and op_text(src, anc) == "@":
                operand = anc.named_children[-1] if anc.named_child_count else None
                if operand is not None and operand.type == "call" and local_call_name(src, operand) == "spec":
                    return True
            if anc.type == "arguments" and anc.parent is not None and anc.parent.type == "call" \
                    and local_call_name(src, anc.parent) in ("def", "defp", "defmacro"):
                first = anc.named_children[0] if anc.named_child_count else None
                if first is not None and first == child and first.type == "binary_operator" \
                        and op_text(src, first) in self._RESULTS:
                    return True
            child = anc
        return False
