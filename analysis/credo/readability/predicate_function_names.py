"""Readability.PredicateFunctionNames: Functions named `is_foo` or `is_foo?`: predicates end in `?`
and drop the `is_` prefix."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _text, def_heads, impl_signatures, is_unquote


@register
class PredicateFunctionNames(CredoCheck):
    """Functions named `is_foo` or `is_foo?`: predicates end in `?` and drop the `is_` prefix."""

    name = "Credo.Check.Readability.PredicateFunctionNames"
    category = "readability"
    base_priority = "high"
    summary = "Predicate functions should end in `?` rather than start with `is_`."

    _KINDS = frozenset({"def", "defp", "defmacro"})

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        if b"is_" not in src.data:
            return
        candidates: list[tuple[str, int, int]] = []
        for d in def_heads(src):
            # a guarded head names `when` in Credo's AST, so it is never a candidate
            if d.kind not in self._KINDS or d.guarded or d.name_node is None or is_unquote(src, d.name_node):
                continue
            name = _text(src, d.name_node)
            if not name.startswith("is_"):
                continue
            if name.endswith("?") or d.kind != "defmacro":
                candidates.append((name, len(d.params or []), src.line_of(d.name_node)))
        if not candidates:
            return
        impls = impl_signatures(src, self._KINDS)
        for name, arity, line in candidates:
            if (name, arity) in impls:
                continue
            yield ctx.issue(
                f"Predicate `{name}` should not start with `is_`; name it with a trailing `?` instead.",
                line,
                trigger=name,
            )
