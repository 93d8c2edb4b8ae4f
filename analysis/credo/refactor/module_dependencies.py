"""Refactor.ModuleDependencies: a module that references more than `max_deps` other modules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted, subterms
from ...terms import Regex
from .._files_param import directory_excluded


def _name(term: Any) -> str | None:
    if isinstance(term, Q) and term.form == "__aliases__":
        return ".".join(a.name if isinstance(a, Atom) else str(a.form) for a in term.args or [])
    return None


def _postwalk(term: Any) -> Iterator[Any]:
    """Children before their parent (Macro.postwalk order)."""
    stack: list[tuple[Any, bool]] = [(term, False)]
    while stack:
        t, done = stack.pop()
        if done:
            yield t
            continue
        stack.append((t, True))
        stack.extend((c, False) for c in reversed(subterms(t)))


def _remove_once(items: list[str], names: list[str]) -> list[str]:
    out = list(items)
    for n in names:
        if n in out:
            out.remove(n)
    return out


def _multi_alias(term: Q) -> tuple[str, list[str]] | None:
    arg = (term.args or [None])[0]
    if isinstance(arg, Q) and isinstance(arg.form, Q) and arg.form.form == "." and len(arg.form.args or []) == 2:
        base = _name(arg.form.args[0])  # type: ignore[index]
        if base is not None and arg.form.args[1] == Atom("{}"):  # type: ignore[index]
            return base, [n for n in (_name(m) for m in arg.args or []) if n]
    return None


def dependencies(defmodule: Q) -> list[str]:
    """Modules a module refers to (Credo's `Module.modules/1`), resolved through its aliases."""
    modules: list[str] = []
    aliases: list[str] = []
    for t in _postwalk(defmodule):
        if not isinstance(t, Q):
            continue
        name = _name(t)
        if name is not None:
            modules.append(name)
        elif t.form == "defmodule" and t.args and _name(t.args[0]):
            modules = _remove_once(modules, [_name(t.args[0])])  # type: ignore[list-item]
        elif t.form == "alias" and t.args and len(t.args) == 1 and _name(t.args[0]):
            full = _name(t.args[0])
            modules = _remove_once(modules, [full])  # type: ignore[list-item]
            aliases.append(full)  # type: ignore[arg-type]
        elif t.form == "alias":
            multi = _multi_alias(t)
            if multi is not None:
                base, members = multi
                modules = _remove_once(modules, [x for m in members for x in (base, m)])
                aliases.extend(f"{base}.{m}" for m in members)
    resolved: list[str] = []
    for dep in dict.fromkeys(modules):
        full = next((a for a in dict.fromkeys(aliases) if a.endswith(dep)), dep)
        if full not in resolved:
            resolved.append(full)
    return resolved




@register
class ModuleDependencies(CredoCheck):
    """Modules depending on more than `max_deps` others (optionally only within `dependency_namespaces`)."""

    name = "Credo.Check.Refactor.ModuleDependencies"
    category = "refactor"
    base_priority = "normal"
    default_params = {
        "max_deps": 10, "dependency_namespaces": [], "excluded_namespaces": [],
        "excluded_paths": [Regex("/test/", ""), "test"],
    }
    enabled_by_default = False
    summary = "Module has too many dependencies."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        params = ctx.params
        if directory_excluded(ctx.src.filename, list(params.get("excluded_paths") or [])):
            return
        max_deps = int(params.get("max_deps", 10))
        namespaces = [str(n) for n in params.get("dependency_namespaces") or []]
        excluded_ns = [str(n) for n in params.get("excluded_namespaces") or []]
        for term in prewalk(quoted(ctx.src)):
            if not (isinstance(term, Q) and term.form == "defmodule" and term.args):
                continue
            module_name = _name(term.args[0]) or ""
            if any(module_name.startswith(n) for n in excluded_ns):
                continue
            deps = [d for d in dependencies(term) if not namespaces or any(d.startswith(n) for n in namespaces)]
            if len(deps) > max_deps:
                yield ctx.issue(f"Module has too many dependencies: {len(deps)} (max is {max_deps})", term.line)
