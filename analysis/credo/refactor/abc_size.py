"""Refactor.ABCSize: a function's size by assignments, branches (calls) and conditions."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted, subterms

_DEF_OPS = frozenset({"def", "defp", "defmacro"})
_CONDITION_OPS = frozenset({"if", "unless", "for", "try", "case", "cond", "and", "or", "&&", "||"})
_NON_CALLS = frozenset({"==", "fn", "__aliases__", "__block__", "if", "or", "|>", "%{}"})
_ECTO_FUNCTIONS = ["where", "from", "select", "join"]


def _var_name(term: Any) -> str | None:
    return str(term.form) if isinstance(term, Q) and term.is_var else None


def _def_name(term: Q) -> str | None:
    head = (term.args or [None])[0]
    if isinstance(head, Q) and head.form == "when" and head.args:
        head = head.args[0]
    return head.form if isinstance(head, Q) and isinstance(head.form, str) else None


def _do_body(args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, list):
            for pair in arg:
                if isinstance(pair, tuple) and pair[0] == Atom("do"):
                    return pair[1]
    return None


def _fn_parameters(arguments: list[Any]) -> list[str]:
    params = arguments[0] if arguments and isinstance(arguments[0], list) else []
    if len(params) == 1 and isinstance(params[0], Q) and params[0].form == "when":
        params = params[0].args or []
    return [n for n in (_var_name(p) for p in params) if n is not None]


def abc_size(def_term: Q, excluded: list[str]) -> float:
    """Credo's ABC size of one definition: sqrt(a² + b² + c²) over its do body."""
    args = def_term.args or []
    body = _do_body(args)
    if body is None:
        return 0.0
    head = args[0] if args else None
    var_names: list[str | None] = []
    if isinstance(head, Q) and isinstance(head.args, list):
        var_names = [_var_name(p) for p in head.args]
    a = b = c = 0
    stack = [body]
    while stack:
        term = stack.pop()
        if isinstance(term, Q):
            form, targs = term.form, term.args
            if form in _DEF_OPS and isinstance(targs, list):
                pass
            elif form == "<<>>":
                continue  # string interpolation is not counted, nor looked into
            elif form == "=" and isinstance(targs, list) and targs:
                name = _var_name(targs[0])
                if name is not None:
                    var_names.append(name)
                a += 1
                stack.extend(reversed(targs[1:]))  # Credo continues with the right side only
                continue
            elif form == "->" and isinstance(targs, list):
                var_names.extend(_fn_parameters(targs))
                b += 1
            elif form == "." and isinstance(targs, list):
                receiver = targs[0] if targs else None
                if not (len(targs) == 2 and isinstance(receiver, Q) and receiver.is_var):
                    b += 1
            elif isinstance(form, str) and form not in _NON_CALLS and isinstance(targs, list):
                if form in excluded:
                    continue
                b += 1
            elif isinstance(form, str) and targs is None:
                if form not in var_names:
                    b += 1
            elif form in _CONDITION_OPS and isinstance(targs, list):
                c += 1
        stack.extend(reversed(subterms(term)))
    return math.sqrt(a * a + b * b + c * c)


def _imports_ecto_query(root: Any) -> bool:
    for term in prewalk(root):
        if isinstance(term, Q) and term.form == "import" and term.args:
            target = term.args[0]
            if isinstance(target, Q) and target.form == "__aliases__" and target.args == [Atom("Ecto"), Atom("Query")]:
                return True
    return False


@register
class ABCSize(CredoCheck):
    """Definitions whose ABC size is above `max_size`; `excluded_functions` are not counted (nor Ecto's query macros when Ecto.Query is imported)."""

    name = "Credo.Check.Refactor.ABCSize"
    category = "refactor"
    base_priority = 0
    default_params = {"max_size": 30, "excluded_functions": []}
    enabled_by_default = False
    summary = "Function is too complex by its ABC size."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        root = quoted(ctx.src)
        max_size = ctx.params.get("max_size", 30)
        excluded = [str(f) for f in ctx.params.get("excluded_functions") or []]
        if _imports_ecto_query(root):
            excluded = _ECTO_FUNCTIONS + excluded
        for term in prewalk(root):
            if not (isinstance(term, Q) and term.form in _DEF_OPS and isinstance(term.args, list)):
                continue
            head = term.args[0] if term.args else None
            if term.form == "defmacro" and isinstance(head, Q) and head.form == "__using__" and len(term.args) == 2:
                continue
            size = round(abc_size(term, excluded))
            if size > max_size:
                name = _def_name(term)
                yield ctx.issue(f"Function is too complex (ABC size is {size}, max is {max_size}).", term.line,
                                trigger=name)
