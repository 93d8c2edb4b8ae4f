"""Readability.VariableNames: Variables bound in patterns (`=`, `<-`, `->` heads, parameters) whose
names are not snake_case."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from ...ast import call_args, local_call_name, operator
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import snake_case

_NO_CASE = re.compile(r"^[^a-zA-Z0-9]+$")


_SHAPE_TABLE = bytes(
    ord("a") if (97 <= i <= 122 or 48 <= i <= 57 or i == 95) else ord("A") if (65 <= i <= 90 or i >= 128) else 32
    for i in range(256)
)


_SPECIAL_VARS = frozenset({"__CALLER__", "__DIR__", "__ENV__", "__MODULE__"})


@register
class VariableNames(CredoCheck):
    """Variables bound in patterns (`=`, `<-`, `->` heads, parameters) whose names are not snake_case."""

    name = "Credo.Check.Readability.VariableNames"
    category = "readability"
    base_priority = "high"
    summary = "Variable names should be snake_case."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        root = src.root
        if root is None:
            return
        data = src.data
        seen: set[int] = set()
        # Every name that is not snake_case has a lower-case letter, digit or `_` right before an
        # upper-case (or non-ASCII) letter; a byte translation finds those spots at C speed.
        shape = data.translate(_SHAPE_TABLE)
        pos = shape.find(b"aA")
        while pos >= 0:
            node = root.descendant_for_byte_range(pos, pos + 1)
            pos = shape.find(b"aA", pos + 1)
            if node is None or node.type != "identifier" or node.start_byte in seen:
                continue
            seen.add(node.start_byte)
            name = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
            if name in _SPECIAL_VARS or snake_case(name) or _NO_CASE.match(name):
                continue
            if not _is_variable(node):
                continue
            for _ in range(_pattern_count(src, node)):
                yield ctx.issue(
                    f"Variable `{name}` is not snake_case; write variable names in snake_case.",
                    src.line_of(node),
                    trigger=name,
                )


def _is_variable(ident: Node) -> bool:
    """An identifier used as a variable: not a call name and not the field of `a.b`."""
    parent = ident.parent
    if parent is None:
        return True
    if parent.type == "call" and parent.child_by_field_name("target") == ident:
        return False
    if parent.type == "dot" and parent.child_by_field_name("right") == ident:
        return False
    return True


def _pattern_count(src: SourceFile, ident: Node) -> int:
    """How many of the patterns Credo inspects hold this identifier.

    Those are the left sides of `=` and `<-`, the heads of `->` clauses, the parameters of a
    guarded `def`/`defp`, and the first parameter of a two-parameter `def`/`defp`.
    """
    count = 0
    child, parent = ident, ident.parent
    while parent is not None:
        t = parent.type
        if t == "binary_operator":
            if parent.child_by_field_name("left") == child and operator(src, parent) in ("=", "<-"):
                count += 1
        elif t == "stab_clause":
            if parent.child_by_field_name("left") == child:
                count += 1
        elif t == "arguments" and child.type != "keywords":
            count += _def_param_hit(src, parent, child)
        child, parent = parent, parent.parent
    return count


def _def_param_hit(src: SourceFile, params: Node, param: Node) -> int:
    """1 when `param` is a parameter Credo checks in a `def`/`defp` head held by `params`."""
    head = params.parent
    if head is None or head.type != "call":
        return 0
    holder = head.parent
    guarded = False
    if holder is not None and holder.type == "binary_operator" and operator(src, holder) == "when":
        if holder.child_by_field_name("left") != head:
            return 0
        guarded, holder = True, holder.parent
    if holder is None or holder.type != "arguments":
        return 0
    definition = holder.parent
    if definition is None or definition.type != "call" or local_call_name(src, definition) not in ("def", "defp"):
        return 0
    def_args = call_args(definition)
    if len(def_args) != 2 or def_args[0] != (head if not guarded else head.parent):
        return 0
    if guarded:
        return 1
    named = params.named_children
    return 1 if len(named) == 2 and named[0] == param else 0
