"""Readability.ParenthesesInCondition: `if (cond) do` / `unless(cond) do`: parentheses around the
condition of if/unless."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import call_args, call_target, calls_named, do_block, keyword_pairs, local_call_name, operator
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _text

_DEF_KINDS = frozenset({"def", "defp", "defmacro", "defmacrop", "defguard", "defguardp"})


def _is_def_head(src: SourceFile, call: Node) -> bool:
    """True when the call is the head of a definition (`defmacro if(condition, clauses)`)."""
    node, parent = call, call.parent
    if parent is not None and parent.type == "binary_operator" and operator(src, parent) == "when":
        if parent.child_by_field_name("left") != call:
            return False
        node, parent = parent, parent.parent
    if parent is None or parent.type != "arguments" or not parent.named_children:
        return False
    if parent.named_children[0] != node:
        return False
    owner = parent.parent
    return owner is not None and owner.type == "call" and local_call_name(src, owner) in _DEF_KINDS


@register
class ParenthesesInCondition(CredoCheck):
    """`if (cond) do` / `unless(cond) do`: parentheses around the condition of if/unless."""

    name = "Credo.Check.Readability.ParenthesesInCondition"
    category = "readability"
    base_priority = "high"
    summary = "Do not wrap the condition of if/unless in parentheses."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "if", "unless"):
            args_node = next((c for c in call.named_children if c.type == "arguments"), None)
            if args_node is None:
                continue
            target = call_target(call)
            if target is None:
                continue
            name = _text(src, target)
            if _is_def_head(src, call):
                continue
            first = args_node.children[0] if args_node.children else None
            if first is not None and first.type == "(" and args_node.start_byte == target.end_byte:
                # `if(...)`: flagged unless the parentheses hold the whole call (`if(a, do: b)`)
                if self._has_do_keyword(src, args_node):
                    continue
                parent = call.parent
                if parent is not None and parent.type == "binary_operator" and operator(src, parent) == "|>":
                    if parent.child_by_field_name("right") == call:
                        continue
                yield self._issue(ctx, call, name)
                continue
            args = call_args(call)
            if not args or args[0].type != "block" or _text(src, args[0])[:1] != "(":
                continue
            if do_block(call) is not None or (len(args) > 1 and args[1].type == "keywords"):
                yield self._issue(ctx, call, name)

    @staticmethod
    def _has_do_keyword(src: SourceFile, args_node: Node) -> bool:
        for arg in args_node.named_children:
            if arg.type == "keywords":
                if any(key == "do" for key, _ in keyword_pairs(src, arg)):
                    return True
        return False

    @staticmethod
    def _issue(ctx: CheckContext, call: Node, name: str) -> Issue:
        return ctx.issue(
            f"Condition of `{name}` is wrapped in parentheses; remove them.",
            ctx.src.line_of(call),
            trigger=name,
        )
