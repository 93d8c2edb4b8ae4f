"""Run the analyzer: find files, parse them, run Credo and Sobelow checks, apply config and directives.

This is the one entry point the CLI, the language server and the benchmarks share.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .checks import CheckContext, CredoCheck, load_checks
from .credo_config import CredoConfig, CredoConfigError, load_credo_config
from .directives import apply_directives, find_directives
from .issues import Finding, Issue
from .source import MAX_PARSE_BYTES, SourceDecodeError, SourceFile

log = logging.getLogger(__name__)

ELIXIR_SUFFIXES = (".ex", ".exs")
SKIPPED_DIRS = frozenset({"_build", "deps", "node_modules", ".git", ".elixir_ls", "cover"})
STRICT_MIN_PRIORITY = -99
DEFAULT_MIN_PRIORITY = 0


@dataclass(frozen=True)
class AnalysisOptions:
    """What to run.

    Args:
        strict: show low-priority issues too (Credo's `--strict`); None takes `.credo.exs`'s value.
        only: check filters (case-insensitive substrings of check names or categories, like
            Credo's `--only`; Sobelow type names such as `XSS.Raw` also match).
        enable: opt-in checks to switch on in addition to the configuration.
        credo / sobelow: which analyzers run.
    """

    strict: bool | None = None
    only: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    credo: bool = True
    sobelow: bool = True


@dataclass(frozen=True)
class FileProblem:
    """A file that could not be analysed fully: a syntax error or an unreadable file."""

    filename: str
    line: int
    column: int
    message: str
    kind: str  # "syntax" | "unreadable" | "config"


@dataclass
class AnalysisResult:
    """Everything one analysis run produced."""

    issues: list[Issue] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    engine: str = "builtin"


def discover_files(paths: Sequence[Path]) -> list[Path]:
    """Elixir files under the given files and directories, skipping build and dependency folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
            continue
        if not path.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(ELIXIR_SUFFIXES):
                    found.append(Path(dirpath) / name)
    return found


def _display_name(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return str(path)


def load_sources(paths: Iterable[Path], base: Path) -> tuple[list[SourceFile], list[FileProblem]]:
    """Read and parse files; unreadable or binary files become problems instead of exceptions."""
    sources: list[SourceFile] = []
    problems: list[FileProblem] = []
    for path in paths:
        name = _display_name(path, base)
        try:
            raw = path.read_bytes()
            if len(raw) > MAX_PARSE_BYTES:
                problems.append(FileProblem(name, 1, 1, f"file too large to analyse ({len(raw)} bytes)", "unreadable"))
                continue
            sources.append(SourceFile.from_bytes(raw, name))
        except SourceDecodeError as exc:
            problems.append(FileProblem(name, 1, 1, str(exc), "unreadable"))
        except OSError as exc:
            problems.append(FileProblem(name, 1, 1, f"cannot read: {exc.strerror or exc}", "unreadable"))
    return sources, problems


def _matches_only(only: tuple[str, ...], name: str, category: str) -> bool:
    if not only:
        return True
    lowered = name.lower()
    return any(o.lower() in lowered or o.lower() == category for o in only)


def selected_checks(config: CredoConfig, options: AnalysisOptions) -> list[CredoCheck]:
    """Instances of the checks this run executes, in a stable order."""
    registry = load_checks()
    enable = {e.removeprefix("Credo.Check.") for e in options.enable}
    chosen: list[CredoCheck] = []
    for name in sorted(registry):
        cls = registry[name]
        explicitly = cls.short_name() in enable or name in enable
        if not (explicitly or config.is_enabled(name, cls.enabled_by_default)):
            continue
        if not _matches_only(options.only, name, cls.category):
            continue
        chosen.append(cls())
    return chosen


def run_credo(sources: list[SourceFile], config: CredoConfig, options: AnalysisOptions,
              root: Path | None = None) -> list[Issue]:
    """Run the selected Credo checks over parsed files and apply directives and the priority filter.

    `root` is the project folder relative file names are resolved against (project-level
    checks read its config files).
    """
    checks = selected_checks(config, options)
    strict = config.strict if options.strict is None else options.strict
    min_priority = STRICT_MIN_PRIORITY if strict else DEFAULT_MIN_PRIORITY
    parsed = [s for s in sources if s.root is not None]
    issues: list[Issue] = []
    for check in checks:
        params = check.params_with(config.params_for(check.name))
        contexts = [CheckContext(src, check, params, root) for src in parsed]
        try:
            issues.extend(check.run_project(contexts))
        except Exception:  # noqa: BLE001 - one faulty check must not hide every other result
            log.exception("check %s failed", check.name)
    by_file: dict[str, list[Issue]] = {}
    for issue in issues:
        by_file.setdefault(issue.filename, []).append(issue)
    kept: list[Issue] = []
    for src in parsed:
        file_issues = by_file.get(src.filename, [])
        kept.extend(i for i in apply_directives(file_issues, find_directives(src)) if i.priority >= min_priority)
    kept.sort(key=lambda i: (i.filename, i.line_no or 0, i.column or 0, i.check))
    return kept


def _sobelow_findings(root: Path, sources: list[SourceFile], options: AnalysisOptions) -> list[Finding]:
    try:
        from .sobelow.runner import run_sobelow
    except ImportError:
        log.warning("Sobelow-compatible analyzer not available")
        return []
    findings = run_sobelow(root, sources)
    if options.only:
        findings = [f for f in findings if _matches_only(options.only, f.type_name, f.type_name.split(".")[0].lower())]
    return findings


def syntax_problems(sources: Iterable[SourceFile]) -> list[FileProblem]:
    """One syntax problem per file that does not parse cleanly."""
    out = []
    for src in sources:
        for p in src.syntax_problems():
            out.append(FileProblem(src.filename, p.line, p.column, p.message, "syntax"))
    return out


def analyze_sources(
    sources: list[SourceFile],
    root: Path,
    options: AnalysisOptions = AnalysisOptions(),
    config: CredoConfig | None = None,
) -> AnalysisResult:
    """Analyse already-loaded files (the language server's entry point)."""
    result = AnalysisResult(files=[s.filename for s in sources])
    if config is None:
        try:
            config = load_credo_config(root)
        except CredoConfigError as exc:
            result.problems.append(FileProblem(".credo.exs", 1, 1, str(exc), "config"))
            config = CredoConfig()
    result.problems.extend(syntax_problems(sources))
    if options.credo:
        result.issues = run_credo(sources, config, options, root)
    if options.sobelow:
        result.findings = _sobelow_findings(root, sources, options)
    return result


def analyze_paths(
    paths: Sequence[Path],
    root: Path | None = None,
    options: AnalysisOptions = AnalysisOptions(),
    display_base: Path | None = None,
) -> AnalysisResult:
    """Analyse files and directories (the CLI's entry point).

    Args:
        paths: files or directories to analyse.
        root: project root holding `.credo.exs`, `mix.lock` and config (default: current directory).
        display_base: paths in results are relative to this (default: current directory).
    """
    base = display_base or Path.cwd()
    project_root = root or Path.cwd()
    files = discover_files(paths)
    sources, problems = load_sources(files, base)
    result = analyze_sources(sources, project_root, options)
    result.problems = problems + result.problems
    result.files = [_display_name(p, base) for p in files]
    return result
