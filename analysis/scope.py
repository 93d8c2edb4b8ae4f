"""Credo's scopes and scope priorities.

Credo names the innermost `defmodule` or `def` around a line (`Foo.Bar.baz`) and raises
an issue's priority by how "important" that scope looks: a module adds 1 (2 when it holds
five or more definitions) and a function adds 0-3 by its number of parameters, plus its
module's share. These figures feed the `priority` and `scope` fields of the JSON output.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from .ast import FUNCTION_DEFS, call_args, calls_named, def_head, do_block, local_call_name, module_name
from .source import SourceFile

_SCOPE_DEFS = FUNCTION_DEFS | {"defmodule"}
_COUNTED_DEFS = frozenset({"def", "defp", "defmacro"})  # what makes a module "big" (not defmacrop)
_MANY_FUNCTIONS = 5


@dataclass(frozen=True)
class _Scope:
    start_line: int
    end_line: int
    name: str
    priority: int


def _param_priority(count: int) -> int:
    if count == 0:
        return 0
    if count <= 2:
        return 1
    if count <= 4:
        return 2
    return 3


def _enclosing_modules(calls: list[Node], kinds: list[str | None]) -> list[tuple[Node, ...]]:
    """For each of `calls` (definitions and defmodules in source order), the defmodule calls among them
    that enclose it, outermost first.

    One sweep with a stack of open modules instead of climbing every definition's parents (tree-sitter
    finds a node's parent by descending from the root, so a climb costs the depth squared). A definition
    never shares its range with a defmodule (each starts with its own keyword), so a module encloses
    the calls that start inside it, and the trees nest.
    """
    open_modules: list[Node] = []
    out: list[tuple[Node, ...]] = []
    for call, kind in zip(calls, kinds, strict=True):
        start = call.start_byte
        while open_modules and open_modules[-1].end_byte <= start:
            open_modules.pop()
        out.append(tuple(open_modules))
        if kind == "defmodule":
            open_modules.append(call)
    return out


def _module_name(src: SourceFile, defmodule: Node) -> str | None:
    """`module_name`, asked once per module of a file (every definition in it asks again)."""
    names = src.__dict__.setdefault("_module_names", {})
    if defmodule.id not in names:
        names[defmodule.id] = module_name(src, defmodule)
    return names[defmodule.id]


def _module_path(src: SourceFile, outer: tuple[Node, ...], defmodule: Node | None) -> str | None:
    """The nested module name (`Outer.Inner`) of the literal aliases of `outer` modules, plus
    `defmodule`'s own when given; None when none of them is a literal alias."""
    parts = [name for name in (_module_name(src, m) for m in outer) if name]
    own = _module_name(src, defmodule) if defmodule is not None else None
    if own:
        parts.append(own)
    return ".".join(parts) if parts else None


class ScopeIndex:
    """Per-file lookup of Credo scope names and scope priorities by line."""

    def __init__(self, src: SourceFile) -> None:
        self._scopes: list[_Scope] = []
        self._build(src)
        self._by_line: list[_Scope | None] | None = None

    def _build(self, src: SourceFile) -> None:
        if src.root is None:
            return
        calls = calls_named(src, *_SCOPE_DEFS)  # source order, from the per-file index of calls
        kinds = [local_call_name(src, call) for call in calls]
        enclosing = _enclosing_modules(calls, kinds)
        # Definitions (def, defp, defmacro) inside each defmodule, nested ones included.
        def_counts: dict[int, int] = {}
        for kind, outer in zip(kinds, enclosing, strict=True):
            if kind in _COUNTED_DEFS:
                for module in outer:
                    def_counts[module.id] = def_counts.get(module.id, 0) + 1
        own: dict[str, int] = {}
        for call, kind, outer in zip(calls, kinds, enclosing, strict=True):
            if kind == "defmodule":
                name = _module_path(src, outer, call)
                if name is None:
                    continue
                prio = 2 if def_counts.get(call.id, 0) >= _MANY_FUNCTIONS else 1
            else:
                args = call_args(call)
                head = def_head(src, call, args)
                if head is None:
                    continue
                mod = _module_path(src, outer, None)
                name = f"{mod}.{head[0]}" if mod else head[0]
                # Credo only scores definitions with a body (`def f(a), do: ...` or `do ... end`).
                prio = _param_priority(len(head[1])) if len(args) >= 2 or do_block(call) else 0
            start = call.start_point[0] + 1
            end = call.end_point[0] + 1
            own[name] = own.get(name, 0) + prio
            self._scopes.append(_Scope(start, end, name, prio))
        # Function scopes inherit their module's priority, as in Credo.Priority.scope_priorities.
        resolved: list[_Scope] = []
        for s in self._scopes:
            total = own[s.name]
            last = s.name.rsplit(".", 1)
            if len(last) == 2 and last[1][:1].islower():
                total += own.get(last[0], 0)
            resolved.append(_Scope(s.start_line, s.end_line, s.name, total))
        self._scopes = sorted(resolved, key=lambda s: (s.start_line, -s.end_line))

    def scope_at(self, line_no: int) -> _Scope | None:
        """Innermost scope containing the line, or None outside any module or def."""
        if self._by_line is None:
            # Scopes nest, so painting them in order of their first line leaves the innermost one
            # on each line; one pass (a slice assignment per scope) instead of a search per issue.
            by_line: list[_Scope | None] = [None] * (max((s.end_line for s in self._scopes), default=0) + 1)
            for scope in self._scopes:
                by_line[scope.start_line : scope.end_line + 1] = [scope] * (scope.end_line + 1 - scope.start_line)
            self._by_line = by_line
        return self._by_line[line_no] if 0 <= line_no < len(self._by_line) else None

    def name_at(self, line_no: int) -> str | None:
        """Credo's scope name for the line (`Foo.Bar.baz`), or None."""
        s = self.scope_at(line_no)
        return s.name if s else None

    def priority_at(self, line_no: int) -> int:
        """Priority adjustment Credo adds for an issue on this line."""
        s = self.scope_at(line_no)
        return s.priority if s else 0
