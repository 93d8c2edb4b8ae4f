"""The Credo check base class, the per-file context handed to checks, and the check registry.

A check is a small class: its Credo module name, category, base priority, default params,
and `run(ctx)` yielding issues. Registering is a decorator; `load_checks()` imports the category
packages under `credo/`, each of which imports its check modules, so the registry is complete.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from .credo.opt_in import OPT_IN_MODULES
from .issues import Issue, priority_to_int
from .scope import ScopeIndex
from .source import SourceFile

_CATEGORY_MODULES = ("consistency", "design", "readability", "refactor", "warning")

_REGISTRY: dict[str, type[CredoCheck]] = {}


class CheckContext:
    """What a check sees for one file: the source, its effective params, and issue helpers."""

    def __init__(self, src: SourceFile, check: CredoCheck, params: Mapping[str, Any],
                 project_root: Path | None = None) -> None:
        self.src = src
        self.check = check
        self.params = params
        self.project_root = project_root

    @property
    def path(self) -> Path:
        """The file's path, relative names resolved against the project root when there is one."""
        path = Path(self.src.filename)
        return path if path.is_absolute() or self.project_root is None else self.project_root / path

    @functools.cached_property
    def scopes(self) -> ScopeIndex:
        """Scope index (shared between checks through the source file's cache)."""
        return scope_index(self.src)

    def issue(
        self,
        message: str,
        line_no: int | None,
        trigger: str | None = None,
        column: int | None = None,
        column_end: int | None = None,
    ) -> Issue:
        """Build an issue the way Credo's `format_issue` does.

        The priority is the check's base priority (or a `priority:` param) plus the scope
        priority of the line; the column falls back to the trigger's first occurrence on
        the line, and `column_end` to column plus the trigger's length.
        """
        base = priority_to_int(self.params.get("priority", self.check.base_priority))
        scope = self.scopes.name_at(line_no) if line_no else None
        priority = base + (self.scopes.priority_at(line_no) if line_no else 0)
        if column is None and trigger and line_no:
            column = self.src.column_of_trigger(line_no, trigger)
        if column_end is None and column is not None and trigger:
            column_end = column + len(trigger)
        return Issue(
            check=self.check.name,
            category=self.check.category,
            message=message,
            filename=self.src.filename,
            line_no=line_no,
            column=column,
            column_end=column_end,
            trigger=trigger,
            priority=priority,
            scope=scope,
        )


def scope_index(src: SourceFile) -> ScopeIndex:
    """Scope index for a file, computed once and kept on the SourceFile."""
    cached = getattr(src, "_scope_index", None)
    if cached is None:
        cached = ScopeIndex(src)
        src._scope_index = cached  # type: ignore[attr-defined]
    return cached


class CredoCheck:
    """Base class of every Credo-compatible check.

    Subclasses set the class attributes below and implement `run`. Checks that compare
    files against each other (Credo's consistency checks) override `run_project` instead.
    """

    name: ClassVar[str]  # full Credo module name, e.g. "Credo.Check.Readability.LargeNumbers"
    category: ClassVar[str]  # consistency | design | readability | refactor | warning
    base_priority: ClassVar[str | int] = "normal"
    default_params: ClassVar[dict[str, Any]] = {}
    enabled_by_default: ClassVar[bool] = True
    # One line saying what the check enforces; the long form lives in docs/checks/.
    summary: ClassVar[str] = ""

    def run(self, ctx: CheckContext) -> Iterable[Issue]:
        """Yield the issues this check finds in one file."""
        raise NotImplementedError

    def run_project(self, contexts: list[CheckContext]) -> Iterator[Issue]:
        """Run over every analysed file at once; the default runs file by file."""
        for ctx in contexts:
            yield from self.run(ctx)

    @classmethod
    def short_name(cls) -> str:
        """`Readability.LargeNumbers` for `Credo.Check.Readability.LargeNumbers`."""
        return cls.name.removeprefix("Credo.Check.")

    @classmethod
    def params_with(cls, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
        """Default params updated with user overrides from `.credo.exs`."""
        merged = dict(cls.default_params)
        if overrides:
            merged.update(overrides)
        return merged


def register(cls: type[CredoCheck]) -> type[CredoCheck]:
    """Class decorator adding a check to the registry (by its full Credo name)."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"check {cls.name} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def load_checks(opt_in: Iterable[str] | None = None) -> dict[str, type[CredoCheck]]:
    """Import the check modules and return the registry (name -> class).

    Every check Credo runs by default is imported; of the ones it ships disabled (`OPT_IN_MODULES`)
    only those named in `opt_in`, or all of them when it is None. Checks come in category order,
    the default ones first.
    """
    for mod in _CATEGORY_MODULES:
        try:
            importlib.import_module(f"{__package__}.credo.{mod}")
        except ModuleNotFoundError as exc:
            # A category module that is not written yet must not break the others.
            if exc.name != f"{__package__}.credo.{mod}":
                raise
    asked = set(OPT_IN_MODULES if opt_in is None else opt_in)
    for name in (n for n in OPT_IN_MODULES if n in asked):
        importlib.import_module(f"{__package__}.credo.{OPT_IN_MODULES[name]}")
    return dict(sorted(_REGISTRY.items(), key=_registry_position))


_OPT_IN_ORDER = {name: index for index, name in enumerate(OPT_IN_MODULES, 1)}


def _registry_position(item: tuple[str, type[CredoCheck]]) -> tuple[int, int]:
    """Where a check comes in `load_checks()` (a stable sort keeps registration order within a group),
    whichever modules were imported first."""
    name, cls = item
    category = _CATEGORY_MODULES.index(cls.category) if cls.category in _CATEGORY_MODULES else len(_CATEGORY_MODULES)
    return category, _OPT_IN_ORDER.get(name, 0)


def find_check(name: str) -> type[CredoCheck] | None:
    """Look a check up by full name (`Credo.Check.X.Y`) or short name (`X.Y` or `Y`)."""
    checks = load_checks()
    if name in checks:
        return checks[name]
    full = f"Credo.Check.{name}"
    if full in checks:
        return checks[full]
    matches = [c for n, c in checks.items() if n.rsplit(".", 1)[-1] == name]
    return matches[0] if len(matches) == 1 else None
