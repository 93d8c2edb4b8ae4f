"""Consistency.ExceptionNames: Exception modules share one naming scheme: a common suffix (`...Error`)
or prefix (`Invalid...`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from ...ast import call_args, calls_named, do_block, keyword_pairs, local_call_name
from ...checks import CheckContext, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import ConsistencyCheck, FileStyles

_PASCAL_WORD = re.compile(r"[A-Z][^A-Z]*")
# `__MODULE__.Error` is an alias to Elixir (`{:__aliases__, _, [{:__MODULE__, ...}, :Error]}`), so Credo
# counts such modules; tree-sitter reads it as a dot
_MODULE_RELATIVE = re.compile(r"__MODULE__(\.[A-Z]\w*)+")


def _module_name(src: SourceFile, name: Node) -> bool:
    """Whether a defmodule's name is an alias as Credo matches it (`A.B`, `__MODULE__.B`)."""
    return name.type == "alias" or (name.type == "dot" and _MODULE_RELATIVE.fullmatch(
        "".join(src.node_text(name).split())) is not None)


def _module_body(src: SourceFile, defmodule: Node) -> list[Node]:
    block = do_block(defmodule)
    if block is not None:
        return [c for c in block.named_children if c.type != "comment"]
    args = call_args(defmodule)
    if len(args) > 1 and args[-1].type == "keywords":
        for key, value in keyword_pairs(src, args[-1]):
            if key == "do":
                return [value]
    return []


def _name_parts(name: str) -> tuple[str, str]:
    """First and last word of a module's last segment split at capitals (`HTTPError` -> `H`, `Error`)."""
    last = name.split(".")[-1]
    words = [w.strip() for w in _PASCAL_WORD.sub(lambda m: " " + m.group(0), last).split()]
    if not words:
        return last, last
    return words[0], words[-1]


@register
class ExceptionNames(ConsistencyCheck):
    """Exception modules share one naming scheme: a common suffix (`...Error`) or prefix (`Invalid...`).

    Every module whose body calls `defexception` votes for its first and last PascalCase word;
    the most common prefix or suffix is the rule and the exceptions without it are reported.
    """

    name = "Credo.Check.Consistency.ExceptionNames"
    default_params = {}
    summary = "Name exception modules with a common prefix or suffix."

    def collect(self, ctx: CheckContext) -> FileStyles:
        src = ctx.src
        found: list[tuple[Node, str, str, str]] = []
        for mod in calls_named(src, "defmodule"):
            args = call_args(mod)
            if not args or not _module_name(src, args[0]):
                continue
            body = _module_body(src, mod)
            if not any(n.type == "call" and local_call_name(src, n) == "defexception" for n in body):
                continue
            name = src.node_text(args[0])
            prefix, suffix = _name_parts(name)
            found.append((mod, name, prefix, suffix))
        counts: Counter[Any] = Counter()
        for _, _, prefix, suffix in found:
            counts[("prefix", prefix)] += 1
            counts[("suffix", suffix)] += 1
        return FileStyles(ctx, counts, found)

    def forced_style(self, params: Any) -> Any:
        return None

    def issues_for(self, expected: Any, found: FileStyles) -> Iterator[Issue]:
        src = found.ctx.src
        kind, value = expected
        for mod, name, prefix, suffix in found.data:
            if (prefix if kind == "prefix" else suffix) == value:
                continue
            if kind == "prefix":
                message = f"Exception modules should be named consistently: most start with `{value}`, `{name}` does not."
            else:
                message = f"Exception modules should be named consistently: most end in `{value}`, `{name}` does not."
            yield found.ctx.issue(message, src.line_of(mod), trigger=name)
