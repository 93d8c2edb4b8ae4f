"""Readability.NestedFunctionCalls: `Mod.f(Mod.g(x))` where a pipeline would read left to right."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted
from .._quoted_terms import call_name


def _remote_call(term: Any) -> bool:
    return isinstance(term, Q) and isinstance(term.form, Q) and term.form.form == "."


def _valid_start(term: Q) -> bool:
    dot_args = term.form.args or []  # type: ignore[union-attr]
    if term.args == []:
        return True
    return dot_args in ([Atom("Access"), Atom("get")], [Atom("Kernel"), Atom("to_string")])


def _pipeline_length(args: Any) -> int:
    if not (isinstance(args, list) and args and _remote_call(args[0])):
        return 0
    first = args[0]
    if first.args == [] or _valid_start(first):
        return 0
    return 1 + _pipeline_length(first.args)


@register
class NestedFunctionCalls(CredoCheck):
    """Remote calls whose first argument nests `min_pipeline_length - 1` or more remote calls."""

    name = "Credo.Check.Readability.NestedFunctionCalls"
    category = "readability"
    base_priority = 0
    default_params = {"min_pipeline_length": 2}
    enabled_by_default = False
    summary = "Use a pipeline when there are nested function calls."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        minimum = int(ctx.params.get("min_pipeline_length", 2))
        for term in prewalk(quoted(ctx.src)):
            if not _remote_call(term) or _valid_start(term):
                continue
            if _pipeline_length(term.args) + 1 >= minimum:
                yield ctx.issue("Use a pipeline when there are nested function calls", term.line,
                                trigger=call_name(term))
