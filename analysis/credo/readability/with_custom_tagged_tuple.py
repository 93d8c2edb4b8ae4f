"""Readability.WithCustomTaggedTuple: `{:tag, x} <- {:tag, f()}` placeholders in `with`."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted


@register
class WithCustomTaggedTuple(CredoCheck):
    """A `with` clause that wraps both sides in the same atom tag only to tell the clauses apart."""

    name = "Credo.Check.Readability.WithCustomTaggedTuple"
    category = "warning"
    base_priority = "low"
    enabled_by_default = False
    summary = "Do not tag `with` clauses with custom tuples; use helper functions."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        found: dict[tuple[int, int, str], None] = {}
        for term in prewalk(quoted(ctx.src)):
            if not (isinstance(term, Q) and term.form == "with" and isinstance(term.args, list)):
                continue
            for clause in term.args:
                if not (isinstance(clause, Q) and clause.form == "<-" and len(clause.args or []) == 2):
                    continue
                left, right = clause.args or [None, None]
                if (isinstance(left, tuple) and isinstance(right, tuple) and isinstance(left[0], Atom)
                        and left[0] == right[0]):
                    found[(clause.line or 0, clause.column or 0, left[0].name)] = None
        for line, column, placeholder in sorted(found):
            yield ctx.issue(f"Invalid usage of placeholder `:{placeholder}` in with", line, column=column or None)
