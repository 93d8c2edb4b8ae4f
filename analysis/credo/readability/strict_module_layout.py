"""Readability.StrictModuleLayout: module parts (moduledoc, use, alias, ...) in a configured order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, quoted
from .._quoted_terms import names

_ELEMENT_ATTRIBUTES = frozenset({"moduledoc", "shortdoc", "behaviour", "type", "typep", "opaque", "callback",
                                 "macrocallback", "optional_callbacks"})
_IGNORED_ATTRIBUTES = frozenset({"after_compile", "before_compile", "compile", "impl", "deprecated", "doc", "typedoc",
                                 "dialyzer", "external_resource", "file", "on_definition", "on_load", "vsn", "spec"})
_DIRECTIVES = frozenset({"use", "import", "alias", "require", "defstruct"})
_DEFS = frozenset({"def", "defmacro", "defguard", "defp", "defmacrop", "defguardp"})
_PART_NAMES = {"module_attribute": "module attribute", "public_guard": "public guard", "public_macro": "public macro",
               "public_fun": "public function", "private_fun": "private function",
               "callback_impl": "callback implementation"}


@dataclass
class _Module:
    line: int | None
    column: int | None
    parts: list[tuple[str, int | None, int | None]] = field(default_factory=list)
    next_modifier: str | None = None
    last_fun: Any = None


def _code_type(kind: str, modifier: str | None) -> str:
    if kind == "def":
        return {"impl": "callback_impl", "private": "private_fun"}.get(modifier or "", "public_fun")
    if kind == "defp":
        return "private_fun"
    if kind == "defmacro" and modifier is None:
        return "public_macro"
    if kind == "defmacro" and modifier == "impl":
        return "callback_impl"
    if kind in ("defmacro", "defmacrop"):
        return "private_macro"
    if kind == "defguard" and modifier is None:
        return "public_guard"
    return "private_guard"


def _fun_name(args: Any) -> Any:
    if isinstance(args, list) and args and isinstance(args[0], Q):
        head = args[0]
        return (str(head.form), len(head.args) if isinstance(head.args, list) else 0)
    return None


def _module_name(term: Any) -> str:
    if isinstance(term, Q) and term.form == "__aliases__":
        return ".".join(a.name if isinstance(a, Atom) else "Unknown" for a in term.args or [])
    return "Unknown"


class _Analyzer:
    """Credo's `Credo.Code.Module.analyze/1`: each module's parts with their locations."""

    def __init__(self, ignored_attributes: set[str]) -> None:
        self.ignored_attributes = ignored_attributes

    def modules(self, root: Any) -> list[tuple[str, _Module]]:
        found: list[tuple[str, _Module]] = []
        self._file(root, found)
        found.sort(key=lambda item: (item[1].line or 0, item[1].column or 0))
        return found

    def _file(self, term: Any, found: list[tuple[str, _Module]]) -> None:
        stack = [term]
        while stack:
            t = stack.pop()
            if isinstance(t, Q) and t.form == "defmodule" and isinstance(t.args, list) and len(t.args) == 2:
                body = _do_only(t.args[1])
                if body is not None:
                    self._defmodule(t, body, found)
                    continue
            stack.extend(reversed(_children(t)))

    def _defmodule(self, term: Q, body: Any, found: list[tuple[str, _Module]]) -> None:
        module = _Module(term.line, term.column)
        stack = [body]
        while stack:
            t = stack.pop()
            if not self._analyze(module, t):
                stack.extend(reversed(_children(t)))
        name = _module_name(term.args[0])  # type: ignore[index]
        inner: list[tuple[str, _Module]] = []
        self._file(body, inner)
        found.append((name, module))
        found.extend((f"{name}.{sub}", spec) for sub, spec in inner)

    def _analyze(self, module: _Module, t: Any) -> bool:
        """Record t when it is a module part; true when the walk should not look inside it."""
        if isinstance(t, tuple) and len(t) == 2 and t[0] == Atom("do"):
            return True  # a custom macro's block: Credo does not look inside
        if not isinstance(t, Q) or not isinstance(t.form, str):
            return False
        form, args = t.form, t.args
        if form == "@" and args and isinstance(args[0], Q):
            attr = args[0]
            value = attr.args[0] if isinstance(attr.args, list) and len(attr.args) == 1 else None
            if attr.form == "doc" and value is not None:
                module.next_modifier = "private" if value == Atom("false") else None
            elif attr.form == "impl" and value is not None:
                module.next_modifier = None if value == Atom("false") else "impl"
            elif attr.form in _ELEMENT_ATTRIBUTES:
                module.parts.append((str(attr.form), t.line, t.column))
            elif attr.form in _IGNORED_ATTRIBUTES or attr.form in self.ignored_attributes:
                pass
            else:
                module.parts.append(("module_attribute", t.line, t.column))
            return True
        if form == "@":
            module.parts.append(("module_attribute", t.line, t.column))
            return True
        if form in _DIRECTIVES and isinstance(args, list):
            module.parts.append((form, t.line, t.column))
            return True
        if form in _DEFS:
            fun = _fun_name(args)
            if fun != module.last_fun:
                module.parts.append((_code_type(form, module.next_modifier), t.line, t.column))
                module.last_fun = fun
                module.next_modifier = None
            return True
        if form == "defmodule":
            module.parts.append(("module", t.line, t.column))
            return True
        return False


def _do_only(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], tuple) and value[0][0] == Atom("do"):
        return value[0][1]
    return None


def _children(t: Any) -> list[Any]:
    if isinstance(t, Q):
        return ([t.form] if isinstance(t.form, Q) else []) + (list(t.args) if isinstance(t.args, list) else [])
    if isinstance(t, list | tuple):
        return list(t)
    return []


@register
class StrictModuleLayout(CredoCheck):
    """Module parts out of the configured `order` (parts in `ignore` may appear anywhere)."""

    name = "Credo.Check.Readability.StrictModuleLayout"
    category = "readability"
    base_priority = "low"
    default_params = {"order": ["shortdoc", "moduledoc", "behaviour", "use", "import", "alias", "require"],
                      "ignore": [], "ignore_module_attributes": []}
    enabled_by_default = False
    summary = "Keep module parts in the configured order."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        order = ["callback_impl" if p == "callback_fun" else p for p in names(ctx.params.get("order"))]
        rank = {part: index for index, part in enumerate(order)}
        ignored = set(names(ctx.params.get("ignore")))
        analyzer = _Analyzer(set(names(ctx.params.get("ignore_module_attributes"))))
        issues: list[Issue] = []
        for module_name, module in analyzer.modules(quoted(ctx.src)):
            current: str | None = None
            for part, line, column in module.parts:
                if part in ignored:
                    continue
                if current is not None and rank.get(current, len(rank)) > rank.get(part, len(rank)):
                    message = f"{_PART_NAMES.get(part, part)} must appear before {_PART_NAMES.get(current, current)}"
                    issues.append(ctx.issue(message, line, trigger=module_name, column=column))
                current = part
        issues.sort(key=lambda i: (i.line_no or 0, i.column or 0))
        yield from issues
