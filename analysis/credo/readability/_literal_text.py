"""Shared by the line- and token-based Readability checks: literal ranges and masked lines."""

from __future__ import annotations

import bisect

from tree_sitter import Node

from ...source import SourceFile

QUOTED_TYPES = ("string", "charlist", "sigil")


HEREDOC_DELIMS = frozenset({'"""', "'''"})


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
            if child.type in HEREDOC_DELIMS:
                return "heredoc"
            if child.type != "~":
                break
    return "sigil" if node.type == "sigil" else node.type


def content_range(node: Node) -> tuple[int, int]:
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
        (n for t in QUOTED_TYPES for n in src.by_type(t)), key=lambda n: (n.start_byte, -n.end_byte)
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


def leaf_at(src: SourceFile, byte: int) -> Node | None:
    root = src.root
    if root is None:
        return None
    return root.descendant_for_byte_range(byte, byte + 1)


def byte_to_line_col(src: SourceFile, byte: int) -> tuple[int, int]:
    line = src.data.count(b"\n", 0, byte) + 1
    line_start = src.data.rfind(b"\n", 0, byte) + 1
    return line, src.char_column(line, byte - line_start)


NO_VALUE_TOKENS = frozenset({"identifier", "alias", "keyword", "quoted_keyword", "quoted_atom", "operator_identifier"})
