"""Warning.LazyLogging: Logger calls with an interpolated message built even when the level is off."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted
from .._quoted_terms import names, remote

_LOGGER_FUNCTIONS = frozenset({"debug", "info", "warn", "error"})


def _interpolated_first(args: object) -> bool:
    if not (isinstance(args, list) and args):
        return False
    first = args[0]
    return isinstance(first, Q) and first.form == "<<>>" and bool(first.args)


@register
class LazyLogging(CredoCheck):
    """`Logger.debug "... #{x}"` (and `debug` after `import Logger`); levels in `ignore` are not reported."""

    name = "Credo.Check.Warning.LazyLogging"
    category = "warning"
    base_priority = "high"
    default_params = {"ignore": ["error", "warn", "info"]}
    enabled_by_default = False
    summary = "Pass Logger a function so the message is only built when logged."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        ignored = set(names(ctx.params.get("ignore")))
        imported = False
        for term in prewalk(quoted(ctx.src)):
            if not isinstance(term, Q):
                continue
            call = remote(term)
            if call is not None and call[0] == "Logger" and call[1] in _LOGGER_FUNCTIONS:
                fun, trigger = call[1], f"Logger.{call[1]}"
            elif imported and isinstance(term.form, str) and term.form in _LOGGER_FUNCTIONS and term.args is not None:
                fun, trigger = term.form, term.form
            else:
                if term.form == "import" and term.args and isinstance(term.args[0], Q):
                    target = term.args[0]
                    if len(term.args) == 1 and target.form == "__aliases__" and target.args == [Atom("Logger")]:
                        imported = True
                continue
            if fun in ignored or not _interpolated_first(term.args):
                continue
            yield ctx.issue("Prefer lazy Logger calls.", term.line, trigger=trigger)
