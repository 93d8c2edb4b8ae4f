"""Readability.SeparateAliasRequire: all `alias`es together and all `require`s together in a module."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted

_MESSAGES = {"alias": "aliases should be consecutive within a file",
             "require": "requires should be consecutive within a file"}


def module_body(defmodule: Q) -> list:
    """The expressions of a `defmodule`'s do block (Credo's `calls_in_do_block`)."""
    for arg in defmodule.args or []:
        if isinstance(arg, list):
            for pair in arg:
                if isinstance(pair, tuple) and pair[0] == Atom("do"):
                    body = pair[1]
                    if isinstance(body, Q) and body.form == "__block__":
                        return list(body.args or [])
                    return [body]
    return []


@register
class SeparateAliasRequire(CredoCheck):
    """An `alias` or `require` after other directives, when the module had the same kind earlier."""

    name = "Credo.Check.Readability.SeparateAliasRequire"
    category = "readability"
    base_priority = "low"
    enabled_by_default = False
    summary = "Keep aliases together and requires together."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for term in prewalk(quoted(ctx.src)):
            if not (isinstance(term, Q) and term.form == "defmodule"):
                continue
            previous: list[str] = []
            for call in module_body(term):
                if not (isinstance(call, Q) and isinstance(call.form, str) and isinstance(call.args, list)):
                    continue
                if previous and previous[-1] == call.form:
                    continue
                if call.form in _MESSAGES and call.form in previous:
                    yield ctx.issue(_MESSAGES[call.form], call.line)
                    continue
                previous.append(call.form)
