"""Readability.ImplTrue: `@impl true` instead of naming the behaviour."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from .trailing_white_space import masked_lines


@register
class ImplTrue(CredoCheck):
    """A line that is just `@impl true` (heredoc contents do not count)."""

    name = "Credo.Check.Readability.ImplTrue"
    category = "readability"
    base_priority = "normal"
    enabled_by_default = False
    summary = "Name the behaviour: `@impl MyBehaviour` instead of `@impl true`."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for number, line in enumerate(masked_lines(ctx.src, {"heredoc": " "}, fill_empty=True), 1):
            if line.strip() == "@impl true":
                yield ctx.issue("@impl true should be @impl MyBehaviour", number, trigger="@impl true")
