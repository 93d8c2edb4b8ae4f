"""Refactor.NegatedIsNil: `when not is_nil(x)` / `when !is_nil(x)`: match on nil in an earlier clause
instead."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _is_negation, _named, call_lists, negation_operand, op_line, unparen

_OPERATOR_LITERALS = {
    "boolean": ((b"&&", b"||", b" and", b" or"), "binary_operator", frozenset({"and", "or", "&&", "||"})),
    "when": ((b" when",), "binary_operator", frozenset({"when"})),
}


def _operator_nodes(src: SourceFile, group: str) -> list[Node]:
    """Operator nodes of one group, in source order: `boolean` (and/or/&&/||) or `when`.

    Candidates are found by a plain byte search over the file and confirmed in the tree, which
    is far cheaper than asking every operator node for its operator.
    """
    cache = getattr(src, "_credo_refactor_ops", None)
    if cache is None:
        cache = src._credo_refactor_ops = {}  # type: ignore[attr-defined]
    found = cache.get(group)
    if found is not None:
        return found
    found = []
    root = src.root
    if root is not None:
        literals, parent_type, tokens = _OPERATOR_LITERALS[group]
        data = src.data
        seen: set[int] = set()
        for lit in literals:
            skip = 1 if lit.startswith(b" ") else 0
            pos = data.find(lit)
            while pos >= 0:
                start = pos + skip
                tok = root.descendant_for_byte_range(start, pos + len(lit))
                if tok is not None and tok.type in tokens and tok.start_byte == start:
                    parent = tok.parent
                    if (parent is not None and parent.type == parent_type and parent.id not in seen
                            and parent.child_by_field_name("operator") == tok):
                        seen.add(parent.id)
                        found.append(parent)
                pos = data.find(lit, pos + len(lit))
        found.sort(key=lambda n: n.start_byte)
    cache[group] = found
    return found


@register
class NegatedIsNil(CredoCheck):
    """`when not is_nil(x)` / `when !is_nil(x)`: match on nil in an earlier clause instead."""

    name = "Credo.Check.Refactor.NegatedIsNil"
    category = "refactor"
    base_priority = "low"
    enabled_by_default = False
    summary = "Negated is_nil in a guard; add a nil clause first or guard on the expected type."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for when in _operator_nodes(src, "when"):
            guard = when.child_by_field_name("right")
            # Credo looks at the guard and down its chain of first operands
            while guard is not None:
                guard = unparen(guard)
                negator = _is_negation(guard)
                if negator is not None and guard.type == "unary_operator":
                    inner = negation_operand(guard)
                    if inner is not None and inner.type == "call" and local_call_name(src, inner) == "is_nil":
                        yield ctx.issue("Negated `is_nil` in a guard; match `nil` in an earlier clause instead.",
                                        op_line(when), trigger=negator)
                        break
                guard = self._first_operand(guard)

    @staticmethod
    def _first_operand(node: Node) -> Node | None:
        if node.type in ("binary_operator", "unary_operator"):
            named = _named(node)
            return node.child_by_field_name("left") or (named[0] if named else None)
        if node.type == "call":
            positional = call_lists(node)[0]
            return positional[0] if positional else None
        return None
