"""Warning.UnsafeExec: `:os.cmd/1,2` and `:erlang.open_port({:spawn, cmd}, opts)`, which run a shell
command string."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import call_args
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _remote, _text

# --------------------------------------------------------------------- security


@register
class UnsafeExec(CredoCheck):
    """`:os.cmd/1,2` and `:erlang.open_port({:spawn, cmd}, opts)`, which run a shell command string."""

    name = "Credo.Check.Warning.UnsafeExec"
    category = "warning"
    base_priority = "high"
    summary = "Run external programs with System.cmd/2,3, not through a shell string."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        found: list[tuple[Node, str, str]] = []
        for call, _fun in _remote(src, ":os", ("cmd",)):
            n = len(call_args(call))
            if n in (1, 2):
                found.append((call, f":os.cmd/{n}", "System.cmd/2,3"))
        for call, _fun in _remote(src, ":erlang", ("open_port",)):
            args = call_args(call)
            if len(args) == 2 and self._spawn_tuple(src, args[0]):
                found.append((call, ":erlang.open_port/2 with `:spawn`", ":erlang.open_port/2 with `:spawn_executable`"))
        for call, bad, good in sorted(found, key=lambda t: t[0].start_byte):
            yield ctx.issue(f"{bad} runs a shell command string, open to command injection; use {good} instead.",
                            src.line_of(call), trigger=bad)

    @staticmethod
    def _spawn_tuple(src: SourceFile, node: Node) -> bool:
        if node.type != "tuple":
            return False
        items = [c for c in node.named_children if c.type != "comment"]
        return len(items) == 2 and items[0].type == "atom" and _text(src, items[0]) == ":spawn"
