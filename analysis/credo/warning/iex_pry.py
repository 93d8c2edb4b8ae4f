"""Warning.IExPry: Calls to `IEx.pry`, a breakpoint that should not be committed."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _remote


@register
class IExPry(CredoCheck):
    """Calls to `IEx.pry`, a breakpoint that should not be committed."""

    name = "Credo.Check.Warning.IExPry"
    category = "warning"
    base_priority = "high"
    summary = "Remove IEx.pry breakpoints."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call, _fun in _remote(src, "IEx", ("pry",)):
            yield ctx.issue("Found a call to `IEx.pry`; remove this breakpoint.", src.line_of(call),
                            trigger="IEx.pry", column=src.column_of(call))
