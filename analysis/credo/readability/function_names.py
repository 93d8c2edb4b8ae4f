"""Readability.FunctionNames: Function, macro and guard names that are not snake_case."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from ...ast import operator
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _text, def_heads, is_unquote, name_and_params, snake_case

_SNAKE_ASCII_BYTES = re.compile(rb"[a-z0-9_?!]+\Z")


@register
class FunctionNames(CredoCheck):
    """Function, macro and guard names that are not snake_case."""

    name = "Credo.Check.Readability.FunctionNames"
    category = "readability"
    base_priority = "high"
    default_params = {"allow_acronyms": False}
    summary = "Function, macro and guard names should be snake_case."

    _KINDS = frozenset({"def", "defp", "defmacro", "defmacrop", "defguard", "defguardp"})

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        allow_acronyms = bool(ctx.params.get("allow_acronyms"))
        by_signature: dict[tuple[str, int], Issue] = {}
        data = src.data
        for d in def_heads(src):
            if d.name_node is not None and _SNAKE_ASCII_BYTES.match(data, d.name_node.start_byte, d.name_node.end_byte):
                continue  # the common case, decided without building anything else
            found = _head_name(src, d.head)
            if found is None:
                continue
            name, arity, anchor = found
            if name in _OVERRIDABLE_OPERATORS:
                continue
            if name.startswith("sigil_"):
                letters = name[6:]
                if len(letters) == 1 and letters.isascii() and letters.isalpha():
                    continue
                if re.fullmatch(r"[A-Z]+", letters):
                    continue
            if snake_case(name, allow_acronyms):
                continue
            by_signature[(name, arity)] = ctx.issue(
                f"Function name `{name}` is not snake_case; write function, macro and guard names in snake_case.",
                src.line_of(anchor),
                trigger=name,
            )
        yield from sorted(by_signature.values(), key=lambda i: (i.line_no or 0, i.trigger or ""))


# Operators a module may define (Credo leaves their names alone); `=`, `^`, `::` and `..//` are not among them.
_OVERRIDABLE_OPERATORS = frozenset(
    "! && ++ -- .. <> =~ @ |> || != !== * + - / ** < <= == === > >= ||| &&& <<< >>> <<~ ~>> <~ ~> <~> <|> "
    "^^^ ~~~ +++ ---".split()
)


def _head_name(src: SourceFile, head: Node) -> tuple[str, int, Node] | None:
    """(name, arity, node carrying the line) of a definition head as Credo's AST names it.

    Besides `f` and `f(a)`: operators (`a + b` is `+`/2, `a..b//c` is `..//`/3), and tuples and
    maps written as the head (`def({a, b, c})` inside a `defmacro def(...)`) are named `{}` / `%{}`.
    Returns None for `unquote(...)` names and shapes Credo skips.
    """
    t = head.type
    if t in ("identifier", "call"):
        parts = name_and_params(src, head)
        if parts is None or parts[0].type != "identifier" or is_unquote(src, parts[0]):
            return None
        return _text(src, parts[0]), len(parts[1] or []), parts[0]
    if t == "binary_operator":
        op = operator(src, head)
        if op is None:
            return None
        left = head.child_by_field_name("left")
        if op == "//" and left is not None and left.type == "binary_operator" and operator(src, left) == "..":
            return "..//", 3, head.child_by_field_name("operator") or head
        return op, 2, head.child_by_field_name("operator") or head
    if t == "unary_operator":
        op = operator(src, head)
        return (op, 1, head) if op else None
    if t == "tuple" and len(head.named_children) != 2:
        return "{}", len(head.named_children), head
    if t == "map":
        return "%{}", len(head.named_children), head
    return None
