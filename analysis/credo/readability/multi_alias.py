"""Readability.MultiAlias: `alias Foo.{Bar, Baz}` groups instead of one alias per line."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted


@register
class MultiAlias(CredoCheck):
    """Grouped aliases; the trigger is the first alias in the group."""

    name = "Credo.Check.Readability.MultiAlias"
    category = "readability"
    base_priority = "low"
    enabled_by_default = False
    summary = "One fully-qualified alias per line."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for term in prewalk(quoted(ctx.src)):
            if not (isinstance(term, Q) and term.form == "alias" and isinstance(term.args, list) and len(term.args) == 1):
                continue
            group = term.args[0]
            if not (isinstance(group, Q) and isinstance(group.form, Q) and group.form.form == "."):
                continue
            dot = group.form.args or []
            if len(dot) != 2 or dot[1] != Atom("{}") or not isinstance(dot[0], Q):
                continue
            base = dot[0]
            if not (base.form == "__aliases__" or (base.form == "__MODULE__" and base.is_var)):
                continue
            first = (group.args or [None])[0]
            if not (isinstance(first, Q) and first.form == "__aliases__"):
                continue
            trigger = ".".join(a.name if isinstance(a, Atom) else str(a.form) for a in first.args or [])
            yield ctx.issue(
                "Avoid grouping aliases in '{ ... }'; please specify one fully-qualified alias per line.",
                base.line, trigger=trigger,
            )
