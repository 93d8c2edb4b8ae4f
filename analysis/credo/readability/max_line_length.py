"""Readability.MaxLineLength: Lines longer than `max_length` characters, not counting strings,
heredocs and sigils by default."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from ...ast import call_args, calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._literal_text import content_range, outer_literals

# Credo's URL pattern for `ignore_urls` (it also matches `Module.fun` references, on purpose or not).
_URL_RE = re.compile(r"[-a-zA-Z0-9@:%._\+~#=]{2,256}\.[a-z]{2,6}\b([-a-zA-Z0-9@:%_\+.~#?&//=]*)")


def masked_line(src: SourceFile, line_no: int, replacements: dict[str, str]) -> str:
    """One line as `masked_lines` would give it, computed from the literals touching that line only."""
    literals = outer_literals(src)
    starts = getattr(src, "_outer_literal_starts", None)
    if starts is None:
        starts = [n.start_byte for n, _ in literals]
        src._outer_literal_starts = starts  # type: ignore[attr-defined]
    data = src.data
    line_start = src._line_starts[line_no - 1]
    nl = data.find(b"\n", line_start)
    line_end = nl if nl >= 0 else len(data)
    i = max(bisect.bisect_right(starts, line_start) - 1, 0)
    parts: list[bytes] = []
    pos = line_start
    while i < len(literals) and starts[i] < line_end:
        node, kind = literals[i]
        i += 1
        repl = replacements.get(kind)
        if repl is None:
            continue
        c_start, c_end = content_range(node)
        c_start, c_end = max(c_start, line_start), min(c_end, line_end)
        if c_end <= c_start or c_start < pos:
            continue
        parts.append(data[pos:c_start])
        chunk = data[c_start:c_end].decode("utf-8", errors="replace").rstrip("\r")
        parts.append((repl * len(chunk)).encode("utf-8"))
        pos = c_end
    parts.append(data[pos:line_end])
    return b"".join(parts).decode("utf-8", errors="replace")


@register
class MaxLineLength(CredoCheck):
    """Lines longer than `max_length` characters, not counting strings, heredocs and sigils by default."""

    name = "Credo.Check.Readability.MaxLineLength"
    category = "readability"
    base_priority = "low"
    default_params = {
        "max_length": 120,
        "ignore_definitions": True,
        "ignore_heredocs": True,
        "ignore_specs": False,
        "ignore_sigils": True,
        "ignore_strings": True,
        "ignore_urls": True,
    }
    summary = "Lines should not be longer than the configured maximum."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src, p = ctx.src, ctx.params
        max_length = int(p["max_length"])
        lengths = list(map(len, src.lines))
        if not lengths or max(lengths) <= max_length:
            return
        candidates = [i + 1 for i, n in enumerate(lengths) if n > max_length]
        repl: dict[str, str] = {}
        if p.get("ignore_heredocs"):
            repl["heredoc"] = ""
        if p.get("ignore_sigils"):
            repl["sigil"] = ""
        compare_repl = {**repl, "string": ""} if p.get("ignore_strings") else repl
        skip: set[int] = set()
        if p.get("ignore_definitions"):
            skip.update(src.line_of(c) for c in calls_named(src, "def", "defp", "defmacro") if call_args(c))
        if p.get("ignore_specs"):
            skip.update(src.line_of(c) for c in calls_named(src, "spec") if call_args(c))
        ignore_urls = p.get("ignore_urls")
        for line_no in candidates:
            if line_no in skip:
                continue
            cmp_line = masked_line(src, line_no, compare_repl)
            if len(cmp_line) <= max_length or (ignore_urls and _URL_RE.search(cmp_line)):
                continue
            line = masked_line(src, line_no, repl)
            yield ctx.issue(
                f"Line is too long (max is {max_length}, was {len(line)}).",
                line_no,
                trigger=line[max_length:],
                column=max_length + 1,
            )
