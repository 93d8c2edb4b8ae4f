"""Warning.Dbg: Calls to `dbg` (local, `Kernel.dbg`, piped or captured), debugging output that should
not be committed."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import call_args, calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _remote, bare_identifiers, op_text


@register
class Dbg(CredoCheck):
    """Calls to `dbg` (local, `Kernel.dbg`, piped or captured), debugging output that should not be committed."""

    name = "Credo.Check.Warning.Dbg"
    category = "warning"
    base_priority = "high"
    default_params = {"allow_captures": False}
    summary = "Remove dbg calls left over from debugging."

    _MESSAGE = "Found a call to `dbg`; remove this debugging output."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        found: list[tuple[int, Node, str]] = []
        for call in calls_named(src, "dbg"):
            # dbg/0..2 by name (a definition head of that arity counts too, as in Credo); `@dbg` is an attribute
            if len(call_args(call)) <= 2 and not self._is_attribute(src, call):
                found.append((call.start_byte, call, "dbg"))
        for module in ("Kernel", "Elixir.Kernel"):
            for call, _fun in _remote(src, module, ("dbg",)):
                found.append((call.start_byte, call, f"{module}.dbg"))
        allow_captures = bool(ctx.params.get("allow_captures"))
        for node in bare_identifiers(src, "dbg", captures=not allow_captures):
            found.append((node.start_byte, node, "dbg"))  # `x |> dbg`, `&dbg/1`
        for _pos, node, trigger in sorted(found, key=lambda t: t[0]):
            yield ctx.issue(self._MESSAGE, src.line_of(node), trigger=trigger, column=src.column_of(node))

    @staticmethod
    def _is_attribute(src: SourceFile, call: Node) -> bool:
        parent = call.parent
        return parent is not None and parent.type == "unary_operator" and op_text(src, parent) == "@"
