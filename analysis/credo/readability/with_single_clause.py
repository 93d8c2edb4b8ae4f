"""Readability.WithSingleClause: `with` that has a single `<-` clause and an `else`: that is a `case`."""

from __future__ import annotations

from collections.abc import Iterator

from ...ast import call_args, calls_named, do_block, local_call_name, operator
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from .._shared import body_nodes, keyword_block


@register
class WithSingleClause(CredoCheck):
    """`with` that has a single `<-` clause and an `else`: that is a `case`."""

    name = "Credo.Check.Readability.WithSingleClause"
    category = "readability"
    base_priority = 0
    summary = "A `with` with one `<-` clause and an `else` should be a `case`."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "with"):
            args = call_args(call)
            clauses = args
            if do_block(call) is None:
                if not args or args[-1].type != "keywords":
                    continue
                clauses = args[:-1]
            if not clauses:
                continue
            if keyword_block(src, call, "else") is None or not body_nodes(src, call) and do_block(call) is None:
                continue
            if any(c.type == "call" and local_call_name(src, c) == "unquote_splicing" for c in clauses):
                continue
            arrows = sum(1 for c in clauses if c.type == "binary_operator" and operator(src, c) == "<-")
            if arrows <= 1:
                yield ctx.issue(
                    "`with` has a single `<-` clause and an `else` branch; use `case` instead.",
                    src.line_of(call),
                    trigger="with",
                )
