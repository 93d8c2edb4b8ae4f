"""Warning.RaiseInsideRescue: `raise` inside a `rescue` clause, which throws away the original
stacktrace (use `reraise`)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import ancestors, call_args, calls_named, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import bare_identifiers

_DEF_OPS = frozenset({"def", "defp", "defmacro", "defmacrop"})


# --------------------------------------------------------------------- rescue


@register
class RaiseInsideRescue(CredoCheck):
    """`raise` inside a `rescue` clause, which throws away the original stacktrace (use `reraise`)."""

    name = "Credo.Check.Warning.RaiseInsideRescue"
    category = "warning"
    base_priority = 0
    summary = "Use reraise, not raise, inside rescue blocks."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        nodes = list(calls_named(src, "raise"))
        nodes.extend(bare_identifiers(src, "raise"))  # `x |> raise`, `&raise/1`
        nodes.sort(key=lambda n: n.start_byte)
        for node in nodes:
            for _ in range(self._rescue_depth(src, node)):
                yield ctx.issue("Found `raise` in a rescue block; use `reraise` to keep the original stacktrace.",
                                src.line_of(node), trigger="raise", column=src.column_of(node))

    @staticmethod
    def _rescue_depth(src: SourceFile, node: Node) -> int:
        """How many times Credo's walk finds this raise inside a rescue block.

        Every `try ... rescue` counts, and so does the implicit rescue of a definition written
        `def ... do ... rescue ... end`; the `do` part of such a definition is never searched.
        """
        count = 0
        child = node
        for anc in ancestors(node):
            if anc.type == "rescue_block" and anc.parent is not None and anc.parent.type == "do_block":
                owner = anc.parent.parent
                if owner is not None and owner.type == "call" and local_call_name(src, owner) == "try":
                    count += 1
            elif anc.type == "do_block" and anc.parent is not None and anc.parent.type == "call":
                owner = anc.parent
                if local_call_name(src, owner) in _DEF_OPS and len(call_args(owner)) == 1:
                    kinds = [c.type for c in anc.named_children if c.type.endswith("_block")]
                    if kinds == ["rescue_block"]:
                        if child.type == "rescue_block":
                            count += 1
                        else:
                            count = 0  # Credo skips the do part of a def with an implicit rescue
            child = anc
        return count
