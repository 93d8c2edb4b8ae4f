"""Readability.BlockPipe: piping into a block (`|> case do ... end`)."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, quoted
from .._quoted_terms import is_pipe, names, prewalk_skipping


@register
class BlockPipe(CredoCheck):
    """A pipe whose right side is a macro call taking only a `do` block; macros in `exclude` are allowed."""

    name = "Credo.Check.Readability.BlockPipe"
    category = "readability"
    base_priority = 0
    default_params = {"exclude": []}
    enabled_by_default = False
    summary = "Use a variable or a function instead of piping into a block."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        excluded = set(names(ctx.params.get("exclude")))
        reported: list[Q] = []

        def into_block(t: object) -> bool:
            if not is_pipe(t):
                return False
            rhs = (t.args or [None, None])[1]
            if not (isinstance(rhs, Q) and isinstance(rhs.form, str) and isinstance(rhs.args, list)):
                return False
            if len(rhs.args) != 1 or not isinstance(rhs.args[0], list) or not rhs.args[0]:
                return False
            first = rhs.args[0][0]
            if not (isinstance(first, tuple) and first[0] == Atom("do")) or rhs.form in excluded:
                return False
            reported.append(t)  # type: ignore[arg-type]
            return True

        for _ in prewalk_skipping(quoted(ctx.src), into_block):
            pass
        for pipe in reported:
            yield ctx.issue("Use a variable or create a new function instead of piping to a block", pipe.line,
                            trigger="|>")
