"""Refactor.IoPuts: `IO.puts` calls, which in application code should usually be Logger calls."""

from __future__ import annotations

from collections.abc import Iterator

from ...ast import remote_call, remote_calls_to
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _line


@register
class IoPuts(CredoCheck):
    """`IO.puts` calls, which in application code should usually be Logger calls."""

    name = "Credo.Check.Refactor.IoPuts"
    category = "refactor"
    base_priority = 0
    enabled_by_default = False
    summary = "Prefer Logger over IO.puts in application code."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in remote_calls_to(src, "IO"):
            if remote_call(src, call) == ("IO", "puts"):
                yield ctx.issue("There should be no calls to `IO.puts/1`; use Logger.", _line(call), trigger="IO.puts")
