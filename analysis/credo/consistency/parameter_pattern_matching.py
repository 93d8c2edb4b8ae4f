"""Consistency.ParameterPatternMatching: Where the name goes when a parameter is pattern matched: `%{}
= var` or `var = %{}`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from ...ast import arguments_node, calls_named, do_block, operator
from ...checks import CheckContext, register
from ...issues import Issue
from ._helpers import ConsistencyCheck, FileStyles


@register
class ParameterPatternMatching(ConsistencyCheck):
    """Where the name goes when a parameter is pattern matched: `%{} = var` or `var = %{}`.

    Credo looks at the parameters of `def`/`defp` heads that have a body and no guard: a
    parameter `var = pattern` counts as "before", `pattern = var` as "after" (a variable on
    both sides counts as "before"). The line and trigger are those of the variable.
    """

    name = "Credo.Check.Consistency.ParameterPatternMatching"
    default_params = {"force": None}
    summary = "Put the parameter's name on the same side of its pattern everywhere."

    def collect(self, ctx: CheckContext) -> FileStyles:
        src = ctx.src
        found: list[tuple[str, Node]] = []
        data = src.data
        for call in calls_named(src, "def") + calls_named(src, "defp"):
            args = arguments_node(call)
            if args is None or args.named_child_count == 0:
                continue
            if args.named_child_count < 2 and do_block(call) is None:
                continue  # a bodyless head
            head = args.named_children[0]
            if head.type == "call":
                params_node = arguments_node(head)
                params = params_node.named_children if params_node is not None else []
            elif head.type == "binary_operator" and operator(src, head) not in ("when", None):
                params = head.named_children  # `def a + b`
            else:
                continue  # `def f`, or a guard: Credo's match reads `when` as the name and skips it
            for param in params:
                if param.type != "binary_operator":
                    continue
                op = param.child_by_field_name("operator")
                if op is None or data[op.start_byte : op.end_byte] != b"=":
                    continue
                left, right = param.child_by_field_name("left"), param.child_by_field_name("right")
                if left is not None and left.type == "identifier":
                    found.append(("before", left))
                elif right is not None and right.type == "identifier":
                    found.append(("after", right))
        found.sort(key=lambda f: f[1].start_byte)
        return FileStyles(ctx, Counter(style for style, _ in found), found)

    def issues_for(self, expected: Any, found: FileStyles) -> Iterator[Issue]:
        src = found.ctx.src
        if expected == "before":
            message = "Most files put the variable before the pattern (`var = pattern`); this one puts it after."
        else:
            message = "Most files put the variable after the pattern (`pattern = var`); this one puts it before."
        for style, var in found.data:
            if style != expected:
                yield found.ctx.issue(message, src.line_of(var), trigger=src.node_text(var))
