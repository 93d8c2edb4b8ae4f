"""Where a broken Elixir file first goes wrong, read from tree-sitter's error-recovered tree.

tree-sitter recovers instead of stopping, and its recovery often moves the symptom away from
the cause: a half-typed `a +` before `end` parses as `a + end` (the keyword taken for a
variable), so the enclosing module lacks its `end`, reported at the file's last line; an
unclosed `(` is reported as a missing `)` wherever the parser gave up. Each symptom is traced
back to its cause here (the operator without an operand, the opener without its closer, the
`do` whose block a dedented `end` shows to be unclosed, the opening quote of an unterminated
string) and the earliest cause in the file is reported, as the user reads it top down (a missing `end`
only when nothing else explains the error).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

# Reserved words that never name a variable: an `identifier` node with one of these texts is
# tree-sitter swallowing a keyword to keep going.
KEYWORDS = frozenset({b"end", b"do", b"else", b"catch", b"rescue", b"after", b"fn"})
_CLOSERS = {b")": b"(", b"]": b"[", b"}": b"{", b">>": b"<<"}
_QUOTES = frozenset({'"', "'", '"""', "'''"})


@dataclass(frozen=True)
class SyntaxCause:
    """The node to point at and what to say about it."""

    node: Node
    message: str


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")


def _line_indent(node: Node) -> int:
    """Indentation (in bytes) of the line a node starts on, read from the tree's source text."""
    root = node
    while root.parent is not None:
        root = root.parent
    source = root.text or b""
    start = source.rfind(b"\n", 0, node.start_byte) + 1
    end = start
    while end < len(source) and source[end : end + 1] in (b" ", b"\t"):
        end += 1
    return end - start


def _opener_of(block: Node) -> Node:
    """The node whose line opened a do-block: the call that owns it (its line's indentation counts)."""
    return block.parent if block.parent is not None else block


def _keyword_as_identifier(node: Node) -> SyntaxCause | None:
    parent = node.parent
    if parent is not None and parent.type == "dot":
        # `range.end` is a valid field access; `Enum.` left at a line's end takes the next line's `end`.
        dot = next((c for c in parent.children if c.type == "."), None)
        if dot is None or dot.start_point.row == node.start_point.row:
            return None
        return SyntaxCause(dot, f"syntax error: nothing after '.' (found {_text(node)!r} on the next line)")
    if parent is not None and parent.type == "binary_operator" and parent.children and parent.children[-1] == node:
        operator = next((c for c in parent.children if not c.is_named), None)
        if operator is not None:
            op = _text(operator)
            return SyntaxCause(operator, f"syntax error: {op!r} has no right-hand side (found {_text(node)!r})")
    return SyntaxCause(node, f"syntax error before: {_text(node)!r}")


def _unclosed_block(root: Node) -> SyntaxCause | None:
    """The `do` whose block took an `end` meant for an outer block (the `end` is indented differently
    from the line that opened the block); the innermost such block, the earliest of several."""
    misaligned: list[Node] = []
    unclosed: list[Node] = []
    for n in _walk(root):
        end = n.children[-1] if n.type == "do_block" and n.children else None
        if end is None or end.type != "end":
            continue
        if end.is_missing:
            unclosed.append(n)
        elif end.start_point.column != _line_indent(_opener_of(n)):
            misaligned.append(n)
    candidates = [b for b in misaligned if not any(o is not b and b.start_byte <= o.start_byte and o.end_byte <= b.end_byte
                                                   for o in misaligned)]
    if not candidates and unclosed:
        candidates = [max(unclosed, key=lambda b: b.start_byte)]  # the innermost block left open
    if not candidates:
        return None
    do = min(candidates, key=lambda b: b.start_byte).children[0]
    return SyntaxCause(do, f'syntax error: the "do" on line {do.start_point.row + 1} has no matching "end"')


def _missing(node: Node, root: Node) -> SyntaxCause:
    """A MISSING closer traced back to its opener; a MISSING `end` to the block a dedent shows unclosed."""
    closer = node.type.encode()
    opener = _CLOSERS.get(closer)
    parent = node.parent
    if opener is not None and parent is not None:
        match = next((c for c in parent.children if c.type.encode() == opener and not c.is_missing), None)
        if match is not None:
            line = match.start_point.row + 1
            return SyntaxCause(match, f"syntax error: the {opener.decode()!r} on line {line} is not closed")
    if node.type == "end":
        block = _unclosed_block(root)
        if block is not None:
            return block
    return SyntaxCause(node, f"syntax error: missing {node.type!r}")


def _error(node: Node) -> SyntaxCause:
    """An ERROR node: where the parser gave up inside it (an unclosed quote, else its last piece)."""
    children = node.children
    if node.start_point.row == node.end_point.row or not children:
        near = _text(node).strip().splitlines()
        snippet = near[0][:40] if near else ""
        return SyntaxCause(node, f"syntax error before: {snippet!r}" if snippet else "syntax error")
    for i, child in enumerate(children):
        if child.type in _QUOTES and i + 1 < len(children) and children[i + 1].type == "quoted_content" \
                and children[i + 1].end_byte == node.end_byte:
            line = child.start_point.row + 1
            return SyntaxCause(child, f"syntax error: the string started on line {line} is not closed")
    last = children[-1]
    snippet = (_text(last).strip().splitlines() or [""])[0][:40]
    return SyntaxCause(last, f"syntax error before: {snippet!r}" if snippet else "syntax error")


def first_syntax_cause(root: Node) -> SyntaxCause | None:
    """The earliest cause of the parse errors under `root`; None when the tree has none."""
    if not root.has_error:
        return None
    causes: list[SyntaxCause] = []
    missing_end: Node | None = None
    for n in _walk(root):
        if n.is_missing and n.type == "end":
            # Usually a consequence (an `end` taken by an inner block or as a variable): used
            # only when nothing closer to the cause turns up.
            missing_end = missing_end or n
        elif n.is_missing:
            causes.append(_missing(n, root))
        elif n.type == "ERROR":
            causes.append(_error(n))
        elif n.type == "identifier" and n.text in KEYWORDS:
            cause = _keyword_as_identifier(n)
            if cause is not None:
                causes.append(cause)
    if not causes and missing_end is not None:
        causes.append(_missing(missing_end, root))
    if not causes:
        return SyntaxCause(root, "syntax error")
    return min(causes, key=lambda c: c.node.start_byte)
