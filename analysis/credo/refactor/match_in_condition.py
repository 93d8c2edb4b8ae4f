"""Refactor.MatchInCondition: A pattern match (`=`) in an `if`/`unless` condition that is more than a
plain assignment."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import calls_named, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _named, _op, call_lists, op_line, unparen

# MatchInCondition
_PLAIN_OPERATORS = frozenset(
    "! && ++ -- .. <> =~ |> || != !== * + - / ** < <= == === > >= ||| &&& <<< >>> <<~ ~>> <~ ~> <~> <|> ^^^ ~~~ "
    "+++ ---".split()
)


def _contains_operators(node: Node) -> bool:
    """Whether the expression uses a non-special-form operator, looking where Credo looks.

    Credo descends through calls and operators only; lists, two-element tuples and map pairs
    stop it.
    """
    work = [node]
    while work:
        n = unparen(work.pop())
        t = n.type
        if t in ("binary_operator", "unary_operator"):
            op = _op(n)
            if op in _PLAIN_OPERATORS:
                return True
            if op == "=>":
                continue
            work.extend(_named(n))
        elif t == "call":
            work.extend(call_lists(n)[0])
        elif t == "tuple":
            elems = _named(n)
            if len(elems) != 2:
                work.extend(elems)
        elif t in ("anonymous_function", "stab_clause", "block", "access_call", "bitstring"):
            if t == "stab_clause":
                body = n.child_by_field_name("right")
                if body is not None:
                    work.extend(_named(body))
            else:
                work.extend(_named(n))
        elif t in ("string", "sigil"):
            for part in n.named_children:
                if part.type == "interpolation":
                    work.extend(_named(part))
        elif t == "map":
            for part in _named(n):
                if part.type == "map_content":
                    for entry in _named(part):
                        if entry.type == "binary_operator" and _op(entry) == "|":
                            left = entry.child_by_field_name("left")
                            if left is not None:
                                work.append(left)
    return False


def _matches_in(node: Node) -> list[Node]:
    """Every `=` operator inside an expression (conditions are small), in source order."""
    out = []
    work = [node]
    while work:
        n = work.pop()
        if n.type == "binary_operator" and _op(n) == "=":
            out.append(n)
        work.extend(reversed(n.named_children))
    return out


@register
class MatchInCondition(CredoCheck):
    """A pattern match (`=`) in an `if`/`unless` condition that is more than a plain assignment."""

    name = "Credo.Check.Refactor.MatchInCondition"
    category = "refactor"
    base_priority = 0
    default_params = {"allow_tagged_tuples": False, "allow_operators": False}
    summary = "Pattern matches in if/unless conditions hide a case."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        allow_tagged = bool(ctx.params.get("allow_tagged_tuples"))
        allow_ops = bool(ctx.params.get("allow_operators"))
        for call in calls_named(src, "if", "unless"):
            kind = local_call_name(src, call)
            for cond in call_lists(call)[0]:
                direct = unparen(cond)
                for match in _matches_in(cond):
                    if self._flagged(src, match, match == direct, allow_tagged, allow_ops):
                        yield ctx.issue(f"Avoid matches in `{kind}` conditions; use `case` instead.",
                                        op_line(match), trigger="=")

    @staticmethod
    def _flagged(src: SourceFile, match: Node, direct: bool, allow_tagged: bool, allow_ops: bool) -> bool:
        left = match.child_by_field_name("left")
        right = match.child_by_field_name("right")
        if left is None or right is None:
            return False
        left = unparen(left)
        if left.type == "identifier":
            illegal = not allow_ops and _contains_operators(right)
            return illegal or not direct
        if left.type == "tuple":
            elems = _named(left)
            if len(elems) == 2 and elems[0].type == "atom" and elems[1].type == "identifier":
                return not allow_tagged
        return True
