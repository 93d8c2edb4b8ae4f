"""Run the analyzer: find files, parse them, run Credo and Sobelow checks, apply config and directives.

This is the one entry point the CLI, the language server and the benchmarks share.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .checks import CheckContext, CredoCheck, load_checks
from .credo.opt_in import OPT_IN_MODULES
from .credo_config import CredoConfig, CredoConfigError, load_credo_config
from .credo_sources import find_sources, relative_entries
from .directives import apply_directives, find_directives
from .file_reading import UnreadableFile, read_regular_file
from .issues import Finding, Issue
from .source import MAX_PARSE_BYTES, SourceDecodeError, SourceFile
from .text_limits import lone_cr_as_newline, overlong_line

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
        config_name / config_file: which `.credo.exs` configuration applies.
    """

    strict: bool | None = None
    only: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    credo: bool = True
    sobelow: bool = True
    config_name: str = "default"  # Credo's --config-name
    config_file: Path | None = None  # Credo's --config-file (instead of searching for .credo.exs)


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


# (files, display base, project root, configuration, options) -> the result, or None to run here
SplitRun = Callable[[list[Path], Path, Path, CredoConfig, AnalysisOptions], "AnalysisResult | None"]


def discover_files(paths: Sequence[Path], errors: list[OSError] | None = None) -> list[Path]:
    """Elixir files under the given files and directories, skipping build and dependency folders.

    A path given explicitly that is neither a directory nor a regular file (a FIFO, a device) is
    returned too, so that reading it reports why it is not analysed; directories that cannot be
    listed are appended to `errors`.
    """
    found: list[Path] = []
    for path in paths:
        try:
            if not path.is_dir():
                found.append(path)
                continue
        except OSError as exc:
            if errors is not None:
                errors.append(exc)
            continue
        for dirpath, dirnames, filenames in os.walk(path, onerror=errors.append if errors is not None else None):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(ELIXIR_SUFFIXES):
                    found.append(Path(dirpath) / name)
    return found


def display_name(path: Path, base: Path) -> str:
    """A path as results name it: relative to `base` where it can be."""
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return str(path)


def load_sources(paths: Iterable[Path], base: Path) -> tuple[list[SourceFile], list[FileProblem]]:
    """Read and parse files; unreadable or binary files become problems instead of exceptions."""
    sources: list[SourceFile] = []
    problems: list[FileProblem] = []
    for path in paths:
        name = display_name(path, base)
        try:
            raw = read_regular_file(path, MAX_PARSE_BYTES)  # FIFOs and devices are refused, not read
            # Lone CRs end lines, as editors count them; a line of tens of KB is not analysed
            # (see text_limits). Both are decided before the parse, which is what they make slow.
            text = lone_cr_as_newline(SourceFile.decode(raw, name))
            too_long = overlong_line(text)
            if too_long is not None:
                problems.append(FileProblem(name, 1, 1, f"not analysed: {too_long}", "unreadable"))
                continue
            sources.append(SourceFile(filename=name, text=text))
        except SourceDecodeError as exc:
            problems.append(FileProblem(name, 1, 1, str(exc), "unreadable"))
        except UnreadableFile as exc:
            problems.append(FileProblem(name, 1, 1, f"not analysed: {exc.reason}", "unreadable"))
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
    enable = {e.removeprefix("Credo.Check.") for e in options.enable}
    # Of the checks Credo ships disabled, only those switched on are imported.
    registry = load_checks(opt_in=[name for name in OPT_IN_MODULES if name.removeprefix("Credo.Check.") in enable
                                   or name in enable or config.is_enabled(name, False)])
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


def _sobelow_findings(root: Path, sources: list[SourceFile], options: AnalysisOptions,
                      asked: frozenset[str] = frozenset()) -> list[Finding]:
    try:
        from .sobelow.runner import run_sobelow
    except ImportError:
        log.warning("Sobelow-compatible analyzer not available")
        return []
    findings = run_sobelow(root, sources, asked=asked)
    if options.only:
        findings = [f for f in findings if _matches_only(options.only, f.type_name, f.type_name.split(".")[0].lower())]
    return findings


def sobelow_sources(root: Path, loaded: list[SourceFile], base: Path) -> tuple[list[SourceFile], list[FileProblem]]:
    """What Sobelow scans in a project: its code folders' `.ex` files, whatever Credo's `files` say.

    Files already loaded for Credo are reused; the others are read here.
    """
    from .sobelow.scope import code_roots

    by_path = {(base / s.filename).resolve(): s for s in loaded}
    wanted: list[Path] = []
    for folder in code_roots(root):
        top = root / folder
        if top.is_dir():
            wanted.extend(sorted(p for p in top.rglob("*.ex") if not any(part.startswith(".") for part in p.parts)))
    missing = [p for p in wanted if p.resolve() not in by_path]
    extra, problems = load_sources(missing, base)
    return [by_path[p.resolve()] for p in wanted if p.resolve() in by_path] + extra, problems


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
    sobelow_files: list[SourceFile] | None = None,
    asked: frozenset[str] = frozenset(),
) -> AnalysisResult:
    """Analyse already-loaded files (the language server's entry point).

    Sobelow looks at `sobelow_files` when given (the project's code folders), else at those of
    `sources` in its scope; `asked` names paths the user asked for explicitly.
    """
    result = AnalysisResult(files=[s.filename for s in sources])
    if config is None:
        config = _load_config(root, options, result.problems)
    result.problems.extend(syntax_problems(sources))
    if options.credo:
        result.issues = run_credo(sources, config, options, root)
    if options.sobelow:
        result.findings = _sobelow_findings(root, sobelow_files if sobelow_files is not None else sources,
                                            options, asked)
    return result


def _load_config(root: Path, options: AnalysisOptions, problems: list[FileProblem]) -> CredoConfig:
    """The project's Credo configuration; what cannot be honoured becomes a `config` problem."""
    try:
        config = load_credo_config(root, options.config_name, options.config_file)
    except CredoConfigError as exc:
        problems.append(FileProblem(".credo.exs", 1, 1, str(exc), "config"))
        return CredoConfig()
    source = str(config.source) if config.source else ".credo.exs"
    problems.extend(FileProblem(source, 1, 1, note, "config") for note in config.notes)
    return config


def _is_project(root: Path, config: CredoConfig) -> bool:
    """A Mix project or a folder with its own `.credo.exs`: `files` (or Credo's defaults) apply."""
    return (root / "mix.exs").is_file() or config.source is not None


def analyze_paths(
    paths: Sequence[Path],
    root: Path | None = None,
    options: AnalysisOptions = AnalysisOptions(),
    display_base: Path | None = None,
    split: SplitRun | None = None,
) -> AnalysisResult:
    """Analyse files and directories (the CLI's entry point).

    Args:
        paths: files or directories to analyse; none (or just the root) means what `mix credo`
            analyses: the `files` of `.credo.exs`, or Credo's default folders.
        root: project root holding `.credo.exs`, `mix.lock` and config (default: current directory).
        display_base: paths in results are relative to this (default: current directory).
        split: runs a Credo-only run's checks some other way (`parallel.analyze_in_processes`
            shares them among processes) and gives the same result, or None to leave it to this one.
    """
    base = display_base or Path.cwd()
    project_root = root or Path.cwd()
    config_problems: list[FileProblem] = []
    config = _load_config(project_root, options, config_problems)
    if _is_project(project_root, config):
        whole_project = not paths or all(p.resolve() == project_root.resolve() for p in paths)
    else:
        # a plain folder (no mix.exs, no .credo.exs): Credo's default folders mean nothing there
        paths, whole_project = list(paths) or [project_root], False
    included = config.included if whole_project else relative_entries(project_root, paths)
    listing: list[OSError] = []
    files = find_sources(project_root, included, config.excluded, listing)
    listed = [FileProblem(display_name(Path(e.filename), base) if e.filename else "?", 1, 1,
                          f"cannot list: {e.strerror or e}", "unreadable") for e in listing]
    if split is not None and options.credo and not options.sobelow:
        done = split(files, base, project_root, config, options)
        if done is not None:
            done.problems = config_problems + listed + done.problems
            return done
    sources, problems = load_sources(files, base)
    problems = listed + problems
    sobelow_files: list[SourceFile] | None = None
    asked: frozenset[str] = frozenset()
    if options.sobelow and whole_project:
        sobelow_files, sobelow_problems = sobelow_sources(project_root, sources, base)
        known = {p.filename for p in problems}
        problems += [p for p in sobelow_problems if p.filename not in known]
    elif options.sobelow:
        # explicit paths: Sobelow looks at exactly those files, test folders included since they were asked for
        asked = frozenset({"*"})
    result = analyze_sources(sources, project_root, options, config, sobelow_files, asked)
    result.problems = config_problems + problems + result.problems
    result.files = [display_name(p, base) for p in files]
    return result
