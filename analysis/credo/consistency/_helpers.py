"""Helpers shared by several Consistency checks."""

from __future__ import annotations

import operator as operator_module
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from ...checks import CheckContext, CredoCheck
from ...issues import Issue
from ...source import SourceFile


def _force(params: Any) -> str | None:
    """The `force:` param as a plain style name (`:before` and "before" both give "before")."""
    value = params.get("force") if params else None
    if value is None or value is False or value == "":
        return None
    return str(value).lstrip(":")


def expected_style(counts: Counter[Any], forced: Any) -> Any:
    """The style to enforce: the forced one, else the most frequent (ties go to the lowest key)."""
    if forced is not None:
        return forced
    best = max(counts.values())
    return min(k for k, v in counts.items() if v == best)


@dataclass
class FileStyles:
    """What a collector found in one file: style counts, and whatever it needs to locate issues later."""

    ctx: CheckContext
    counts: Counter[Any]
    data: Any = field(default=None)


class ConsistencyCheck(CredoCheck):
    """Shared driver: collect per file, total, pick the expected style, report the other files' occurrences."""

    category = "consistency"
    base_priority = "high"
    default_params = {"force": None}

    def collect(self, ctx: CheckContext) -> FileStyles:
        """Style counts of one file."""
        raise NotImplementedError

    def needs_collecting(self, ctx: CheckContext) -> bool:
        """Whether this file alone makes the project's styles worth counting (when no file does, the
        check can have no issue and skips the count); every file does unless a check says otherwise."""
        return True

    def issues_for(self, expected: Any, found: FileStyles) -> Iterable[Issue]:
        """Issues in a file that uses a style other than `expected`."""
        raise NotImplementedError

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        """A single file on its own is a project of one file."""
        yield from self.run_project([ctx])

    def run_project(self, contexts: list[CheckContext]) -> Iterator[Issue]:
        per_file = [self.collect(ctx) for ctx in contexts]
        total: Counter[Any] = Counter()
        for found in per_file:
            total.update(found.counts)
        total = Counter({k: v for k, v in total.items() if v > 0})
        if not total:
            return
        expected = expected_style(total, self.forced_style(contexts[0].params))
        for found in per_file:
            if any(style != expected and n > 0 for style, n in found.counts.items()):
                yield from self.issues_for(expected, found)

    def forced_style(self, params: Any) -> Any:
        """The style named by `force:`, if any."""
        return _force(params)


# --- literal masking shared by the text-based collectors --------------------------------------------

LITERAL_TYPES = ("string", "charlist", "sigil", "quoted_atom")


START_BYTE = operator_module.attrgetter("start_byte")


def is_heredoc(node: Node) -> bool:
    return any(not c.is_named and c.type in ('"""', "'''") for c in node.children)


def literal_spans(src: SourceFile) -> list[tuple[int, int, str]]:
    """(content start, content end, kind) byte spans of the outermost literals, in source order; cached."""
    cached = getattr(src, "_consistency_literal_spans", None)
    if cached is not None:
        return cached
    nodes = sorted((n for t in LITERAL_TYPES for n in src.by_type(t)), key=START_BYTE)
    spans: list[tuple[int, int, str]] = []
    end = -1
    for node in nodes:
        if node.start_byte < end:
            continue
        end = node.end_byte
        delims = [c for c in node.children if not c.is_named and c.type != "~"]
        if len(delims) < 2:
            continue
        kind = "heredoc" if is_heredoc(node) else node.type
        spans.append((delims[0].end_byte, delims[-1].start_byte, kind))
    src._consistency_literal_spans = spans  # type: ignore[attr-defined]
    return spans
