"""Refactor.NegatedConditionsWithElse: `if !cond do ... else ... end`: swap the branches and drop the
negation. Reported at the `if`."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import arguments_node, calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _is_negation, _line, _named, has_else, negation_operand, unparen


def _stacked_negations(node: Node) -> int:
    count = 0
    while True:
        node = unparen(node)
        neg = _is_negation(node)
        if neg is None:
            return count
        count += 1
        if node.type != "unary_operator":
            return count  # `a not in b`
        inner = negation_operand(node)
        if inner is None:
            return count
        node = inner


@register
class NegatedConditionsWithElse(CredoCheck):
    """`if !cond do ... else ... end`: swap the branches and drop the negation. Reported at the `if`."""

    name = "Credo.Check.Refactor.NegatedConditionsWithElse"
    category = "refactor"
    base_priority = "high"
    summary = "if with a negated condition and an else should swap its branches."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "if"):
            args = arguments_node(call)
            first = args.named_children[0] if args is not None and args.named_child_count else None
            if first is None or first.type == "keywords":
                continue
            cond = unparen(first)
            if cond.type == "block":  # `(a; b)`: Credo looks at the first expression
                inner = _named(cond)
                cond = unparen(inner[0]) if inner else cond
            negator = _is_negation(cond)
            if negator is not None and _stacked_negations(cond) % 2 == 1 and has_else(src, call):
                yield ctx.issue(f"Avoid negated conditions (`{negator}`) in if-else blocks; swap the branches instead.",
                                _line(call), trigger="if", column=src.column_of(call))
