"""Refactor.PassAsyncInTestCases: `use SomeCase` in a test without an `async:` option."""

from __future__ import annotations

from collections.abc import Iterator

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, prewalk, quoted
from .._files_param import matches_files_param
from .._quoted_terms import keyword_keys


@register
class PassAsyncInTestCases(CredoCheck):
    """`use ...Case` without `async:` in test files (`files: %{included: [...]}` of the check)."""

    name = "Credo.Check.Refactor.PassAsyncInTestCases"
    category = "refactor"
    base_priority = "normal"
    default_params = {"files": {"included": ["test/**/*_test.exs", "apps/**/test/**/*_test.exs"]},
                      "force_comment_on_explicit_false": False}
    enabled_by_default = False
    summary = "Pass `async:` explicitly when using a test case module."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        if not matches_files_param(ctx):
            return
        for term in prewalk(quoted(ctx.src)):
            if not (isinstance(term, Q) and term.form == "use" and isinstance(term.args, list) and term.args):
                continue
            module = term.args[0]
            if not (isinstance(module, Q) and isinstance(module.args, list)) or len(term.args) > 2:
                continue
            last = module.args[-1] if module.args else None
            if not (isinstance(last, Atom) and last.name.endswith("Case")):
                continue
            if len(term.args) == 2:
                keys = keyword_keys(term.args[1])
                if not keys or "async" in keys:
                    continue
            yield ctx.issue("Pass an `:async` boolean option to `use` a test case module.", term.line, trigger="use")
