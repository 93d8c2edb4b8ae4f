"""Readability.PipeIntoAnonymousFunctions: `x |> (fn y -> ... end).()`: piping into an anonymous
function call."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...ast import call_target
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from .._shared import pipes

_FN_CALL_END = re.compile(rb"end\s*\)\s*\.\s*\(")


@register
class PipeIntoAnonymousFunctions(CredoCheck):
    """`x |> (fn y -> ... end).()`: piping into an anonymous function call."""

    name = "Credo.Check.Readability.PipeIntoAnonymousFunctions"
    category = "readability"
    base_priority = "low"
    summary = "Do not pipe into anonymous functions; use a named function or `then/2`."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        if not _FN_CALL_END.search(src.data):
            return  # no `(fn ... end).(` anywhere
        for pipe in pipes(src):
            right = pipe.child_by_field_name("right")
            if right is None or right.type != "call":
                continue
            target = call_target(right)
            if target is None or target.type != "dot" or target.child_by_field_name("right") is not None:
                continue
            left = target.child_by_field_name("left")
            while left is not None and left.type == "block" and left.named_child_count == 1:
                left = left.named_children[0]
            if left is None or left.type != "anonymous_function":
                continue
            op = pipe.child_by_field_name("operator")
            anchor = op if op is not None else pipe
            yield ctx.issue(
                "Piping into an anonymous function call; extract a named function instead.",
                src.line_of(anchor),
                trigger="|>",
                column=src.column_of(anchor),
            )
