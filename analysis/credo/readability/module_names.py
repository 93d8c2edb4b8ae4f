"""Readability.ModuleNames: Module names with a segment that is not PascalCase."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...ast import call_args, calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import alias_parts, ignore_matches

_PASCAL = re.compile(r"^[A-Z][a-zA-Z0-9]*$")


@register
class ModuleNames(CredoCheck):
    """Module names with a segment that is not PascalCase."""

    name = "Credo.Check.Readability.ModuleNames"
    category = "readability"
    base_priority = "high"
    default_params = {"ignore": []}
    summary = "Module names should be PascalCase."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "defmodule"):
            args = call_args(call)
            if not args:
                continue
            parts = alias_parts(src, args[0])
            if parts is None:
                continue
            name = ".".join(p for p in parts if p != "__MODULE__")
            if all(_PASCAL.match(p) for p in name.split(".")):
                continue
            if ignore_matches(name, ctx.params.get("ignore"), exact=True):
                continue
            yield ctx.issue(
                f"Module name `{name}` is not PascalCase; write module names in PascalCase.",
                src.line_of(args[0]),
                trigger=name,
            )
