"""Warning.WrongTestFilename: Files under `test/` that `use` a test case module but are not named
`*_test.exs` (mix test skips them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from ...ast import ancestors, call_args, calls_named, do_block, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...credo_config import CredoConfig
from ...issues import Issue
from ...source import SourceFile
from ...terms import Regex
from ._helpers import _text

# --------------------------------------------------------------------- test files


@register
class WrongTestFilename(CredoCheck):
    """Files under `test/` that `use` a test case module but are not named `*_test.exs` (mix test skips them)."""

    name = "Credo.Check.Warning.WrongTestFilename"
    category = "warning"
    base_priority = "high"
    default_params = {"files": {"included": ["test/"], "excluded": ["test/**/*_test.exs", "apps/**/test/**/*_test.exs"]}}
    summary = "Test files must be named *_test.exs."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        path = src.filename.replace("\\", "/")
        if path.endswith("_test.exs") or not self._in_scope(path, ctx.params.get("files")):
            return
        for call in calls_named(src, "use"):
            args = call_args(call)
            if not args or args[0].type != "alias" or self._in_quote(src, call):
                continue
            module = "".join(_text(src, args[0]).split())
            if module.endswith("Case"):
                yield ctx.issue(f"This file uses `{module}` but its name does not end in `_test.exs`, so "
                                "`mix test` will not run it.", src.line_of(call), trigger=module)

    @staticmethod
    def _in_scope(path: str, files: Any) -> bool:
        included = ["test/"]
        excluded: list[str] = []
        if isinstance(files, dict):
            included = list(files.get("included", included))
            excluded = list(files.get("excluded", excluded))
        config = CredoConfig(included=list[str | Regex](included), excluded=list[str | Regex](excluded))
        if path.startswith("/"):
            # an absolute path (the editor's document): judge it from its innermost test/ folder on
            marker = path.rfind("/test/")
            if marker < 0:
                return False
            path = path[marker + 1 :]
        return config.includes_file(path)

    @staticmethod
    def _in_quote(src: SourceFile, node: Node) -> bool:
        return any(a.type == "call" and local_call_name(src, a) == "quote" and call_args(a) or (
            a.type == "call" and local_call_name(src, a) == "quote" and do_block(a) is not None)
            for a in ancestors(node))
