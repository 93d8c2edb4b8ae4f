"""Readability.SingleFunctionToBlockPipe: a value piped through at most one call into `case`/`if`."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Q, prewalk, quoted
from .._quoted_terms import is_pipe, pipe_left


def _simple_start(arg: object) -> bool:
    """Credo's `issue?/1`: a variable, a map or a list, optionally piped through one call."""
    if isinstance(arg, Q) and arg.is_var:
        return True
    if isinstance(arg, Q) and arg.form == "%{}":
        return True
    if isinstance(arg, list):
        return True
    if is_pipe(arg):
        first, call = arg.args or [None, None]
        if isinstance(call, Q) and isinstance(call.args, list):
            return (isinstance(first, Q) and (first.is_var or first.form == "%{}")) or isinstance(first, list)
    return False


@register
class SingleFunctionToBlockPipe(CredoCheck):
    """`x |> f() |> case do ... end` and `x |> case do ... end` (longer chains are fine)."""

    name = "Credo.Check.Readability.SingleFunctionToBlockPipe"
    category = "readability"
    base_priority = 0
    enabled_by_default = False
    summary = "Avoid single pipes to a block."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        skip_next = False
        for term in prewalk(quoted(ctx.src)):
            if skip_next:
                skip_next = False
                continue
            if not is_pipe(term):
                continue
            lhs, rhs = term.args or [None, None]
            if is_pipe(lhs) and is_pipe(pipe_left(lhs)):
                skip_next = True  # Credo skips the node after a chain of three or more
                continue
            if isinstance(rhs, Q) and rhs.form in ("case", "if") and _simple_start(lhs):
                yield ctx.issue("Avoid single pipes to a block", term.line)
