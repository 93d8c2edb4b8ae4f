"""Refactor.UtcNowTruncate: `DateTime.utc_now() |> DateTime.truncate(unit)` instead of `utc_now(unit)`."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Q, prewalk, quoted
from .._quoted_terms import is_pipe, pipe_left, pipe_right, remote


@register
class UtcNowTruncate(CredoCheck):
    """`(Naive)DateTime.truncate` applied to `(Naive)DateTime.utc_now`, nested or piped."""

    name = "Credo.Check.Refactor.UtcNowTruncate"
    category = "refactor"
    base_priority = "high"
    enabled_by_default = False
    summary = "Pass the time unit to utc_now instead of truncating its result."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for term in prewalk(quoted(ctx.src)):
            for module in ("DateTime", "NaiveDateTime"):
                line = self._line(term, module)
                if line is not None:
                    yield ctx.issue(
                        f"Pass time unit to `{module}.utc_now` instead of composing with `{module}.truncate/2`.",
                        line, trigger=f"{module}.truncate",
                    )

    @staticmethod
    def _line(term: object, module: str) -> int | None:
        def utc_now(t: object) -> bool:
            return remote(t) == (module, "utc_now")

        if not isinstance(term, Q):
            return None
        if remote(term) == (module, "truncate") and isinstance(term.args, list) and len(term.args) == 2:
            head = pipe_left(term)
            if utc_now(head) or (is_pipe(head) and utc_now(pipe_right(head))):
                return term.form.line  # type: ignore[union-attr]
        if is_pipe(term):
            lhs, rhs = term.args or [None, None]
            if remote(rhs) == (module, "truncate") and len(rhs.args or []) == 1:
                if utc_now(lhs) or (is_pipe(lhs) and utc_now(pipe_right(lhs))):
                    return rhs.form.line  # type: ignore[union-attr]
        return None
