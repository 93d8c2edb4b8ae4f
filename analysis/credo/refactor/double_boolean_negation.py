"""Refactor.DoubleBooleanNegation: `!!value` / `not not value` used to coerce a value to a boolean."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _is_negation, _line, _op, negation_operand


def _negations(src: SourceFile) -> list[Node]:
    """`!x` and `not x` unary operators, in source order."""
    return [n for n in src.by_type("unary_operator") if _op(n) in ("!", "not")]


# Opt-in checks: DoubleBooleanNegation, NegatedIsNil, IoPuts

@register
class DoubleBooleanNegation(CredoCheck):
    """`!!value` / `not not value` used to coerce a value to a boolean."""

    name = "Credo.Check.Refactor.DoubleBooleanNegation"
    category = "refactor"
    base_priority = "low"
    enabled_by_default = False
    summary = "Double negation hides intent; make the boolean conversion explicit."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        negations = _negations(src)
        consumed: set[int] = set()
        for node in negations:
            if node.id in consumed:
                continue
            inner = negation_operand(node)
            second = _is_negation(inner) if inner is not None else None
            if second is None:
                continue
            if inner is not None and inner.type == "unary_operator":
                consumed.add(inner.id)  # Credo continues below the inner negation
            first = _op(node)
            trigger = "!!" if first == "!" and second == "!" else f"{first} {second}"
            yield ctx.issue("Double boolean negation found; convert to a boolean explicitly.",
                            _line(node), trigger=trigger)
