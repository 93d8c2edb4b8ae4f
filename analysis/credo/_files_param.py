"""The per-check `files: %{included: [...], excluded: [...]}` param some Credo checks default to."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import PurePosixPath
from typing import Any

from ..checks import CheckContext
from ..terms import Regex


def glob_match(path: str, pattern: str) -> bool:
    """Credo's (Path.wildcard-style) glob: `**` spans folders, `*` stays within one."""
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        elif pattern[i] == "{":
            end = pattern.find("}", i)
            if end < 0:
                regex += re.escape(pattern[i])
                i += 1
                continue
            regex += "(?:" + "|".join(fnmatch.translate(p)[4:-3] for p in pattern[i + 1 : end].split(",")) + ")"
            i = end + 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    return re.fullmatch(regex, path) is not None


def pattern_matches(path: str, pattern: Any) -> bool:
    """A `files:` entry: a regex searched in the path, a glob, or a folder/file prefix."""
    if isinstance(pattern, Regex):
        return pattern.compile().search(path) is not None
    text = str(pattern)
    if any(ch in text for ch in "*?{"):
        return glob_match(path, text)
    text = text.rstrip("/")
    return path == text or path.startswith(text + "/")


def matches_files_param(ctx: CheckContext) -> bool:
    """Whether the file falls under the check's own `files:` param (true when the check has none)."""
    files = ctx.params.get("files")
    if not isinstance(files, dict):
        return True
    path = PurePosixPath(ctx.src.filename.replace("\\", "/")).as_posix().removeprefix("./")
    included = files.get("included")
    excluded = files.get("excluded") or []
    if included is not None and not any(pattern_matches(path, p) for p in _as_list(included)):
        return False
    return not any(pattern_matches(path, p) for p in _as_list(excluded))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def directory_excluded(filename: str, excluded_paths: list[Any]) -> bool:
    """The `excluded_paths` param of ModuleDependencies and MixEnv: the file's folder starts with a
    path, or matches a regex."""
    directory = os.path.dirname(filename)
    for pattern in excluded_paths:
        if isinstance(pattern, Regex):
            if pattern.compile().search(directory):
                return True
        elif directory.startswith(str(pattern)):
            return True
    return False
