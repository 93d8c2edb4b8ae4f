"""Readability.UnnecessaryAliasExpansion: `alias Foo.{Bar}`: braces around a single module."""

from __future__ import annotations

from collections.abc import Iterator

from ...ast import call_args, calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _text, multi_alias


@register
class UnnecessaryAliasExpansion(CredoCheck):
    """`alias Foo.{Bar}`: braces around a single module."""

    name = "Credo.Check.Readability.UnnecessaryAliasExpansion"
    category = "readability"
    base_priority = "low"
    summary = "Do not use alias braces for a single module."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "alias"):
            args = call_args(call)
            if len(args) != 1:
                continue
            multi = multi_alias(src, args[0])
            if multi is None or len(multi[1]) != 1:
                continue
            child = multi[1][0]
            if child.type != "alias" or "." in _text(src, child):
                continue
            name = _text(src, child)
            yield ctx.issue(
                f"Braces around the single alias `{name}` are not needed; write the full name instead.",
                src.line_of(child),
                trigger=name,
            )
