"""Refactor.NegatedConditionsInUnless: `unless !cond` / `unless not cond`: a double negative."""

from __future__ import annotations

from collections.abc import Iterator

from ...ast import calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _is_negation, _line, call_lists, in_attribute_directly, op_line, unparen


@register
class NegatedConditionsInUnless(CredoCheck):
    """`unless !cond` / `unless not cond`: a double negative."""

    name = "Credo.Check.Refactor.NegatedConditionsInUnless"
    category = "refactor"
    base_priority = "high"
    summary = "unless with a negated condition should be an if."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "unless"):
            if in_attribute_directly(call):
                continue
            positional = call_lists(call)[0]
            if not positional:
                continue
            cond = unparen(positional[0])
            negator = _is_negation(cond)
            if negator is not None:
                line = op_line(cond) if cond.type == "binary_operator" else _line(cond)
                yield ctx.issue("Avoid negated conditions in `unless`; use `if` with the positive condition.",
                                line, trigger=negator)
