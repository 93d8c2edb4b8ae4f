"""Consistency.SpaceInParentheses: Spaces just inside brackets (`( x )`, `[ 1 ]`, `{ :ok }`) or none,
the same everywhere."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ...checks import CheckContext, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import ConsistencyCheck, FileStyles, literal_spans


def _masked_text(src: SourceFile, sigil_fill: str) -> str:
    """The file with literal contents blanked (newlines kept): sigils get `sigil_fill` per character."""
    key = f"_consistency_masked_{sigil_fill!r}"
    cached = getattr(src, key, None)
    if cached is not None:
        return cached
    data = src.data
    parts: list[str] = []
    pos = 0
    for start, end, kind in literal_spans(src):
        if end <= start:
            continue
        parts.append(data[pos:start].decode("utf-8", "replace"))
        fill = sigil_fill if kind == "sigil" else " "
        content = data[start:end].decode("utf-8", "replace")
        parts.append("\n".join(fill * len(line) for line in content.split("\n")))
        pos = end
    parts.append(data[pos:].decode("utf-8", "replace"))
    text = "".join(parts)
    setattr(src, key, text)
    return text


_SIP_WITH_SPACE = re.compile(r"[^?]([{\[(]\s+\S|\S\s+[)\]}]\])")


_SIP_WITHOUT_SPACE = re.compile(r"[^?]([{\[(]\S|\S[)\]}])")


_SIP_WITHOUT_SPACE_ALLOW_EMPTY = re.compile(r"[^?](?!\{\}|\[\])([{\[(]\S|\S[)\]}])")


_SIP_REGEXES = {
    "with_space": _SIP_WITH_SPACE,
    "without_space": _SIP_WITHOUT_SPACE,
    "without_space_allow_empty_enums": _SIP_WITHOUT_SPACE_ALLOW_EMPTY,
}


# The same patterns over a whole file, each finding at most one match per line (`[^?\n]` and
# `[^\S\n]` keep a match on its line, as Credo's line-by-line matching does).
_SIP_LINE_COUNTERS = {
    kind: re.compile(r"^[^\n]*?" + regex.pattern.replace("[^?]", "[^?\n]").replace("\\s", "[^\\S\n]"), re.M)
    for kind, regex in _SIP_REGEXES.items()
}


_COMMENT_TAIL = re.compile(r"(\A|[^?])#.+")


def _code_text(src: SourceFile) -> str:
    """The file with string/charlist contents blanked, sigil contents removed and comments dropped."""
    cached = getattr(src, "_consistency_code_text", None)
    if cached is None:
        cached = _masked_text(src, "")
        if "#" in cached:
            cached = _COMMENT_TAIL.sub(r"\1", cached)
        src._consistency_code_text = cached  # type: ignore[attr-defined]
    return cached


# Raw text that a `with_space` line needs somewhere (masking literals never creates it): an opening
# bracket, spaces and more on its line, or white-space before one of `)]`, `]]`, `}]`. Two searches,
# each starting at a bracket: as one alternation, or starting at the white-space, the search tries
# every character of the file (three times slower).
_WITH_SPACE_HINTS = (re.compile(r"[(\[{][^\S\n]+\S"), re.compile(r"[)\]}]\](?<=\s..)"))


def _with_space_lines(src: SourceFile) -> int:
    """How many code lines have a space just inside a bracket (Credo's `with_space`); kept on the
    SourceFile, which a project analysis reuses while the file is unchanged."""
    cached = getattr(src, "_with_space_lines", None)
    if cached is None:
        cached = 0
        if any(hint.search(src.text) for hint in _WITH_SPACE_HINTS):
            cached = sum(1 for line in _code_lines(src) if _SIP_WITH_SPACE.search(line))
        src._with_space_lines = cached  # type: ignore[attr-defined]
    return cached


def _code_lines(src: SourceFile) -> list[str]:
    """`_code_text` split into lines."""
    return _code_text(src).split("\n")


@register
class SpaceInParentheses(ConsistencyCheck):
    """Spaces just inside brackets (`( x )`, `[ 1 ]`, `{ :ok }`) or none, the same everywhere.

    Credo counts code lines (strings, sigils and comments removed) that have an opening bracket
    followed by spaces, or spaces before a closing one, as `with_space`, and lines with a
    bracket touching its content as `without_space`; lines of the minority kind are reported
    with the matched text as the trigger. `allow_empty_enums: true` lets `[]` and `%{}` pass
    when spaces are the rule.
    """

    name = "Credo.Check.Consistency.SpaceInParentheses"
    default_params = {"allow_empty_enums": False}
    summary = "Use the same spacing inside parentheses and brackets everywhere."

    def run_project(self, contexts: list[CheckContext]) -> Iterator[Issue]:
        if not any(self.needs_collecting(ctx) for ctx in contexts):
            return
        yield from super().run_project(contexts)

    def needs_collecting(self, ctx: CheckContext) -> bool:
        # Issues need lines of both kinds somewhere. Lines with spaces inside brackets are rare and
        # cheap to rule out, so the costly count of the other kind is only made when there are some.
        return self.forced_style(ctx.params) is not None or bool(_with_space_lines(ctx.src))

    def collect(self, ctx: CheckContext) -> FileStyles:
        text = _code_text(ctx.src)
        # one match per line that has one (the lazy prefix runs from the line start)
        counts = Counter({kind: len(regex.findall(text)) for kind, regex in _SIP_LINE_COUNTERS.items()})
        return FileStyles(ctx, counts)

    def issues_for(self, expected: Any, found: FileStyles) -> Iterator[Issue]:
        if expected == "with_space":
            allow = found.ctx.params.get("allow_empty_enums") is True
            actual = "without_space_allow_empty_enums" if allow else "without_space"
            message = "Most code puts spaces inside parentheses and brackets; this line does not."
        else:
            actual = "with_space"
            message = "Most code has no spaces inside parentheses and brackets; this line does."
        regex = _SIP_REGEXES[actual]
        for line_no, line in enumerate(_code_lines(found.ctx.src), 1):
            match = regex.search(line)
            if match is None:
                continue
            trigger = match.group(1)
            if expected == "without_space" and trigger == ", ]":
                continue
            yield found.ctx.issue(message, line_no, trigger=trigger)
