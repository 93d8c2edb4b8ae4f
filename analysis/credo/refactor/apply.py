"""Refactor.Apply: `apply/2,3` where the function and the argument count are known: call it directly."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import call_args, calls_named, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _line, _named, _op, op_line, unparen

# Apply

def _in_spec(src: SourceFile, node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type == "unary_operator" and _op(parent) == "@":
            inner = _named(parent)
            if inner and inner[0].type == "call" and local_call_name(src, inner[0]) == "spec":
                return True
        parent = parent.parent
    return False


def _has_meta(node: Node) -> bool:
    """Nodes that are three-element tuples (carry metadata) in the Elixir AST."""
    node = unparen(node)
    if node.type == "tuple":
        return len(_named(node)) != 2
    return node.type not in ("integer", "float", "atom", "quoted_atom", "boolean", "nil", "list", "charlist",
                             "keywords", "char") and not (node.type == "string" and not any(
                                 c.type == "interpolation" for c in node.named_children))


def _apply_flagged(src: SourceFile, args: list[Node]) -> bool:
    """Credo's rule: apply(var, [..]) or apply(mod, :atom, [..]), the list not ending in `| tail`."""
    if len(args) == 2:
        fun, arg_list = unparen(args[0]), unparen(args[1])
        fun_ok = fun.type == "identifier"
    elif len(args) == 3:
        fun, arg_list = unparen(args[1]), unparen(args[2])
        fun_ok = fun.type in ("atom", "quoted_atom", "boolean", "nil")
    else:
        return False
    if not fun_ok or arg_list.type not in ("list", "charlist"):
        return False
    elems = _named(arg_list)
    if elems and elems[-1].type == "binary_operator" and _op(elems[-1]) == "|":
        return False
    return True


@register
class Apply(CredoCheck):
    """`apply/2,3` where the function and the argument count are known: call it directly."""

    name = "Credo.Check.Refactor.Apply"
    category = "refactor"
    base_priority = "low"
    summary = "Call functions directly instead of apply/2,3 when the arguments are a literal list."
    _message = "Avoid `apply/2` and `apply/3` when the number of arguments is known; call the function directly."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "apply"):
            if _in_spec(src, call):
                continue
            args = call_args(call)
            parent = call.parent
            if (parent is not None and parent.type == "binary_operator" and _op(parent) == "|>"
                    and parent.child_by_field_name("right") == call):
                left = parent.child_by_field_name("left")
                if left is not None and _has_meta(left):
                    if not _apply_flagged(src, [left, *args]):
                        continue  # Credo stops walking this pipe
                    yield ctx.issue(self._message, op_line(parent), trigger="apply")
            if len(args) == 3 and unparen(args[0]).type == "identifier" and src.node_text(args[0]) == "__MODULE__":
                continue
            if _apply_flagged(src, args):
                yield ctx.issue(self._message, _line(call), trigger="apply")
