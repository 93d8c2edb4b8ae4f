"""Readability.ParenthesesOnZeroArityDefs: Zero-arity definitions written with `()` (or without, when
`parens: true`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _text, def_heads, is_unquote


def _credo_column(line: str, word: str) -> int | None:
    """Where Credo finds a name on its line (1-based): first match starting at a word boundary.

    A name ending in a word character must also end at one (`foo` is not found inside `foobar`).
    """
    m = re.search(r"\b" + re.escape(word) + (r"\b" if word[-1:].isalnum() or word[-1:] == "_" else ""), line)
    return m.start() + 1 if m else None


@register
class ParenthesesOnZeroArityDefs(CredoCheck):
    """Zero-arity definitions written with `()` (or without, when `parens: true`)."""

    name = "Credo.Check.Readability.ParenthesesOnZeroArityDefs"
    category = "readability"
    base_priority = "low"
    default_params = {"parens": False}
    summary = "Zero-arity function definitions should be written consistently without (or with) parentheses."

    _KINDS = ("def", "defp", "defmacro", "defmacrop")
    _PARENS = re.compile(r"^\((\w*)\)")

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        enforce = bool(ctx.params.get("parens"))
        if not enforce and b"()" not in src.data:
            return
        for d in def_heads(src):
            # `when` heads and operators have arguments in Credo's AST
            if d.kind not in self._KINDS or d.guarded or d.name_node is None:
                continue
            name_node = d.name_node
            if d.head.type == "call":
                args = d.head.named_child(1) if d.head.named_child_count > 1 else None
                if args is not None and args.named_child_count > 0:
                    continue  # has parameters
            if is_unquote(src, name_node):
                continue
            name = _text(src, name_node)
            line_no = src.line_of(name_node)
            line = src.line(line_no)
            col = _credo_column(line, name)
            skip = (col if col is not None else -1) + len(name) - 1
            rest = line[skip:] if skip >= 0 else line[len(line) + skip :]
            has_parens = bool(self._PARENS.match(rest))
            if has_parens and not enforce:
                yield ctx.issue(
                    f"Zero-arity definition `{name}` has empty parentheses; leave them out.",
                    line_no,
                    trigger=name,
                )
            elif not has_parens and enforce:
                yield ctx.issue(
                    f"Zero-arity definition `{name}` has no parentheses; add `()`.",
                    line_no,
                    trigger=name,
                )
