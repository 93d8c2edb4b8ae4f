"""Refactor.VariableRebinding: the same variable bound twice in one block."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted


def _variables(term: Any) -> list[tuple[str, int | None]]:
    """(name, line) of the variables a match pattern binds, each name once (pins do not bind)."""
    if isinstance(term, Q):
        if term.form == "=" and isinstance(term.args, list):
            return _unique([v for a in term.args for v in _variables(a)])
        if term.form == "::" and term.args:
            first = term.args[0]
            return [] if isinstance(first, Q) and first.form == "^" else _variables(first)
        if term.form == "^":
            return []
        if term.is_var:
            return [(str(term.form), term.line)]
        parts: list[Any] = [term.form] if isinstance(term.form, Q) else []
        return _unique([v for p in parts + list(term.args or []) for v in _variables(p)])
    if isinstance(term, list | tuple):
        return _unique([v for item in term for v in _variables(item)])
    return []


def _unique(found: list[tuple[str, int | None]]) -> list[tuple[str, int | None]]:
    seen: set[str] = set()
    out = []
    for name, line in found:
        if name not in seen:
            seen.add(name)
            out.append((name, line))
    return out


@register
class VariableRebinding(CredoCheck):
    """Within one `do` block, a variable matched by two `=` statements; `allow_bang` spares `name!` variables."""

    name = "Credo.Check.Refactor.VariableRebinding"
    category = "refactor"
    base_priority = 0
    default_params = {"allow_bang": False}
    enabled_by_default = False
    summary = "Avoid rebinding variables; name each value."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        allow_bang = ctx.params.get("allow_bang") is True
        for term in prewalk(quoted(ctx.src)):
            # `[do: {:__block__, _, statements}]`: a do block (alone) holding several expressions
            if not (isinstance(term, list) and len(term) == 1 and isinstance(term[0], tuple)):
                continue
            key, body = term[0]
            if key != Atom("do") or not (isinstance(body, Q) and body.form == "__block__"):
                continue
            bound: list[tuple[str, int | None]] = []
            for statement in body.args or []:
                if isinstance(statement, Q) and statement.form == "=" and len(statement.args or []) == 2:
                    bound.extend(_variables(statement.args[0]))  # type: ignore[index]
            bound = [(n, line) for n, line in bound if not n.startswith("_") and not (allow_bang and n.endswith("!"))]
            counts: dict[str, int] = {}
            for n, _ in bound:
                counts[n] = counts.get(n, 0) + 1
            reported: set[str] = set()
            for n, line in reversed(bound):
                if counts[n] >= 2 and n not in reported:
                    reported.add(n)
                    yield ctx.issue(f'Variable "{n}" was declared more than once.', line, trigger=n)
