"""Refactor.CyclomaticComplexity: Functions whose cyclomatic complexity exceeds `max_complexity`."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import def_head, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _defs, _line, call_lists, complexity_index


def _def_name(src: SourceFile, call: Node) -> str | None:
    head = def_head(src, call)
    return head[0] if head else None


def _is_using(src: SourceFile, def_call: Node) -> bool:
    """`defmacro __using__(opts) do ... end`, which Credo leaves out."""
    positional, lists = call_lists(def_call)
    if len(positional) + len(lists) != 2 or not positional:
        return False
    head = positional[0]
    if head.type == "identifier":
        return src.node_text(head) == "__using__"
    return head.type == "call" and local_call_name(src, head) == "__using__"


@register
class CyclomaticComplexity(CredoCheck):
    """Functions whose cyclomatic complexity exceeds `max_complexity`.

    The definition counts 1; each if/unless/for/try, each and/or/&&/||, each nested definition
    and each clause of a case/cond adds 1. `defmacro __using__` is left out.
    """

    name = "Credo.Check.Refactor.CyclomaticComplexity"
    category = "refactor"
    base_priority = 0
    default_params = {"max_complexity": 9}
    summary = "Functions should not branch too much."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_cc = int(ctx.params["max_complexity"])
        index = complexity_index(src)
        for call in _defs(src):
            if index.upper_bound(call) <= max_cc:
                continue
            if local_call_name(src, call) == "defmacro" and _is_using(src, call):
                continue
            cc = index.exact(call)
            if cc > max_cc:
                yield ctx.issue(
                    f"Function is too complex (cyclomatic complexity is {cc}, max is {max_cc}).",
                    _line(call),
                    trigger=_def_name(src, call),
                )
