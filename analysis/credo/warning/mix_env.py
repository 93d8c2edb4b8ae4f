"""Warning.MixEnv: `Mix.env` called inside functions of application code (it is not available in releases)."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Q, prewalk, quoted
from .._files_param import directory_excluded
from .._quoted_terms import remote

_DEF_OPS = frozenset({"def", "defp", "defmacro"})




@register
class MixEnv(CredoCheck):
    """`Mix.env` (called or captured) inside def/defp/defmacro bodies of `.ex` files."""

    name = "Credo.Check.Warning.MixEnv"
    category = "warning"
    base_priority = "high"
    default_params = {"excluded_paths": []}
    enabled_by_default = False
    summary = "There should be no calls to Mix.env in application code."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        filename = ctx.src.filename
        if filename.endswith(".exs") or directory_excluded(filename, list(ctx.params.get("excluded_paths") or [])):
            return
        for term in prewalk(quoted(ctx.src)):
            if not (isinstance(term, Q) and term.form in _DEF_OPS and term.args is not None):
                continue
            for inner in prewalk(term):
                if remote(inner) == ("Mix", "env"):
                    module = inner.form.args[0]  # type: ignore[union-attr]
                    yield ctx.issue("There should be no calls to `Mix.env` in application code.", module.line,
                                    trigger="Mix.env", column=module.column)
