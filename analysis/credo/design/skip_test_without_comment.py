"""Design.SkipTestWithoutComment: `@tag :skip` without a comment on the line above saying why."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from .._files_param import matches_files_param
from ..readability.trailing_white_space import masked_lines

_SKIP_TAG = re.compile(r"^\s*@tag :skip\s*$")
_COMMENT = re.compile(r"^\s*#")


@register
class SkipTestWithoutComment(CredoCheck):
    """A `@tag :skip` line in a test file whose previous line is not a comment (literals blanked first)."""

    name = "Credo.Check.Design.SkipTestWithoutComment"
    category = "design"
    base_priority = "normal"
    default_params = {"files": {"included": ["test/**/*_test.exs", "apps/**/test/**/*_test.exs"]}}
    enabled_by_default = False
    summary = "Say in a comment why a test is skipped."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        if not matches_files_param(ctx):
            return
        lines = masked_lines(ctx.src, {"heredoc": " ", "string": " ", "sigil": " ", "charlist": " "})
        previous = ""
        for number, line in enumerate(lines, 1):
            if _SKIP_TAG.match(line) and not _COMMENT.match(previous):
                yield ctx.issue("Tests tagged to be skipped should have a comment preceding the `@tag :skip`.", number, trigger="@tag :skip")
            previous = line
