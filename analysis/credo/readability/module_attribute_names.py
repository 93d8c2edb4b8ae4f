"""Readability.ModuleAttributeNames: Module attributes (`@fooBar`) whose names are not snake_case."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...ast import call_target, operator
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _text, snake_case

_ODD_ATTRIBUTE = re.compile(rb"@\s*[a-z_0-9]*[^a-z_0-9?!\s(\[{\"'@:.,)\]}]")


@register
class ModuleAttributeNames(CredoCheck):
    """Module attributes (`@fooBar`) whose names are not snake_case."""

    name = "Credo.Check.Readability.ModuleAttributeNames"
    category = "readability"
    base_priority = "high"
    summary = "Module attribute names should be snake_case."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        if not _ODD_ATTRIBUTE.search(src.data):
            return  # every `@name` in the file is lower-case ASCII
        for op in src.by_type("unary_operator"):
            if operator(src, op) != "@":
                continue
            operand = op.named_children[-1] if op.named_children else None
            if operand is None:
                continue
            if operand.type == "call":
                target = call_target(operand)
                if target is None or target.type != "identifier":
                    continue
                name = _text(src, target)
            elif operand.type == "identifier":
                name = _text(src, operand)
            else:
                continue
            if snake_case(name):
                continue
            yield ctx.issue(
                f"Module attribute `@{name}` is not snake_case; write attribute names in snake_case.",
                src.line_of(op),
                trigger=f"@{name}",
                column=src.column_of(op),
            )
