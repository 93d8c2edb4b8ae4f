"""Consistency.LineEndings: Unix (`\n`) or Windows (`\r\n`) line endings, the same in every file."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ...checks import CheckContext, register
from ...issues import Issue
from ._helpers import ConsistencyCheck, FileStyles


@register
class LineEndings(ConsistencyCheck):
    """Unix (`\\n`) or Windows (`\\r\\n`) line endings, the same in every file.

    Every line but the last counts as `windows` when it ends in `\\r`, else `unix`; a file with
    lines of the other kind gets one issue, at its first such line.
    """

    name = "Credo.Check.Consistency.LineEndings"
    summary = "Use the same line endings in every file."

    def collect(self, ctx: CheckContext) -> FileStyles:
        # every line but the last ends at a "\n"; a Windows one has "\r" before it
        text = ctx.src.text
        windows = text.count("\r\n")
        return FileStyles(ctx, Counter({"windows": windows, "unix": text.count("\n") - windows}))

    def issues_for(self, expected: Any, found: FileStyles) -> Iterator[Issue]:
        for line_no, line in enumerate(found.ctx.src.lines, 1):
            if ("windows" if line.endswith("\r") else "unix") != expected:
                if expected == "unix":
                    message, trigger = "This file uses Windows line endings; most files use Unix ones.", "\r\n"
                else:
                    message, trigger = "This file uses Unix line endings; most files use Windows ones.", "\n"
                issue = found.ctx.issue(message, line_no, trigger=trigger)
                yield dataclasses.replace(issue, column=None, column_end=None)
                return
