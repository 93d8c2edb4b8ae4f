"""Matching brackets in raw text, skipping what sits inside string quotes: for the places that scan
code the parser has not seen (a template's `{...}`, one line of a finding being explained)."""

from __future__ import annotations


def closing_bracket(text: str, open_at: int, opener: str = "(", closer: str = ")") -> int:
    """Index of the bracket closing the one at `open_at`, or -1 when it is never closed. Brackets inside
    single- or double-quoted strings (with backslash escapes) do not count."""
    depth, quote, i = 0, "", open_at
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1
