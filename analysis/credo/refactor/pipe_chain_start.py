"""Refactor.PipeChainStart: a pipe chain should start with a raw value, not a function call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import NIL, Atom, Q, prewalk, quoted
from .._quoted_terms import call_name, names

# Forms Credo accepts as a chain start whatever their arguments: literals built by special
# forms, and operators (including the custom ones Elixir reserves).
_VALID_FORMS = frozenset({
    "%", "%{}", "..", "<<>>", "@", "__aliases__", "unquote", "{}", "&", "<>", "++", "--", "&&", "||",
    "+", "-", "*", "/", ">", ">=", "<", "<=", "==", "for", "with", "not", "and", "or",
    "<-", "|||", "&&&", "<<<", ">>>", "<<~", "~>>", "<~", "~>", "<~>", "<|>", "^^^", "~~~", "..//",
})
_SIGIL = re.compile(r"^sigil_[a-zA-Z]$")


def argument_type(value: Any) -> list[str]:
    """Credo's argument type names for the first argument of the chain's start call."""
    if isinstance(value, Q) and isinstance(value.form, str):
        if value.form in ("sigil_r", "sigil_R"):
            return [value.form, "regex"]
        if _SIGIL.match(value.form):
            return [value.form]
        named = {"fn": "fn", "%{}": "map", "{}": "tuple"}.get(value.form)
        if named:
            return [named]
    if value is None:
        return []
    if isinstance(value, Atom):
        return ["atom"]
    if isinstance(value, str):
        return ["binary"]
    if isinstance(value, list):
        keyword = all(isinstance(i, tuple) and len(i) == 2 and isinstance(i[0], Atom) for i in value)
        return ["keyword", "list"] if keyword else ["list"]
    if isinstance(value, int | float):
        return ["number"]
    return ["credo_type_error"]


def _excluded_call(term: Q, excluded_functions: list[str], excluded_types: list[str]) -> bool:
    args = term.args or []
    if args and args[0] == NIL:
        types = ["atom"]
    else:
        types = argument_type(args[0] if args else None)
    return call_name(term) in excluded_functions or any(t in excluded_types for t in types)


def valid_chain_start(lhs: Any, excluded_functions: list[str], excluded_types: list[str]) -> bool:
    """Credo's `valid_chain_start?/3`."""
    if not isinstance(lhs, Q):
        return True
    form, args = lhs.form, lhs.args
    if form == "__block__" and isinstance(args, list) and len(args) == 1:
        return valid_chain_start(args[0], excluded_functions, excluded_types)
    if isinstance(form, str):
        if form in _VALID_FORMS:
            return True
        if form == "fn" and isinstance(args, list) and len(args) == 1:
            return True
        if args == []:
            return True
        if isinstance(args, list):
            return bool(_SIGIL.match(form)) or _excluded_call(lhs, excluded_functions, excluded_types)
        return True  # a variable
    dot_args = form.args or []
    if dot_args == [Atom("Access"), Atom("get")] or args == []:
        return True
    if dot_args == [Atom("List"), Atom("to_charlist")] and args and isinstance(args[0], list) and args[0]:
        return True
    return _excluded_call(lhs, excluded_functions, excluded_types)


@register
class PipeChainStart(CredoCheck):
    """Pipe chains that start with a function call instead of a raw value."""

    name = "Credo.Check.Refactor.PipeChainStart"
    category = "refactor"
    base_priority = 0
    default_params = {"excluded_argument_types": [], "excluded_functions": []}
    enabled_by_default = False
    summary = "Start a pipe chain with a raw value."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        functions = [str(f) for f in ctx.params.get("excluded_functions") or []]
        types = names(ctx.params.get("excluded_argument_types"))
        for term in prewalk(quoted(ctx.src)):
            if not (isinstance(term, Q) and term.form == "|>" and term.args):
                continue
            lhs = term.args[0]
            if isinstance(lhs, Q) and lhs.form == "|>":
                continue
            if not valid_chain_start(lhs, functions, types):
                yield ctx.issue("Pipe chain should start with a raw value.", term.line, trigger="TODO")
