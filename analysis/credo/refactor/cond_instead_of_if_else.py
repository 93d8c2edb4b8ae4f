"""Refactor.CondInsteadOfIfElse: `if ... else ... end` where the project prefers `cond`."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, quoted
from .._quoted_terms import prewalk_skipping


def _has_else(term: Q) -> bool:
    return any(isinstance(a, list) and any(isinstance(p, tuple) and p[0] == Atom("else") for p in a)
               for a in term.args or [])


@register
class CondInsteadOfIfElse(CredoCheck):
    """Every `if` with an `else`; `allow_one_liners` spares `if c, do: a, else: b`."""

    name = "Credo.Check.Refactor.CondInsteadOfIfElse"
    category = "refactor"
    base_priority = "low"
    default_params = {"allow_one_liners": False}
    enabled_by_default = False
    summary = "Prefer `cond` over `if/else`."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        one_liners = ctx.params.get("allow_one_liners") is True
        block_ifs = {call.start_point[0] + 1 for call in ctx.src.calls
                     if any(c.type == "do_block" for c in call.named_children)}

        def attribute_if(t: object) -> bool:
            # `@if ...` is an attribute named if, not a conditional: Credo does not look inside
            first = t.args[0] if isinstance(t, Q) and t.form == "@" and t.args else None
            return isinstance(first, Q) and first.form == "if"

        for term in prewalk_skipping(quoted(ctx.src), attribute_if):
            if not (isinstance(term, Q) and term.form == "if" and isinstance(term.args, list)) or attribute_if(term):
                continue
            if not _has_else(term):
                continue
            if one_liners and term.line not in block_ifs:
                continue
            yield ctx.issue("Consider using `cond` instead of `if/else`.", term.line, trigger="if")
