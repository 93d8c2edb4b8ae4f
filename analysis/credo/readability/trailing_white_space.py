"""Readability.TrailingWhiteSpace: Spaces or tabs at the end of a line (inside strings and heredocs
too when `ignore_strings` is false)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._literal_text import content_range, outer_literals

_H_SPACE_CHARS = frozenset(" \t\u00a0\u1680\u180e\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B))))


_TRAILING_H_SPACE = re.compile(r"[ \t\u00a0\u1680\u180e\u2000-\u200a\u202f\u205f\u3000]+$")


def masked_lines(src: SourceFile, replacements: dict[str, str], fill_empty: bool = False) -> list[str]:
    """The file's lines with the contents of some literal kinds replaced, one replacement per character.

    `replacements` maps a kind (`string`, `heredoc`, `sigil`, `charlist`) to the text that stands in
    for each character ("" deletes the content). Newlines stay, so line numbers do not move; with
    `fill_empty` a line left empty inside a literal gets the replacement too (Credo's heredoc helper).
    """
    key = (tuple(sorted(replacements.items())), fill_empty)
    cache = getattr(src, "_masked_cache", None)
    if cache is None:
        cache = {}
        src._masked_cache = cache  # type: ignore[attr-defined]
    if key in cache:
        return cache[key]
    data = src.data
    parts: list[bytes] = []
    pos = 0
    for node, kind in outer_literals(src):
        repl = replacements.get(kind)
        if repl is None:
            continue
        start, end = content_range(node)
        if end <= start:
            continue
        parts.append(data[pos:start])
        segment = data[start:end].decode("utf-8", errors="replace")
        pieces = []
        for line in segment.split("\n"):
            masked = repl * len(line.rstrip("\r"))
            if fill_empty and not masked:
                masked = repl
            pieces.append(masked)
        parts.append("\n".join(pieces).encode("utf-8"))
        pos = end
    parts.append(data[pos:])
    lines = b"".join(parts).decode("utf-8", errors="replace").split("\n")
    cache[key] = lines
    return lines


@register
class TrailingWhiteSpace(CredoCheck):
    """Spaces or tabs at the end of a line (inside strings and heredocs too when `ignore_strings` is false)."""

    name = "Credo.Check.Readability.TrailingWhiteSpace"
    category = "readability"
    base_priority = "low"
    default_params = {"ignore_strings": True}
    summary = "Lines should not end in white-space."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        data = src.data
        if data.isascii() and not data.endswith((b" ", b"\t")) and not any(
            probe in data for probe in (b" \n", b"\t\n", b" \r", b"\t\r")
        ):
            return  # no line ends in white-space
        if not any(line.rstrip("\r")[-1:] in _H_SPACE_CHARS for line in src.lines if line):
            return
        if ctx.params.get("ignore_strings"):
            lines = masked_lines(src, {"string": ".", "heredoc": "."})
        else:
            lines = src.lines
        for idx, raw in enumerate(lines):
            line = raw.rstrip("\r")
            m = _TRAILING_H_SPACE.search(line)
            if m:
                width = m.end() - m.start()
                yield ctx.issue(
                    "Line ends in white-space; remove the trailing spaces or tabs.",
                    idx + 1,
                    trigger=" " * width,
                    column=m.start() + 1,
                )
