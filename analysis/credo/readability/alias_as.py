"""Readability.AliasAs: `alias Foo.Bar, as: Baz` hides which module a name refers to."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted
from .._quoted_terms import names, render


@register
class AliasAs(CredoCheck):
    """`alias ..., as: ...`; modules named in `ignore` may be aliased with `as:`."""

    name = "Credo.Check.Readability.AliasAs"
    category = "readability"
    base_priority = "low"
    default_params = {"ignore": []}
    enabled_by_default = False
    summary = "Avoid `alias ..., as:`."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        ignored = {n.removeprefix("Elixir.") for n in names(ctx.params.get("ignore"))}
        for term in prewalk(quoted(ctx.src)):
            if not (isinstance(term, Q) and term.form == "alias" and isinstance(term.args, list)):
                continue
            if len(term.args) != 2 or not isinstance(term.args[0], Q):
                continue
            opts = term.args[1]
            if not (isinstance(opts, list) and len(opts) == 1 and opts[0][0] == Atom("as") and isinstance(opts[0][1], Q)):
                continue
            original = term.args[0]
            trigger = ":__MODULE__" if original.is_var and original.form == "__MODULE__" else render(original)
            if trigger in ignored:
                continue
            yield ctx.issue("Avoid using the :as option with alias.", opts[0][1].line, trigger=trigger)
