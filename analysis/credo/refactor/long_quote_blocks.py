"""Refactor.LongQuoteBlocks: `quote` blocks longer than `max_line_count` lines (comment lines skipped
with `ignore_comments`)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _line, _named, op_line

# LongQuoteBlocks
_NO_LINE_TYPES = frozenset({"integer", "float", "atom", "quoted_atom", "boolean", "nil", "char", "list", "charlist",
                            "keywords", "pair", "keyword", "quoted_keyword", "quoted_content", "comment",
                            "escape_sequence", "do_block", "else_block", "rescue_block", "catch_block",
                            "after_block", "body", "arguments", "stab_clause"})


def _last_meta_line(src: SourceFile, call: Node) -> int:
    """Highest line of any node inside the quote that carries a line in the Elixir AST.

    Literals (numbers, atoms, plain strings, lists) carry none, and neither does `end`.
    """
    last = _line(call)
    for node in src.walk(call):
        if not node.is_named or node.type in _NO_LINE_TYPES:
            continue
        if node.type == "string" and not any(c.type == "interpolation" for c in node.named_children):
            continue
        if node.type == "tuple" and len(_named(node)) == 2:
            continue
        line = op_line(node) if node.type in ("binary_operator", "unary_operator") else _line(node)
        if line > last:
            last = line
    return last


@register
class LongQuoteBlocks(CredoCheck):
    """`quote` blocks longer than `max_line_count` lines (comment lines skipped with `ignore_comments`)."""

    name = "Credo.Check.Refactor.LongQuoteBlocks"
    category = "refactor"
    base_priority = "high"
    default_params = {"max_line_count": 150, "ignore_comments": False}
    summary = "Long quote blocks are hard to read and debug; move the work into functions."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_lines = int(ctx.params["max_line_count"])
        for call in calls_named(src, "quote"):
            first = _line(call)
            if call.end_point[0] + 1 - first <= max_lines:
                continue  # cannot be long enough
            count = _last_meta_line(src, call) - first
            if count <= max_lines:
                continue
            if ctx.params.get("ignore_comments"):
                count = sum(1 for n in range(first, first + count) if not src.line(n).lstrip().startswith("#"))
            if count > max_lines:
                yield ctx.issue(f"Avoid long quote blocks ({count} lines, max is {max_lines}); "
                                "move the code into functions.", first, trigger="quote")
