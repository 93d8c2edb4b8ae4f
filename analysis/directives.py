"""Inline `# credo:` comments that switch checks off for a line, a range or a whole file.

Supported, as in Credo: `# credo:disable-for-this-file`, `# credo:disable-for-next-line`,
`# credo:disable-for-previous-line` and `# credo:disable-for-lines:N` (a negative N covers the
lines before), each optionally followed by one check name (`Credo.Check.Readability.LargeNumbers`
or a shorter suffix such as `Readability.LargeNumbers`); with none, every check is disabled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .issues import Issue
from .source import SourceFile

_DIRECTIVE = re.compile(
    r"#\s*credo:(?P<kind>disable-for-this-file|disable-for-next-line|disable-for-previous-line"
    r"|disable-for-lines:(?P<count>-?\d+))(?:\s+(?P<check>[\w.]+))?"
)


@dataclass(frozen=True)
class Directive:
    """One disable comment: the lines it covers (None = whole file) and the check it names."""

    first_line: int | None
    last_line: int | None
    check: str | None

    def covers(self, issue: Issue) -> bool:
        """True when the directive silences this issue."""
        if self.check is not None and not _names_match(self.check, issue.check):
            return False
        if self.first_line is None or self.last_line is None:
            return True
        return issue.line_no is not None and self.first_line <= issue.line_no <= self.last_line


def _names_match(wanted: str, check: str) -> bool:
    wanted = wanted.removeprefix("Elixir.")
    return check == wanted or check.endswith("." + wanted)


def find_directives(src: SourceFile) -> list[Directive]:
    """All credo disable directives in the file's comments."""
    if "credo:" not in src.text:
        return []
    out: list[Directive] = []
    for node in src.by_type("comment"):
        match = _DIRECTIVE.search(src.node_text(node))
        if match is None:
            continue
        line = src.line_of(node)
        kind = match.group("kind")
        check = match.group("check")
        if kind == "disable-for-this-file":
            out.append(Directive(None, None, check))
        elif kind == "disable-for-next-line":
            out.append(Directive(line + 1, line + 1, check))
        elif kind == "disable-for-previous-line":
            out.append(Directive(line - 1, line - 1, check))
        else:
            count = int(match.group("count"))
            if count >= 0:
                out.append(Directive(line, line + count, check))
            else:
                out.append(Directive(line + count, line, check))
    return out


def apply_directives(issues: Iterable[Issue], directives: list[Directive]) -> list[Issue]:
    """Drop the issues that a directive covers."""
    if not directives:
        return list(issues)
    return [i for i in issues if not any(d.covers(i) for d in directives)]
