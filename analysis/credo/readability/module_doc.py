"""Readability.ModuleDoc: Modules without a `@moduledoc` (or with an empty one); `.exs` files and
exceptions are skipped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from ...ast import call_args, calls_named, local_call_name, operator
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ...terms import Regex
from .._shared import body_nodes
from ._helpers import _text, alias_parts, ignore_matches

_MODULEDOC_IGNORE_NAMES = Regex(
    r"(\.\w+Controller|\.Endpoint|\.\w+Live(\.\w+)?|\.Repo|\.Router|\.\w+Socket|\.\w+View|\.\w+HTML|\.\w+JSON"
    r"|\.Telemetry|\.Layouts|\.Mailer)$"
)


def _attribute_value(src: SourceFile, module: Node, attr: str) -> tuple[bool, Node | None]:
    """(found, value node) of the last `@attr value` inside a module node, nested modules included."""
    found, value = False, None
    for call in calls_named(src, attr):
        if call.start_byte < module.start_byte or call.end_byte > module.end_byte:
            continue
        parent = call.parent
        if parent is None or parent.type != "unary_operator" or operator(src, parent) != "@":
            continue
        args = call_args(call)
        if len(args) == 1:
            found, value = True, args[0]
    return found, value


def _plain_string(src: SourceFile, node: Node) -> str | None:
    """The text of a string literal without interpolation, or None for anything else."""
    if node.type != "string":
        return None
    if any(c.type == "interpolation" for c in node.named_children):
        return None
    return "".join(_text(src, c) for c in node.named_children if c.type in ("quoted_content", "escape_sequence"))


@register
class ModuleDoc(CredoCheck):
    """Modules without a `@moduledoc` (or with an empty one); `.exs` files and exceptions are skipped."""

    name = "Credo.Check.Readability.ModuleDoc"
    category = "readability"
    base_priority = 0
    default_params = {
        "ignore_names": [_MODULEDOC_IGNORE_NAMES],
        "ignore_modules_using": ["Credo.Check", "Ecto.Schema", "Phoenix.LiveView", Regex(r"\.Web$")],
    }
    summary = "Every module should have a @moduledoc (or `@moduledoc false`)."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        if src.filename.endswith(".exs"):
            return
        ignored: list[tuple[int, int]] = []
        for call in calls_named(src, "defmodule"):
            if any(s <= call.start_byte and call.end_byte <= e for s, e in ignored):
                continue
            args = call_args(call)
            parts = alias_parts(src, args[0]) if args else None
            if parts is None:
                # `defmodule unquote(name)`, `defmodule name` in a quote, or a `defmacro defmodule(...)`
                # head: Credo reports none of these (real Credo yields nothing for them on Elixir's lib).
                continue
            mod_name = ".".join(parts)
            if ignore_matches(mod_name, ctx.params.get("ignore_names"), exact=False) or self._uses_ignored(
                src, call, ctx.params.get("ignore_modules_using")
            ):
                ignored.append((call.start_byte, call.end_byte))
                continue
            found, value = _attribute_value(src, call, "moduledoc")
            if not found:
                if self._is_exception(src, call):
                    continue
                yield ctx.issue(
                    f"Module `{mod_name}` has no @moduledoc; document it or add `@moduledoc false`.",
                    src.line_of(call),
                    trigger=mod_name,
                )
                continue
            text = _plain_string(src, value) if value is not None else None
            if text is not None and text.strip() == "":
                yield ctx.issue(
                    f"Module `{mod_name}` has an empty @moduledoc; use `@moduledoc false` to skip documentation.",
                    src.line_of(call),
                    trigger=mod_name,
                )

    @staticmethod
    def _is_exception(src: SourceFile, module: Node) -> bool:
        return any(
            module.start_byte <= c.start_byte and c.end_byte <= module.end_byte
            for c in calls_named(src, "defexception")
        )

    @staticmethod
    def _uses_ignored(src: SourceFile, module: Node, patterns: Any) -> bool:
        if not patterns:
            return False
        for stmt in body_nodes(src, module):
            if stmt.type == "call" and local_call_name(src, stmt) == "use":
                args = call_args(stmt)
                parts = alias_parts(src, args[0]) if args else None
                if parts and ignore_matches(".".join(parts), patterns, exact=False):
                    return True
        return False
