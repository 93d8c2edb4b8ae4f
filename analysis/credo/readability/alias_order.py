"""Readability.AliasOrder: Aliases in a group (consecutive lines) that are not in alphabetical order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from ...ast import call_args, calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import alias_parts, multi_alias


def _alias_target(src: SourceFile, call: Node) -> Node | None:
    args = call_args(call)
    return args[0] if args else None


@register
class AliasOrder(CredoCheck):
    """Aliases in a group (consecutive lines) that are not in alphabetical order."""

    name = "Credo.Check.Readability.AliasOrder"
    category = "readability"
    base_priority = "low"
    default_params = {"sort_method": "alpha"}
    summary = "Aliases should be sorted alphabetically within their group."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        method = str(ctx.params.get("sort_method", "alpha")).lstrip(":")
        groups: list[list[tuple[tuple[str, int, int], dict[str, Any]]]] = []
        memo: list[tuple[tuple[str, int, int], dict[str, Any]]] = []
        skip_until = -1
        for call in calls_named(src, "alias"):
            if call.start_byte < skip_until:
                continue
            target = _alias_target(src, call)
            if target is None:
                continue
            line = src.line_of(call)
            candidate: tuple[tuple[str, int, int], dict[str, Any]] | None = None
            parts = alias_parts(src, target)
            multi = multi_alias(src, target) if parts is None else None
            if parts is not None:
                full = ".".join(parts)
                meta = {"module": full, "trigger": full, "line": line, "column": src.column_of(target)}
                candidate = ((self._compare(full, method), line, line), meta)
            elif multi is not None and len(call_args(call)) == 1:
                base = alias_parts(src, multi[0])
                if base is None:
                    continue
                inner = []
                for child in multi[1]:
                    child_parts = alias_parts(src, child)
                    if child_parts is None:
                        continue
                    full = ".".join(base + child_parts)
                    child_line = src.line_of(child)
                    inner.append(
                        (
                            (self._compare(full, method), child_line, child_line),
                            {"module": full, "trigger": ".".join(child_parts), "line": child_line,
                             "column": src.column_of(child)},
                        )
                    )
                if not inner:
                    continue
                end_line = call.end_point[0] + 1
                candidate = ((inner[0][0][0], line, end_line), {"multi": inner, "line": line})
            if candidate is None:
                continue
            skip_until = call.end_byte
            if not memo or line != memo[-1][0][2] + 1:
                if memo:
                    groups.append(memo)
                memo = []
            memo.append(candidate)
        if memo:
            groups.append(memo)
        for group in groups:
            for _key, meta in group:
                if "multi" in meta:
                    yield from self._issue(ctx, meta["multi"])  # type: ignore[arg-type]
            yield from self._issue(ctx, group)

    @staticmethod
    def _compare(name: str, method: str) -> str:
        value = name.lower() if method == "alpha" else name
        value = re.sub(r"[{}]", "", value)
        return re.sub(r",.+", "", value)

    def _issue(self, ctx: CheckContext, group: list[tuple[tuple[str, int, int], dict[str, Any]]]) -> Iterator[Issue]:
        ordered = sorted(group, key=lambda c: c[0])
        for actual, expected in zip(group, ordered, strict=True):
            if actual[0] != expected[0]:
                meta = actual[1]
                if "multi" in meta:
                    meta = meta["multi"][0][1]
                yield ctx.issue(
                    f"Alias `{meta['module']}` is out of alphabetical order within its group.",
                    meta["line"],
                    trigger=meta["trigger"],
                    column=meta["column"],
                )
                return
