"""Credo's line- and token-based Readability checks: line length, blank lines, white-space, `;` and `,`."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from tree_sitter import Node

from ..ast import call_args, calls_named
from ..checks import CheckContext, CredoCheck, register
from ..issues import Issue
from ..source import SourceFile

_QUOTED_TYPES = ("string", "charlist", "sigil")
_HEREDOC_DELIMS = frozenset({'"""', "'''"})

# Credo's URL pattern for `ignore_urls` (it also matches `Module.fun` references, on purpose or not).
_URL_RE = re.compile(r"[-a-zA-Z0-9@:%._\+~#=]{2,256}\.[a-z]{2,6}\b([-a-zA-Z0-9@:%_\+.~#?&//=]*)")
_H_SPACE_CHARS = frozenset(" \t\u00a0\u1680\u180e\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B))))
_TRAILING_H_SPACE = re.compile(r"[ \t\u00a0\u1680\u180e\u2000-\u200a\u202f\u205f\u3000]+$")


# --- literal ranges (shared with the Consistency checks) -------------------------------------------

_LITERAL_TYPES = ("string", "charlist", "sigil", "comment", "quoted_atom", "quoted_keyword")


class LiteralRanges:
    """Byte ranges of strings, charlists, sigils and comments, for text checks that must skip them."""

    def __init__(self, src: SourceFile, types: tuple[str, ...] = _LITERAL_TYPES) -> None:
        spans = sorted((n.start_byte, n.end_byte) for t in types for n in src.by_type(t))
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]
        self._line_starts = src._line_starts

    def contains(self, byte: int) -> bool:
        """True when the byte offset lies inside a literal."""
        i = bisect.bisect_right(self.starts, byte) - 1
        return i >= 0 and byte < self.ends[i]

    def offset(self, line_no: int, col0: int) -> int:
        """Byte offset of a 0-based byte column on a 1-based line."""
        return self._line_starts[line_no - 1] + col0


def _literals(src: SourceFile) -> LiteralRanges:
    cached = getattr(src, "_literal_ranges", None)
    if cached is None:
        cached = LiteralRanges(src)
        src._literal_ranges = cached  # type: ignore[attr-defined]
    return cached


# --- masking string-like literals -------------------------------------------------------------


def quoted_kind(node: Node) -> str:
    """`heredoc`, `sigil`, `charlist` or `string` for a string-like node (sigil heredocs count as heredocs)."""
    for child in node.children:
        if not child.is_named:
            if child.type in _HEREDOC_DELIMS:
                return "heredoc"
            if child.type != "~":
                break
    return "sigil" if node.type == "sigil" else node.type


def _content_range(node: Node) -> tuple[int, int]:
    """Byte range between a literal's opening and closing delimiters."""
    delims = [c for c in node.children if not c.is_named and c.type != "~"]
    if len(delims) >= 2:
        return delims[0].end_byte, delims[-1].start_byte
    return node.start_byte, node.end_byte


def outer_literals(src: SourceFile) -> list[tuple[Node, str]]:
    """Outermost string, charlist and sigil nodes (source order) with their kind; cached per file."""
    cached = getattr(src, "_outer_literals", None)
    if cached is not None:
        return cached
    nodes = sorted(
        (n for t in _QUOTED_TYPES for n in src.by_type(t)), key=lambda n: (n.start_byte, -n.end_byte)
    )
    out: list[tuple[Node, str]] = []
    end = -1
    for n in nodes:
        if n.start_byte < end:
            continue
        out.append((n, quoted_kind(n)))
        end = n.end_byte
    src._outer_literals = out  # type: ignore[attr-defined]
    return out


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
        start, end = _content_range(node)
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
        c_start, c_end = _content_range(node)
        c_start, c_end = max(c_start, line_start), min(c_end, line_end)
        if c_end <= c_start or c_start < pos:
            continue
        parts.append(data[pos:c_start])
        chunk = data[c_start:c_end].decode("utf-8", errors="replace").rstrip("\r")
        parts.append((repl * len(chunk)).encode("utf-8"))
        pos = c_end
    parts.append(data[pos:line_end])
    return b"".join(parts).decode("utf-8", errors="replace")


def _in_literal_content(src: SourceFile):  # noqa: ANN202
    """A predicate: does this byte offset lie inside the contents of a string-like literal?"""
    literals = outer_literals(src)
    ranges = [_content_range(n) for n, _ in literals]
    starts = [r[0] for r in ranges]

    def inside(byte: int) -> bool:
        i = bisect.bisect_right(starts, byte) - 1
        return i >= 0 and ranges[i][0] <= byte < ranges[i][1]

    return inside


def _leaf_at(src: SourceFile, byte: int) -> Node | None:
    root = src.root
    if root is None:
        return None
    return root.descendant_for_byte_range(byte, byte + 1)


def _byte_to_line_col(src: SourceFile, byte: int) -> tuple[int, int]:
    line = src.data.count(b"\n", 0, byte) + 1
    line_start = src.data.rfind(b"\n", 0, byte) + 1
    return line, src.char_column(line, byte - line_start)


# --- checks --------------------------------------------------------------------------------------


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


@register
class RedundantBlankLines(CredoCheck):
    """More than `max_blank_lines` blank lines in a row (blank lines inside literals do not count)."""

    name = "Credo.Check.Readability.RedundantBlankLines"
    category = "readability"
    base_priority = "low"
    default_params = {"max_blank_lines": 1}
    summary = "Files should not have runs of consecutive blank lines."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_blank = int(ctx.params["max_blank_lines"])
        text = src.text
        if "\n" * (max_blank + 2) not in text and not text.startswith("\n" * (max_blank + 1)):
            return  # no run of more than `max_blank` empty lines anywhere
        inside = _in_literal_content(src)
        run = 0
        line_starts = src._line_starts
        for idx, line in enumerate(src.lines):
            # a line inside a string, heredoc, sigil or charlist is filled in by Credo, so never blank
            if line == "" and not inside(line_starts[idx] if idx < len(line_starts) else len(src.data)):
                run += 1
                if run > max_blank:
                    yield ctx.issue(
                        f"Found more than {max_blank} blank line(s) in a row; remove the extra ones.",
                        idx + 1,
                    )
            else:
                run = 0


@register
class Semicolons(CredoCheck):
    """`;` used to put several expressions on one line."""

    name = "Credo.Check.Readability.Semicolons"
    category = "readability"
    base_priority = "high"
    summary = "Expressions should be separated by newlines, not semicolons."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        data = src.data
        pos = data.find(b";")
        while pos >= 0:
            leaf = _leaf_at(src, pos)
            if leaf is not None and leaf.type == ";" and leaf.start_byte == pos:
                line, col = _byte_to_line_col(src, pos)
                yield ctx.issue(
                    "Semicolon used to separate expressions; put each one on its own line.",
                    line,
                    trigger=";",
                    column=col,
                )
            pos = data.find(b";", pos + 1)


_NO_VALUE_TOKENS = frozenset({"identifier", "alias", "keyword", "quoted_keyword", "quoted_atom", "operator_identifier"})
_VALUE_LEAVES = frozenset({"true", "false", "nil", "fn", "do", "[", "{", "(", "<<", "%", "..."})


def _comma_trigger(src: SourceFile, leaf: Node) -> str | None:
    """Credo's trigger for a comma directly followed by `leaf`: the comma plus the next token's value."""
    t = leaf.type
    text = src.node_text(leaf)
    if t in ('"""', "'''", "~", "sigil_name"):
        return None  # heredoc and sigil tokens are not matched by Credo's patterns
    parent = leaf.parent
    if t == '"' or (parent is not None and parent.type == "string" and leaf.start_byte == parent.start_byte):
        return ',"'
    if t == "'":
        return ",'"
    if t == "atom":
        return ",:"
    if t == "integer":
        return "," + _int_text(text)
    if t == "float":
        try:
            return "," + repr(float(text.replace("_", "")))
        except ValueError:
            return ","
    if t == "char":
        return "," + text
    if t == "%":
        nxt = src.data[leaf.end_byte : leaf.end_byte + 1]
        return ",%{}" if nxt == b"{" else ",%"
    if t in _VALUE_LEAVES:
        return "," + text
    return ","


def _int_text(text: str) -> str:
    try:
        return str(int(text.replace("_", ""), 0))
    except ValueError:
        return text


_COMMA_GLUED = re.compile(rb",(?=[^ \t\r\n#])")


@register
class SpaceAfterCommas(CredoCheck):
    """A comma directly followed by the next token, without a space."""

    name = "Credo.Check.Readability.SpaceAfterCommas"
    category = "readability"
    base_priority = 0
    summary = "Commas should be followed by a space."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for m in _COMMA_GLUED.finditer(src.data):
            pos = m.start()
            leaf = _leaf_at(src, pos)
            if leaf is not None and leaf.type == "," and leaf.start_byte == pos:
                after = _leaf_at(src, pos + 1)
                trigger = _comma_trigger(src, after) if after is not None else None
                if trigger is not None:
                    line, col = _byte_to_line_col(src, pos)
                    yield ctx.issue("Missing space after comma.", line, trigger=trigger, column=col)


@register
class TrailingBlankLine(CredoCheck):
    """A file that does not end with a newline."""

    name = "Credo.Check.Readability.TrailingBlankLine"
    category = "readability"
    base_priority = "low"
    summary = "Files should end with a newline."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        lines = ctx.src.text.split("\n")
        if lines[-1].strip() != "":
            yield ctx.issue("The file does not end with a newline; add a final \\n.", len(lines))


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
