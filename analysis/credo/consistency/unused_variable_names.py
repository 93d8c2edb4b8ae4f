"""Consistency.UnusedVariableNames: unused variables named `_` or `_name`, whichever the project uses most."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from ...checks import CheckContext, register
from ...issues import Issue
from ...quoted import Q, prewalk, quoted
from ._helpers import ConsistencyCheck, FileStyles

_MESSAGES = {
    "meaningful": "Unused variables should be named consistently. It seems your strategy is to give them "
                  "meaningful names (eg. `_foo`) but `{}` does not follow that convention.",
    "anonymous": "Unused variables should be named consistently. It seems your strategy is to name them "
                 "anonymously (ie. `_`) but `{}` does not follow that convention.",
}


def _unused(term: Any) -> bool:
    if not (isinstance(term, Q) and isinstance(term.form, str)):
        return False
    return term.form == "_" or (term.form.startswith("_") and not term.form.startswith("__"))


def _reduce(params: Any) -> Iterator[Q]:
    """Unused-variable names among parameters, looking into calls' arguments (not into tuples or lists)."""
    if not isinstance(params, list):
        return
    for param in params:
        if isinstance(param, Q) and isinstance(param.args, list):
            yield from _reduce(param.args)
        elif _unused(param):
            yield param


def unused_variables(ctx: CheckContext) -> list[Q]:
    """Every `_`/`_name` in match left sides, def heads and clause heads, in Credo's order."""
    found: list[Q] = []
    for term in prewalk(quoted(ctx.src)):
        if not (isinstance(term, Q) and isinstance(term.args, list)):
            continue
        if term.form == "=":
            found.extend(_reduce(term.args))
        elif term.form in ("def", "defp") and term.args and isinstance(term.args[0], Q):
            found.extend(_reduce(term.args[0].args))
        elif term.form == "->" and term.args:
            found.extend(_reduce(term.args[0]))
    return found


@register
class UnusedVariableNames(ConsistencyCheck):
    """Whether unused variables are `_` or `_name` across the project; report the other kind."""

    name = "Credo.Check.Consistency.UnusedVariableNames"
    enabled_by_default = False
    summary = "Name unused variables consistently."

    def collect(self, ctx: CheckContext) -> FileStyles:
        found = unused_variables(ctx)
        counts: Counter[Any] = Counter("anonymous" if v.form == "_" else "meaningful" for v in found)
        return FileStyles(ctx, counts, found)

    def issues_for(self, expected: Any, found: FileStyles) -> Iterable[Issue]:
        for var in found.data:
            name = str(var.form)
            if (expected == "anonymous" and name != "_") or (expected == "meaningful" and name == "_"):
                yield found.ctx.issue(_MESSAGES[expected].format(name), var.line, trigger=name)
