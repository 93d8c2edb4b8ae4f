"""Readability.StringSigils: String literals holding more than `maximum_allowed_quotes` escaped
quotes: a sigil reads better."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _text
from ._literal_text import quoted_kind


def _first_arg_strings(src: SourceFile) -> Iterator[tuple[Node, Node]]:
    """(string, anchor) pairs Credo's StringSigils looks at: strings that open an argument list.

    Credo blanks every interpolation (and heredoc) of the file before parsing it for this check,
    so an interpolated string is a plain binary to it, looked at only where a plain one is: as
    the first argument of a call, operator, 3-tuple or `<<>>`; strings inside an interpolation
    are gone.
    """
    for node in src.by_type("string"):
        if quoted_kind(node) == "heredoc" or _inside_interpolation(node):
            continue
        parent = node.parent
        if parent is None:
            continue
        if parent.type == "arguments" and parent.named_children and parent.named_children[0] == node:
            call = parent.parent
            if call is not None and call.type == "call":
                yield node, call
        elif parent.type in ("binary_operator", "unary_operator"):
            operand = parent.named_children[0] if parent.named_children else None
            if operand == node:
                op = parent.child_by_field_name("operator")
                yield node, op if op is not None else parent
        elif parent.type == "tuple" and len(parent.named_children) >= 3 and parent.named_children[0] == node:
            yield node, parent
        elif parent.type == "bitstring" and parent.named_children[0] == node:
            yield node, parent


def _inside_interpolation(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type == "interpolation":
            return True
        parent = parent.parent
    return False


def _blanked_value(src: SourceFile, string: Node) -> str:
    """The string's value as Credo sees it: escapes resolved, each interpolation blanked to spaces."""
    out: list[str] = []
    for child in string.named_children:
        if child.type == "interpolation":
            out.append(" " * len(_text(src, child)))
        elif child.type == "quoted_content":
            out.append(_text(src, child))
        elif child.type == "escape_sequence":
            esc = _text(src, child)
            out.append(_ESCAPES.get(esc, esc[1:] if len(esc) == 2 else esc))
    return "".join(out)


_ESCAPES = {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\\\": "\\", '\\"': '"', "\\s": " ", "\\e": "\x1b", "\\0": "\0"}


@register
class StringSigils(CredoCheck):
    """String literals holding more than `maximum_allowed_quotes` escaped quotes: a sigil reads better."""

    name = "Credo.Check.Readability.StringSigils"
    category = "readability"
    base_priority = "low"
    default_params = {"maximum_allowed_quotes": 3}
    summary = "Strings with many escaped quotes should be sigils."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        limit = int(ctx.params["maximum_allowed_quotes"])
        if src.data.count(b'\\"') <= limit:
            return
        for string, anchor in _first_arg_strings(src):
            value = _blanked_value(src, string)
            if value.count('"') > limit:
                yield ctx.issue(
                    f"String holds more than {limit} quotes; write it as a sigil (e.g. ~s) instead.",
                    src.line_of(anchor),
                    trigger=value,
                )
