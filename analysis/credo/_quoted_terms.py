"""Small questions about quoted terms that several opt-in checks ask."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeGuard

from ..quoted import Atom, Q


def render(term: Any) -> str:
    """Short source rendering of a call target: aliases, erlang modules, variables, nested calls."""
    if isinstance(term, Atom):
        return f":{term.name}" if term.name[:1].islower() else term.name
    if isinstance(term, Q):
        if term.form == "__aliases__":
            return ".".join(render(a) if isinstance(a, Q) else a.name for a in term.args or [])
        if isinstance(term.form, str):
            return term.form
        return call_name(term)
    return repr(term)


def call_name(term: Q) -> str:
    """The called function without arguments, as `Macro.to_string` writes it (`String.trim`, `fun`)."""
    form = term.form
    if isinstance(form, str):
        return form
    parts = form.args or []
    target = render(parts[0]) if parts else ""
    return f"{target}.{parts[1].name}" if len(parts) > 1 and isinstance(parts[1], Atom) else target


def remote(term: Any) -> tuple[str, str] | None:
    """(module, function) of `Module.function(...)` with a literal alias module, else None."""
    if not (isinstance(term, Q) and isinstance(term.form, Q) and term.form.form == "."):
        return None
    parts = term.form.args or []
    if len(parts) == 2 and isinstance(parts[1], Atom):
        target = parts[0]
        if isinstance(target, Q) and target.form == "__aliases__":
            return render(target), parts[1].name
        if isinstance(target, Atom):
            return f":{target.name}", parts[1].name
    return None


def is_pipe(term: Any) -> TypeGuard[Q]:
    """`a |> b`."""
    return isinstance(term, Q) and term.form == "|>" and isinstance(term.args, list) and len(term.args) == 2


def pipe_left(term: Q) -> Any:
    """The left side of a pipe (what is piped)."""
    args = term.args or []
    return args[0] if args else None


def pipe_right(term: Q) -> Any:
    """The right side of a pipe (the call piped into)."""
    args = term.args or []
    return args[1] if len(args) > 1 else None


def keyword_keys(value: Any) -> list[str] | None:
    """Keys of a keyword list, or None when the value is not one."""
    if isinstance(value, list) and all(isinstance(i, tuple) and len(i) == 2 and isinstance(i[0], Atom) for i in value):
        return [i[0].name for i in value]
    return None


def names(values: Any) -> list[str]:
    """A list param of atoms or strings as plain names (`:error` and "error" both give "error")."""
    return [str(v).lstrip(":") for v in values or []]


def prewalk_skipping(term: Any, skip: Callable[[Any], bool]) -> Iterator[Any]:
    """Prewalk that does not descend into terms for which `skip(term)` is true (Credo returning nil)."""
    stack = [term]
    while stack:
        t = stack.pop()
        yield t
        if skip(t):
            continue
        if isinstance(t, Q):
            children: list[Any] = []
            if isinstance(t.form, Q):
                children.append(t.form)
            if isinstance(t.args, list):
                children.append(t.args)
            stack.extend(reversed(children))
        elif isinstance(t, list | tuple):
            stack.extend(reversed(t))
