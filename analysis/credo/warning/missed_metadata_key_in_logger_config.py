"""Warning.MissedMetadataKeyInLoggerConfig: Logger calls with metadata keys that the logger
configuration does not print (so they are lost)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tree_sitter import Node

from ...ast import call_args, calls_named, keyword_pairs
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _remote, _text

# --------------------------------------------------------------------- logger metadata


_LOGGER_FUNS = frozenset({"alert", "critical", "debug", "emergency", "error", "info", "notice", "warn", "warning",
                          "metadata", "log"})


_CONSOLE_CONFIG = re.compile(r"config\s*\(?\s*:logger\s*,\s*:console\s*,(?P<body>.*?)(?=\n\s*config\b|\n\s*import_config|\Z)",
                             re.S)


_METADATA_VALUE = re.compile(r"metadata:\s*(?P<value>:all\b|\[[^\]]*\])")


@functools.lru_cache(maxsize=64)
def _project_logger_metadata(project_root: str) -> tuple[str, ...] | str:
    """Metadata keys of `config :logger, :console` in a project's config (dev environment), or "all"."""
    keys: tuple[str, ...] | str = ()
    for name in ("config.exs", "dev.exs"):
        path = Path(project_root) / "config" / name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for block in _CONSOLE_CONFIG.finditer(text):
            for value in _METADATA_VALUE.finditer(block.group("body")):
                raw = value.group("value")
                keys = "all" if raw == ":all" else tuple(re.findall(r":(\w+)", raw))
    return keys


def _project_root(filename: str) -> str | None:
    """The nearest folder above the file holding a mix.exs."""
    return _project_root_of_dir(str(Path(filename).parent))


@functools.lru_cache(maxsize=1024)
def _project_root_of_dir(directory: str) -> str | None:
    try:
        path = Path(directory).resolve()
    except OSError:
        return None
    for parent in [path, *list(path.parents)[:8]]:
        if (parent / "mix.exs").is_file():
            return str(parent)
    return None


def _atom_name(value: Any) -> str:
    name = getattr(value, "name", value)
    return str(name).lstrip(":")


@register
class MissedMetadataKeyInLoggerConfig(CredoCheck):
    """Logger calls with metadata keys that the logger configuration does not print (so they are lost)."""

    name = "Credo.Check.Warning.MissedMetadataKeyInLoggerConfig"
    category = "warning"
    base_priority = "high"
    default_params = {"metadata_keys": []}
    summary = "Logger metadata keys must be listed in the logger's console config."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        allowed = self._allowed_keys(ctx)
        if allowed is None:
            return
        calls: list[tuple[Node, str]] = list(_remote(src, "Logger", _LOGGER_FUNS))
        imports = [c for c in calls_named(src, "import")
                   if [_text(src, a) for a in call_args(c)] == ["Logger"] and call_args(c)[0].type == "alias"]
        if imports:
            after = imports[0].start_byte
            for fun in _LOGGER_FUNS:
                calls.extend((c, fun) for c in calls_named(src, fun) if c.start_byte > after)
        for call, fun in sorted(calls, key=lambda t: t[0].start_byte):
            metadata = self._metadata_arg(fun, call_args(call))
            if metadata is None:
                continue
            keys = self._keyword_keys(src, metadata)
            if keys is None:
                continue
            missed = [k for k in keys if k not in allowed]
            if missed:
                yield ctx.issue(f"Logger metadata key {', '.join(missed)} is not in the logger config and will be "
                                "dropped in production.", src.line_of(call))

    @staticmethod
    def _allowed_keys(ctx: CheckContext) -> set[str] | None:
        """The configured keys; None when every key is printed (`:all`)."""
        param = ctx.params.get("metadata_keys") or []
        if _atom_name(param) == "all":
            return None
        if not param:
            root = _project_root(str(ctx.path))
            project = _project_logger_metadata(root) if root else ()
            if project == "all":
                return None
            return set(project)
        return {_atom_name(k) for k in param}

    @staticmethod
    def _metadata_arg(fun: str, args: list[Node]) -> Node | None:
        if fun == "metadata":
            return args[0] if len(args) == 1 else None
        if fun == "log":
            return args[2] if len(args) == 3 else None
        return args[1] if len(args) == 2 else None

    @staticmethod
    def _keyword_keys(src: SourceFile, node: Node) -> list[str] | None:
        """Keys of a literal keyword list (`[a: 1]`, `a: 1`, `[{:a, 1}]`), or None when not one."""
        if node.type == "keywords":
            return [k for k, _v in keyword_pairs(src, node)]
        if node.type != "list":
            return None
        keys: list[str] = []
        for item in node.named_children:
            if item.type == "comment":
                continue
            if item.type == "keywords":
                keys.extend(k for k, _v in keyword_pairs(src, item))
            elif item.type == "tuple":
                parts = [c for c in item.named_children if c.type != "comment"]
                if len(parts) != 2 or parts[0].type != "atom":
                    return None
                keys.append(_text(src, parts[0]).lstrip(":"))
            else:
                return None
        return keys
