"""Readability.Specs: Public functions (and private ones with `include_defp`) without a `@spec`;
`@impl` callbacks count as specced."""

from __future__ import annotations

from collections.abc import Iterator

from ...ast import call_args, calls_named, operator
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _text, impl_signatures, name_and_params, unwrap_when


def _spec_signatures(src: SourceFile) -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for spec in calls_named(src, "spec"):
        args = call_args(spec)
        if len(args) != 1:
            continue
        expr = args[0]
        if expr.type == "binary_operator" and operator(src, expr) == "when":
            expr = expr.child_by_field_name("left") or expr
        if expr.type != "binary_operator" or operator(src, expr) != "::":
            continue
        head = expr.child_by_field_name("left")
        parts = name_and_params(src, head) if head is not None else None
        if parts is not None:
            found.add((_text(src, parts[0]), len(parts[1] or [])))
    return found


@register
class Specs(CredoCheck):
    """Public functions (and private ones with `include_defp`) without a `@spec`; `@impl` callbacks count as specced."""

    name = "Credo.Check.Readability.Specs"
    category = "readability"
    base_priority = 0
    default_params = {"include_defp": False}
    enabled_by_default = False
    summary = "Functions should have a @spec."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        kinds = ("def", "defp") if ctx.params.get("include_defp") else ("def",)
        defs = calls_named(src, *kinds)
        if not defs:
            return
        specs = _spec_signatures(src) | impl_signatures(src, frozenset({"def", "defp"}))
        quotes = [(q.start_byte, q.end_byte) for q in calls_named(src, "quote")]
        for call in defs:
            args = call_args(call)
            if not args:
                continue
            if any(s < call.start_byte and call.end_byte <= e for s, e in quotes):
                continue
            parts = name_and_params(src, unwrap_when(src, args[0]))
            if parts is None:
                continue
            name = _text(src, parts[0])
            if (name, len(parts[1] or [])) in specs:
                continue
            yield ctx.issue(
                f"Function `{name}` has no @spec; add a type specification.",
                src.line_of(call),
                trigger=name,
            )
