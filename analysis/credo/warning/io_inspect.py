"""Warning.IoInspect: Calls to `IO.inspect/1,2`, which are nearly always left over from a debugging session."""

from __future__ import annotations

from collections.abc import Iterator

from ...ast import call_args
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _remote

# --------------------------------------------------------------------- debugging leftovers


@register
class IoInspect(CredoCheck):
    """Calls to `IO.inspect/1,2`, which are nearly always left over from a debugging session."""

    name = "Credo.Check.Warning.IoInspect"
    category = "warning"
    base_priority = "high"
    summary = "Remove IO.inspect calls left over from debugging."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for module in ("IO", "Elixir.IO"):
            for call, _fun in _remote(src, module, ("inspect",)):
                if len(call_args(call)) >= 3:
                    continue
                yield ctx.issue("Found a call to `IO.inspect`; remove this debugging output.", src.line_of(call),
                                trigger=f"{module}.inspect", column=src.column_of(call))
