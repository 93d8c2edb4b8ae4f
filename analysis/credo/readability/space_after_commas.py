"""Readability.SpaceAfterCommas: A comma directly followed by the next token, without a space."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._literal_text import byte_to_line_col, leaf_at

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
            leaf = leaf_at(src, pos)
            if leaf is not None and leaf.type == "," and leaf.start_byte == pos:
                after = leaf_at(src, pos + 1)
                trigger = _comma_trigger(src, after) if after is not None else None
                if trigger is not None:
                    line, col = byte_to_line_col(src, pos)
                    yield ctx.issue("Missing space after comma.", line, trigger=trigger, column=col)
