"""Consistency.MultiAliasImportRequireUse: `alias A.{B, C}` or one directive per module, project-wide."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ...checks import CheckContext, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted, structural_key
from ._helpers import ConsistencyCheck, FileStyles

_DIRECTIVES = frozenset({"alias", "import", "require", "use"})
_MESSAGES = {
    "multi": "Most of the time you are using the multi-alias/require/import/use syntax, but here you are using "
             "multiple single directives",
    "single": "Most of the time you are using the multiple single line alias/require/import/use directives but "
              "here you are using the multi-alias/require/import/use syntax",
}


def _usages(ctx: CheckContext) -> tuple[list[int], list[int]]:
    """Lines of multi directives, and for each (directive, namespace) used singly more than once, one line.

    Credo collects directives into a list it prepends to, so within a group the line it keeps
    is the group's last one in the file.
    """
    multi: list[int] = []
    singles: dict[tuple[str, Any], list[int]] = {}
    for term in prewalk(quoted(ctx.src)):
        if not (isinstance(term, Q) and term.form in _DIRECTIVES and isinstance(term.args, list)):
            continue
        if len(term.args) != 1 or not isinstance(term.args[0], Q):
            continue
        arg = term.args[0]
        if arg.form == "__aliases__" and arg.args and len(arg.args) > 1:
            key = (str(term.form), structural_key(arg.args[:-1]))
            singles.setdefault(key, []).append(term.line or 0)
        elif isinstance(arg.form, Q) and arg.form.form == "." and (arg.form.args or [None, None])[1:] == [Atom("{}")]:
            first = (arg.form.args or [None])[0]
            if isinstance(first, Q) and first.form == "__aliases__":
                multi.append(term.line or 0)
    repeated = [group[-1] for group in singles.values() if len(group) > 1]
    return multi, repeated


@register
class MultiAliasImportRequireUse(ConsistencyCheck):
    """Whether the project groups `alias`/`import`/`require`/`use` with `A.{B, C}`; report the other style."""

    name = "Credo.Check.Consistency.MultiAliasImportRequireUse"
    default_params = {}
    enabled_by_default = False
    summary = "Group directives the way the rest of the project does."

    def collect(self, ctx: CheckContext) -> FileStyles:
        multi, repeated = _usages(ctx)
        counts: Counter[Any] = Counter()
        if multi:
            counts["multi"] = len(multi)
        if repeated:
            counts["single"] = len(repeated)
        return FileStyles(ctx, counts, (multi, repeated))

    def forced_style(self, params: Any) -> Any:
        return None

    def issues_for(self, expected: Any, found: FileStyles) -> Iterable[Issue]:
        multi, repeated = found.data
        lines = repeated if expected == "multi" else multi
        for line in lines:
            yield found.ctx.issue(_MESSAGES[expected], line)
