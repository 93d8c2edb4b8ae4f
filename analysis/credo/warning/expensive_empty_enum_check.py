"""Warning.ExpensiveEmptyEnumCheck: Comparing `length/1` or `Enum.count` with 0 (or 1) to test for
emptiness, which walks the whole collection."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import ancestors, call_args, do_block, local_call_name, remote_call
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _binops_of, _op_line, _unparen, int_literal, op_text

# --------------------------------------------------------------------- expensive emptiness checks


def _counted(src: SourceFile, node: Node) -> tuple[Node, str] | None:
    """(call, trigger) when node is `length(x)` or `Enum.count(...)`."""
    node = _unparen(node)
    if node.type != "call":
        return None
    if local_call_name(src, node) == "length":
        return (node, "length") if len(call_args(node)) == 1 and do_block(node) is None else None
    if remote_call(src, node) == ("Enum", "count"):
        return node, "Enum.count"
    return None


@register
class ExpensiveEmptyEnumCheck(CredoCheck):
    """Comparing `length/1` or `Enum.count` with 0 (or 1) to test for emptiness, which walks the whole collection."""

    name = "Credo.Check.Warning.ExpensiveEmptyEnumCheck"
    category = "warning"
    base_priority = "high"
    summary = "Test emptiness with Enum.empty?/1 or [] instead of counting elements."

    _ZERO_OPS = ("==", "!=", "===", "!==", ">", "<", ">=", "<=")
    _OPS = frozenset(_ZERO_OPS)

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in _binops_of(src, self._ZERO_OPS):
            hit = self._match(src, node)
            if hit is None:
                continue
            guard = self._guard_position(src, node)
            if guard is None:
                continue  # inside a function head (left of `when`): Credo does not look there
            call, trigger = hit
            if guard:
                advice = "compare with the empty list instead"
            elif trigger == "Enum.count" and len(call_args(call)) == 2:
                advice = "use `not Enum.any?/2` instead"
            else:
                advice = "use `Enum.empty?/1` instead"
            yield ctx.issue(f"Counting with `{trigger}` to test for emptiness is expensive; {advice}.",
                            _op_line(node), trigger=trigger, column=src.column_of(call))

    def _match(self, src: SourceFile, node: Node) -> tuple[Node, str] | None:
        op = op_text(src, node)
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or op not in self._OPS:
            return None
        lval, rval = int_literal(src, left), int_literal(src, right)
        if rval is not None and (rval == 0 or (rval == 1 and op in (">=", "<"))):
            hit = _counted(src, left)
            if hit is not None:
                return hit
        if lval is not None and (lval == 0 or (lval == 1 and op == "<=")):
            return _counted(src, right)
        return None

    @staticmethod
    def _guard_position(src: SourceFile, node: Node) -> bool | None:
        """True in a guard, False outside one, None in the head part of a `when`."""
        child = node
        for anc in ancestors(node):
            if anc.type == "binary_operator" and op_text(src, anc) == "when":
                return True if anc.child_by_field_name("right") == child else None
            child = anc
        return False
