"""Which files `mix credo` analyses: the `files: %{included:, excluded:}` of `.credo.exs`, read like Credo.

Credo expands each `included` entry with Elixir's `Path.wildcard/1`: a file is taken as is, a
directory becomes `dir/**/*.{ex,exs}`, anything else is a glob whose matches are expanded the
same way. Wildcards never match names starting with a dot (so `.formatter.exs` and `.iex.exs`
are not analysed unless named explicitly), `**` spans folders, `{a,b}` is an alternative.
`excluded` entries are paths or globs (removed the same way) or regexes matched against the
relative path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from .terms import Regex

SOURCE_SUFFIXES = (".ex", ".exs")
# Folders a wildcard never needs to enter (Credo excludes them by regex; walking them is waste).
_NEVER_WALKED = frozenset({"_build", "deps", "node_modules"})


def _segment_regex(segment: str) -> re.Pattern[str]:
    """One path segment of an Elixir wildcard as a regex (no dot files unless the glob starts with a dot)."""
    out = ""
    i = 0
    while i < len(segment):
        ch = segment[i]
        if ch == "*":
            out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "{":
            end = segment.find("}", i)
            if end < 0:
                out += re.escape(ch)
            else:
                options = segment[i + 1 : end].split(",")
                out += "(?:" + "|".join(_segment_regex(o).pattern for o in options) + ")"
                i = end
        elif ch == "[":
            end = segment.find("]", i)
            if end < 0:
                out += re.escape(ch)
            else:
                out += "[" + segment[i + 1 : end].replace("\\", "\\\\") + "]"
                i = end
        else:
            out += re.escape(ch)
        i += 1
    return re.compile(out)


def wildcard(root: Path, pattern: str, errors: list[OSError] | None = None) -> list[str]:
    """Elixir's `Path.wildcard(pattern)` run in `root`: matching relative paths, sorted. Folders that cannot
    be listed are skipped and their errors appended to `errors` (for the CLI's stderr)."""
    pattern = pattern.replace("\\", "/")
    absolute = pattern.startswith("/")
    base = Path("/") if absolute else root
    segments = [s for s in pattern.strip("/").split("/") if s not in ("", ".")]
    results: set[str] = set()

    def walk(current: Path, rel: str, index: int) -> None:
        if index == len(segments):
            if current.exists():
                results.add(rel or ".")
            return
        segment = segments[index]
        if segment == "**":
            walk(current, rel, index + 1)
            if not current.is_dir():
                return
            for dirpath, dirnames, _ in os.walk(current, onerror=errors.append if errors is not None else None):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _NEVER_WALKED)
                for d in dirnames:
                    full = Path(dirpath) / d
                    sub = full.relative_to(base).as_posix()
                    walk(full, sub, index + 1)
            return
        if not any(c in segment for c in "*?{["):
            nxt = current / segment
            if nxt.exists() or index == len(segments) - 1:
                walk(nxt, f"{rel}/{segment}" if rel else segment, index + 1)
            return
        if not current.is_dir():
            return
        regex = _segment_regex(segment)
        try:
            names = sorted(os.listdir(current))
        except OSError as exc:
            if errors is not None:
                errors.append(exc)
            return
        for name in names:
            if name.startswith(".") and not segment.startswith("."):
                continue
            if regex.fullmatch(name):
                walk(current / name, f"{rel}/{name}" if rel else name, index + 1)

    walk(base, "/" if absolute else "", 0)
    return sorted(r for r in results if (base / r).exists())


def _expand(root: Path, entry: str, errors: list[OSError] | None = None) -> list[str]:
    """Credo's `recurse_path`: a file, a directory's Elixir files, or a glob's expanded matches."""
    path = root / entry
    rel = entry.rstrip("/") or "."
    if path.is_file():
        return [os.path.normpath(rel)]
    if path.is_dir():
        prefix = "" if rel == "." else rel.rstrip("/") + "/"
        return [os.path.normpath(prefix + m) for m in wildcard(path, "**/*.{ex,exs}", errors)]
    out: list[str] = []
    for match in wildcard(root, entry, errors):
        out.extend(_expand(root, match, errors) if (root / match).is_dir() else [os.path.normpath(match)])
    return out


def _all_sources(root: Path, errors: list[OSError] | None = None) -> list[str]:
    return [os.path.normpath(m) for m in wildcard(root, "**/*.{ex,exs}", errors)]


def find_sources(root: Path, included: Sequence[str | Regex], excluded: Sequence[str | Regex],
                 errors: list[OSError] | None = None) -> list[Path]:
    """The files Credo analyses in `root` for these patterns, as absolute paths in a stable order; folders
    that cannot be listed go to `errors`."""
    chosen: set[str] = set()
    everything: list[str] | None = None
    for entry in included:
        if isinstance(entry, Regex):
            everything = everything if everything is not None else _all_sources(root, errors)
            pattern = entry.compile()
            chosen.update(p for p in everything if pattern.search(p))
        else:
            chosen.update(_expand(root, str(entry), errors))
    for entry in excluded:
        if isinstance(entry, Regex):
            pattern = entry.compile()
            chosen = {p for p in chosen if not pattern.search(p)}
        else:
            chosen -= set(_expand(root, str(entry)))
    return [root / p for p in sorted(chosen)]


def relative_entries(root: Path, paths: Iterable[Path]) -> list[str]:
    """Command-line paths as `included` entries relative to the project root (Credo's argv files)."""
    out = []
    for path in paths:
        resolved = path.resolve()
        try:
            out.append(resolved.relative_to(root.resolve()).as_posix() or ".")
        except ValueError:
            out.append(str(resolved))
    return out


def files_to_analyse(root: Path, included: Sequence[str | Regex], excluded: Sequence[str | Regex],
                     paths: Sequence[Path] = ()) -> list[Path]:
    """What `mix credo [paths]` analyses: the config's `included` when no path (or only the project
    root) is given, the given paths otherwise; the config's `excluded` applies either way."""
    root_resolved = root.resolve()
    if not paths or all(p.resolve() == root_resolved for p in paths):
        return find_sources(root, included, excluded)
    return find_sources(root, relative_entries(root, paths), excluded)
