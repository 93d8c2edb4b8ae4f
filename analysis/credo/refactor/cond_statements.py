"""Refactor.CondStatements: `cond` with at most two clauses, one of them always true: an if/else reads
better."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _line, _named, block_value

# CondStatements

def _always_matches(src: SourceFile, clause: Node) -> bool:
    """A cond clause whose condition is `true` or an underscored variable."""
    if clause.type != "stab_clause":
        return False
    left = clause.child_by_field_name("left")
    if left is None:
        return False
    conds = _named(left)
    if len(conds) != 1:
        return False
    cond = conds[0]
    if cond.type == "boolean":
        return src.node_text(cond) == "true"
    return cond.type == "identifier" and src.node_text(cond).startswith("_")


@register
class CondStatements(CredoCheck):
    """`cond` with at most two clauses, one of them always true: an if/else reads better."""

    name = "Credo.Check.Refactor.CondStatements"
    category = "refactor"
    base_priority = 0
    summary = "A cond needs at least two conditions besides the catch-all `true`; otherwise use if/else."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "cond"):
            clauses = block_value(src, call, "do") or []
            if len(clauses) <= 2 and any(_always_matches(src, c) for c in clauses):
                yield ctx.issue(
                    "Cond has only one real condition besides `true`; write it as if/else.",
                    _line(call),
                    trigger="cond",
                )
