"""Warning.LeakyEnvironment: spawning OS processes that inherit the whole environment."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, prewalk, quoted
from .._quoted_terms import remote


def _has_env(opts: list) -> bool:
    """`Keyword.has_key?(opts, :env)`, which also answers for lists that are not all pairs."""
    return any(isinstance(o, tuple) and len(o) == 2 and o[0] == Atom("env") for o in opts)


@register
class LeakyEnvironment(CredoCheck):
    """`System.cmd/2,3` and `:erlang.open_port/2` without an `env:` option."""

    name = "Credo.Check.Warning.LeakyEnvironment"
    category = "warning"
    base_priority = "high"
    enabled_by_default = False
    summary = "Clear or overwrite sensitive environment variables for child processes."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for term in prewalk(quoted(ctx.src)):
            call = remote(term)
            if call is None:
                continue
            args = term.args or []  # type: ignore[union-attr]
            dot = term.form  # type: ignore[union-attr]
            if call == ("System", "cmd"):
                if len(args) == 3:
                    if not isinstance(args[2], list) or _has_env(args[2]):
                        continue
                elif len(args) != 2:
                    continue
                module = dot.args[0]
                yield ctx.issue("When using System.cmd, clear or overwrite sensitive environment variables.",
                                module.line, trigger="System.cmd", column=module.column)
            elif call == (":erlang", "open_port") and len(args) == 2:
                if not isinstance(args[1], list) or _has_env(args[1]):
                    continue
                # Credo places the column at the module atom, before the dot
                column = (dot.column - len(":erlang")) if dot.column else None
                yield ctx.issue("When using :erlang.open_port, clear or overwrite sensitive environment variables.",
                                dot.line, trigger=":erlang.open_port", column=column)
