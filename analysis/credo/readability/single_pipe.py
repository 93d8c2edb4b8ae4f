"""Readability.SinglePipe: a pipeline of one function (`x |> f()`)."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted
from .._quoted_terms import is_pipe, pipe_left


def _zero_arity_call(term: object) -> bool:
    return isinstance(term, Q) and term.args == [] and (isinstance(term.form, str) or term.form.form == ".")


def _has_do_block(term: object) -> bool:
    return isinstance(term, Q) and any(
        isinstance(a, list) and a and isinstance(a[0], tuple) and a[0][0] == Atom("do") for a in term.args or [])


@register
class SinglePipe(CredoCheck):
    """Single pipes; params allow zero-arity calls as the start, and (by default) pipes into blocks."""

    name = "Credo.Check.Readability.SinglePipe"
    category = "readability"
    base_priority = "high"
    default_params = {"allow_0_arity_functions": False, "allow_blocks": True}
    enabled_by_default = False
    summary = "Use a function call when a pipeline is only one function long."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        allow_zero = ctx.params.get("allow_0_arity_functions") is True
        allow_blocks = ctx.params.get("allow_blocks") is not False
        go_on = True  # Credo's `continue`: false right after a pipe, so a chain's inner pipes are skipped
        for term in prewalk(quoted(ctx.src)):
            if is_pipe(term) and is_pipe(pipe_left(term)):
                go_on = False
            elif is_pipe(term) and go_on:
                go_on = False
                lhs, rhs = term.args or [None, None]
                if (allow_zero and _zero_arity_call(lhs)) or (allow_blocks and _has_do_block(rhs)):
                    continue
                yield ctx.issue("Use a function call when a pipeline is only one function long.", term.line,
                                trigger="|>")
            else:
                go_on = True
