"""Refactor.RedundantWithClauseResult: `with` (no else) whose body just returns the pattern of its
last clause."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _line, is_arrow, unparen, with_parts


def _squash(src: SourceFile, node: Node) -> str:
    return "".join(src.node_text(unparen(node)).split())


@register
class RedundantWithClauseResult(CredoCheck):
    """`with` (no else) whose body just returns the pattern of its last clause."""

    name = "Credo.Check.Refactor.RedundantWithClauseResult"
    category = "refactor"
    base_priority = "high"
    summary = "The last with clause is redundant when the body only returns its pattern."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "with"):
            parts = with_parts(src, call)
            if parts is None:
                continue
            clauses, entries = parts
            if any(k == "else" for k, _ in entries) or not clauses:
                continue
            body = next(v for k, v in entries if k == "do")
            last = clauses[-1]
            if len(body) != 1 or not is_arrow(last):
                continue
            pattern = last.child_by_field_name("left")
            if pattern is None or _squash(src, pattern) != _squash(src, body[0]):
                continue
            if any(n.type == "map" for n in src.nodes_of_type("map", node=pattern)):
                continue  # a map pattern may match more than it returns
            message = ("`with` is redundant: its only clause returns what it matches." if len(clauses) == 1
                       else "The last `with` clause is redundant: the body returns what it matches.")
            yield ctx.issue(message, _line(call), trigger="with")
