"""Whole-project analysis with a per-file cache: what the editor shows for files never opened.

A project is analysed file by file: each file's per-file Credo checks run once per content
(keyed by a hash of the bytes, the configuration and the options) and are reused until the file
changes. Checks that compare files with each other (Credo's consistency checks, DuplicatedCode)
and Sobelow (routers, templates, config) run over the whole project each time, from the cached
parsed files, so a change to one file costs its own parse and checks plus those project passes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .checks import CheckContext, CredoCheck
from .credo_config import CredoConfig, CredoConfigError, load_credo_config
from .credo_sources import files_to_analyse
from .directives import apply_directives, find_directives
from .file_reading import read_regular_file
from .issues import Finding, Issue
from .runner import (
    DEFAULT_MIN_PRIORITY,
    STRICT_MIN_PRIORITY,
    AnalysisOptions,
    AnalysisResult,
    FileProblem,
    selected_checks,
    syntax_problems,
)
from .source import MAX_PARSE_BYTES, SourceDecodeError, SourceFile

Progress = Callable[[int, int, str], None]


def is_project_check(check: CredoCheck) -> bool:
    """Whether a check compares files with each other (it overrides `run_project`)."""
    return type(check).run_project is not CredoCheck.run_project


def _remember_collections(check: CredoCheck, params: object) -> None:
    """Let a consistency check reuse what it collected from files that did not change.

    Consistency checks collect style counts file by file (`collect`) before comparing the
    project's totals; the counts of an unchanged file are kept on its (cached) SourceFile.
    """
    collect = getattr(check, "collect", None)
    if collect is None:
        return
    key = (check.name, repr(params))

    def remembered(ctx: CheckContext) -> object:
        memo = ctx.src.__dict__.setdefault("_collected", {})
        if key not in memo:
            memo[key] = collect(ctx)
        return memo[key]

    check.collect = remembered  # type: ignore[attr-defined]


@dataclass
class _Entry:
    digest: str
    src: SourceFile | None
    file_issues: list[Issue] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


@dataclass
class ProjectReport:
    """The analysis of every project file, by display name (relative to the root)."""

    results: dict[str, AnalysisResult]
    files_analysed: int  # files whose per-file checks ran (not served from the cache)
    problems: list[FileProblem] = field(default_factory=list)


class ProjectAnalysis:
    """One project's analysis state: cached per-file results, rerun incrementally."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._entries: dict[Path, _Entry] = {}
        self._key = ""
        self._names: dict[Path, str] = {}  # display names (relpath is slow enough to count on each save)
        self._templates: dict[object, object] = {}  # Sobelow's templates, kept while the file list is kept

    @property
    def cache_key(self) -> str:
        """The options and configuration file the cached results were computed with."""
        return self._key

    def text_of(self, name: str) -> str | None:
        """The text the last run analysed for a (root-relative) file, None when it kept none."""
        entry = self._entries.get(Path(os.path.normpath(self.root / name)))
        return entry.src.text if entry is not None and entry.src is not None else None

    def _config(self, options: AnalysisOptions, problems: list[FileProblem]) -> CredoConfig:
        try:
            config = load_credo_config(self.root, options.config_name, options.config_file)
        except CredoConfigError as exc:
            problems.append(FileProblem(".credo.exs", 1, 1, str(exc), "config"))
            return CredoConfig()
        problems.extend(FileProblem(".credo.exs", 1, 1, note, "config") for note in config.notes)
        return config

    def _cache_key(self, config: CredoConfig, options: AnalysisOptions) -> str:
        parts = [repr(options)]
        if config.source is not None and config.source.is_file():
            parts.append(hashlib.sha1(config.source.read_bytes()).hexdigest())
        return "|".join(parts)

    def files(self, config: CredoConfig, options: AnalysisOptions) -> list[Path]:
        """What Credo analyses plus, when Sobelow runs, the code folders it scans."""
        found = files_to_analyse(self.root, config.included, config.excluded)
        if options.sobelow:
            from .sobelow.scope import code_roots

            extra = [p for folder in code_roots(self.root) if (self.root / folder).is_dir()
                     for p in sorted((self.root / folder).rglob("*.ex"))]
            seen = {os.path.normpath(p) for p in found}
            found += [p for p in extra if os.path.normpath(p) not in seen]
        return [Path(os.path.normpath(p)) for p in found]

    def _load(self, path: Path, name: str) -> _Entry:
        try:
            # never blocks on a FIFO, never reads a device; a file over the limit comes back as a problem
            raw = read_regular_file(path, MAX_PARSE_BYTES)
        except OSError as exc:
            return _Entry("", None, problems=[FileProblem(name, 1, 1, f"cannot read: {exc.strerror or exc}",
                                                          "unreadable")])
        digest = hashlib.sha1(raw).hexdigest()
        cached = self._entries.get(path)
        if cached is not None and cached.digest == digest:
            return cached
        if len(raw) > MAX_PARSE_BYTES:
            return _Entry(digest, None, problems=[FileProblem(name, 1, 1, f"file too large to analyse ({len(raw)} bytes)",
                                                              "unreadable")])
        try:
            src = SourceFile.from_bytes(raw, name)
        except SourceDecodeError as exc:
            return _Entry(digest, None, problems=[FileProblem(name, 1, 1, str(exc), "unreadable")])
        return _Entry(digest, src, problems=syntax_problems([src]))

    def run(self, options: AnalysisOptions | None = None, progress: Progress | None = None,
            changed: set[Path] | None = None) -> ProjectReport:
        """Analyse the project, reusing every unchanged file's per-file results.

        `changed` names the files known to have changed since the last run (an editor's save):
        then only they are read again and the file list is kept, unless one of them is new.
        """
        options = options or AnalysisOptions()
        problems: list[FileProblem] = []
        config = self._config(options, problems)
        key = self._cache_key(config, options)
        if key != self._key:
            self._entries.clear()
            self._key = key
            changed = None
        checks = selected_checks(config, options) if options.credo else []
        per_file = [c for c in checks if not is_project_check(c)]
        project_wide = [c for c in checks if is_project_check(c)]
        known = changed is not None and bool(self._entries) and all(p in self._entries for p in changed)
        paths = list(self._entries) if known else self.files(config, options)
        entries: dict[Path, _Entry] = {}
        ran = 0
        if not known:
            self._templates.clear()  # a full run walks the folders again: templates may have come or gone
        for index, path in enumerate(paths):
            name = self._name(path)
            cached = self._entries.get(path)
            entry = cached if known and cached is not None and path not in changed else self._load(path, name)  # type: ignore[operator]
            if entry is not self._entries.get(path) and entry.src is not None:
                ran += 1
                entry.file_issues = self._file_issues(entry.src, per_file, config)
            entries[path] = entry
            if progress is not None:
                progress(index + 1, len(paths), name)
        self._entries = entries
        sources = [e.src for e in entries.values() if e.src is not None and e.src.root is not None]
        project_issues: list[Issue] = []
        for check in project_wide:
            params = check.params_with(config.params_for(check.name))
            _remember_collections(check, params)
            project_issues.extend(check.run_project([CheckContext(s, check, params, self.root) for s in sources]))
        findings: list[Finding] = []
        if options.sobelow:
            from .sobelow.runner import run_sobelow

            findings = run_sobelow(self.root, [e.src for e in entries.values() if e.src is not None],
                                   template_cache=self._templates)  # type: ignore[arg-type]
        return ProjectReport(self._assemble(entries, project_issues, findings, config, options), ran, problems)

    def _name(self, path: Path) -> str:
        name = self._names.get(path)
        if name is None:
            name = self._names[path] = os.path.relpath(path, self.root)
        return name

    def _file_issues(self, src: SourceFile, checks: list[CredoCheck], config: CredoConfig) -> list[Issue]:
        if src.root is None:
            return []
        out: list[Issue] = []
        for check in checks:
            params = check.params_with(config.params_for(check.name))
            out.extend(check.run(CheckContext(src, check, params, self.root)))
        return out

    def _assemble(self, entries: dict[Path, _Entry], project_issues: list[Issue], findings: list[Finding],
                  config: CredoConfig, options: AnalysisOptions) -> dict[str, AnalysisResult]:
        strict = config.strict if options.strict is None else options.strict
        min_priority = STRICT_MIN_PRIORITY if strict else DEFAULT_MIN_PRIORITY
        by_file: dict[str, list[Issue]] = {}
        for issue in project_issues:
            by_file.setdefault(issue.filename, []).append(issue)
        findings_by_file: dict[str, list[Finding]] = {}
        for finding in findings:
            findings_by_file.setdefault(finding.file, []).append(finding)
        results: dict[str, AnalysisResult] = {}
        for path, entry in entries.items():
            name = self._name(path)
            issues: list[Issue] = []
            if entry.src is not None:
                raw = entry.file_issues + by_file.get(name, [])
                issues = [i for i in apply_directives(raw, find_directives(entry.src)) if i.priority >= min_priority]
                issues.sort(key=lambda i: (i.line_no or 0, i.column or 0, i.check))
            results[name] = AnalysisResult(issues=issues, findings=findings_by_file.pop(name, []),
                                           problems=list(entry.problems), files=[name])
        # Sobelow's findings in files Credo does not read (config/*.exs, mix.lock, templates)
        for name, found in findings_by_file.items():
            results[name] = AnalysisResult(findings=found, files=[name])
        return results
