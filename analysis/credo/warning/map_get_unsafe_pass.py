"""Warning.MapGetUnsafePass: `Map.get/2` piped into an `Enum` function: a missing key gives nil, which
Enum cannot take."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import call_args, remote_call
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _unparen, binops, op_text


@register
class MapGetUnsafePass(CredoCheck):
    """`Map.get/2` piped into an `Enum` function: a missing key gives nil, which Enum cannot take."""

    name = "Credo.Check.Warning.MapGetUnsafePass"
    category = "warning"
    base_priority = "normal"
    enabled_by_default = False
    summary = "Give Map.get a default before piping its result into Enum."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for pipe in binops(src).get("|>", ()):
            steps = self._unpipe(src, pipe)
            for idx, step in enumerate(steps[:-1]):
                if step.type != "call" or remote_call(src, step) != ("Map", "get"):
                    continue
                required = 3 if idx == 0 else 2
                if len(call_args(step)) == required:
                    continue
                nxt = steps[idx + 1]
                rc = remote_call(src, nxt) if nxt.type == "call" else None
                if rc is not None and rc[0] == "Enum":
                    target = step.child_by_field_name("target")
                    yield ctx.issue("Map.get/2 returns nil for a missing key, which breaks the next step of the pipe; "
                                    "give a default with Map.get/3.", src.line_of(target or step), trigger="Map.get",
                                    column=src.column_of(step))

    @staticmethod
    def _unpipe(src: SourceFile, node: Node) -> list[Node]:
        node = _unparen(node)
        if node.type == "binary_operator" and op_text(src, node) == "|>":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                return MapGetUnsafePass._unpipe(src, left) + MapGetUnsafePass._unpipe(src, right)
        return [node]
