"""Readability.PreferImplicitTry: A function whose whole body is one `try`: the function itself can
`rescue`."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import call_args, calls_named, do_block, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from .._shared import body_nodes


@register
class PreferImplicitTry(CredoCheck):
    """A function whose whole body is one `try`: the function itself can `rescue`."""

    name = "Credo.Check.Readability.PreferImplicitTry"
    category = "readability"
    base_priority = "low"
    summary = "Use the implicit try of a function body instead of wrapping it in `try`."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for try_call in calls_named(src, "try"):
            call = self._enclosing_def(src, try_call)
            if call is None:
                continue
            args = call_args(call)
            block = do_block(call)
            if block is not None:
                if len(args) != 1 or any(
                    c.type in ("else_block", "rescue_block", "catch_block", "after_block") for c in block.named_children
                ):
                    continue
            elif len(args) != 2 or args[1].type != "keywords" or len(args[1].named_children) != 1:
                continue
            if args[0].type not in ("identifier", "call", "binary_operator", "unary_operator"):
                continue
            body = body_nodes(src, call)
            if len(body) == 1 and body[0] == try_call:
                yield ctx.issue(
                    "The function body is a single `try`; drop it and let the function rescue directly.",
                    src.line_of(try_call),
                    trigger="try",
                )

    @staticmethod
    def _enclosing_def(src: SourceFile, try_call: Node) -> Node | None:
        """The def/defp/defmacro whose `do` body directly holds this `try`, if any."""
        parent = try_call.parent
        if parent is None:
            return None
        if parent.type == "do_block":
            owner = parent.parent
        elif parent.type == "pair":
            keywords = parent.parent
            args = keywords.parent if keywords is not None else None
            owner = args.parent if args is not None else None
        else:
            return None
        if owner is not None and owner.type == "call" and local_call_name(src, owner) in ("def", "defp", "defmacro"):
            return owner
        return None
