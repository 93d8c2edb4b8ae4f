"""Refactor.FunctionArity: Functions taking more than `max_arity` parameters (defp skipped with
`ignore_defp`)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import calls_named, def_head
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import DEF_OPS, START, _line, args_of

# FunctionArity

def _quick_arity(def_call: Node, max_arity: int) -> int:
    """An upper bound of a definition's parameter count, read without decoding any text."""
    args = args_of(def_call)
    if args is None or not args.named_child_count:
        return 0
    head = args.named_child(0)
    if head.end_byte - head.start_byte < 2 * max_arity + 4:  # too short for more than max_arity parameters
        return 0
    if head.type == "binary_operator":
        left = head.child_by_field_name("left")
        if left is None or left.type != "call":
            return 2
        head = left
    if head.type != "call":
        return 2
    params = args_of(head)
    return params.named_child_count if params is not None else 0


@register
class FunctionArity(CredoCheck):
    """Functions taking more than `max_arity` parameters (defp skipped with `ignore_defp`)."""

    name = "Credo.Check.Refactor.FunctionArity"
    category = "refactor"
    base_priority = 0
    default_params = {"max_arity": 8, "ignore_defp": False}
    summary = "Functions should not take too many parameters."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_arity = int(ctx.params["max_arity"])
        kinds = ("def", "defmacro") if ctx.params.get("ignore_defp") else DEF_OPS
        data = src.data
        for call in sorted((c for kind in kinds for c in calls_named(src, kind)), key=START):
            start = call.start_byte
            eol = data.find(b"\n", start)
            first_line = data[start:eol] if eol >= 0 else data[start:]
            if (first_line.count(b",") < max_arity and first_line.count(b"(") == first_line.count(b")")
                    and not first_line.rstrip().endswith((b",", b"\\"))):
                continue  # the whole head is on this line and has too few commas
            if _quick_arity(call, max_arity) <= max_arity:
                continue
            head = def_head(src, call)
            if head is None:
                continue
            arity = len(head[1])
            if arity > max_arity:
                yield ctx.issue(
                    f"Function takes too many parameters (arity is {arity}, max is {max_arity}).",
                    _line(call),
                    trigger=head[0],
                )
