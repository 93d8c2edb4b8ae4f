"""Credo's checks over many files on several processes, with the output of one.

The calling process forks the others (so they share what is imported and nothing is parsed twice)
and all of them take files one at a time, in file order, from a counter they share: a process
that meets cheap files takes more of them, so none waits long for the others whatever the files
cost and whatever else holds the cores. Each process reads and parses the files it takes and runs
the per-file checks on each; the consistency checks, which compare files, run in rounds: every
process sends its style counts, the caller adds them up and sends back the style each check
expects, and each process reports its own files' issues. A check that counts only when some file
of the project calls for it (`needs_collecting`) adds a round first: each process says whether one
of its files does.
Results carry each file's position, and every list keeps the order the single-process run gives
it, so the result is the same, issue for issue. Any failure in a process (a check that raises, a
process that dies) makes the caller fall back to the single-process run, which reports it as it
always does.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .checks import CheckContext, CredoCheck
from .credo.consistency._helpers import ConsistencyCheck, FileStyles, expected_style
from .credo_config import CredoConfig
from .directives import apply_directives, find_directives
from .issues import Issue
from .runner import (
    DEFAULT_MIN_PRIORITY,
    STRICT_MIN_PRIORITY,
    AnalysisOptions,
    AnalysisResult,
    FileProblem,
    display_name,
    load_sources,
    selected_checks,
    syntax_problems,
)
from .source import SourceFile

log = logging.getLogger(__name__)

CLAIM_WAIT_S = 10.0  # how long taking a file may wait for the lock before the split run is given up
MIN_FILES_PER_PROCESS = 25  # below this a fork and two rounds of messages cost more than they save


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def process_count(files: int, wanted: int | None = None) -> int:
    """How many processes to use for `files` files: `wanted` (or every usable core), but each with
    at least MIN_FILES_PER_PROCESS files, and one where fork is not available."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = wanted if wanted is not None else usable_cores()
    return max(1, min(cores, files // MIN_FILES_PER_PROCESS))


def supported(checks: Sequence[CredoCheck]) -> bool:
    """Whether the checks can be split: every check that compares files is a plain consistency check
    (DuplicatedCode needs every file's trees in one process)."""
    return all(type(c).run_project is CredoCheck.run_project or isinstance(c, ConsistencyCheck) for c in checks)


@dataclass
class ChunkResult:
    """What one process reports in the end; problems with the position of their file in the run."""

    load_problems: list[tuple[int, FileProblem]]
    syntax: list[tuple[int, FileProblem]]
    issues: list[Issue]  # after directives and the priority filter, in the single-process order per file


class FileClaims:
    """The position of the next file nobody has taken yet, shared by the processes of one run
    (made before they fork)."""

    def __init__(self, context: Any, total: int) -> None:
        self._next = context.RawValue("i", 0)
        self._lock = context.Lock()
        self.total = total

    def take(self) -> int | None:
        """The next file's position, or None when every file is taken.

        The lock is held for a few instructions; a process killed while holding it would leave the
        others waiting forever, so a wait this long ends the split run (the caller runs it alone).
        """
        lock = self._lock
        if not lock.acquire(timeout=CLAIM_WAIT_S):
            raise TimeoutError("a process sharing the files stopped while taking one")
        try:
            position = self._next.value
            if position >= self.total:
                return None
            self._next.value = position + 1
        finally:
            lock.release()
        return position


@dataclass
class _Chunk:
    """One process's share of the files and what it keeps between the rounds."""

    files: list[Path]  # every file of the run; `claims` says which this process takes
    claims: FileClaims
    base: Path
    root: Path
    config: CredoConfig
    options: AnalysisOptions
    sources: list[tuple[int, SourceFile]] = field(default_factory=list)  # (position, file) as taken
    load_problems: list[tuple[int, FileProblem]] = field(default_factory=list)
    parsed: list[SourceFile] = field(default_factory=list)
    # per parsed file, per check index: the per-file checks' issues
    file_issues: list[dict[int, list[Issue]]] = field(default_factory=list)
    # per consistency check index: each parsed file's styles
    styles: dict[int, list[FileStyles]] = field(default_factory=dict)
    # consistency checks that count only when some file calls for it, with their contexts
    conditional: dict[int, list[CheckContext]] = field(default_factory=dict)

    def wanted(self) -> set[int]:
        """Round one: take files until none is left, parse each and run the per-file checks on it;
        which conditional checks a file here calls for."""
        checks = selected_checks(self.config, self.options)
        params = [check.params_with(self.config.params_for(check.name)) for check in checks]
        for index, check in enumerate(checks):
            if isinstance(check, ConsistencyCheck):
                if type(check).needs_collecting is ConsistencyCheck.needs_collecting:
                    self.styles[index] = []
                else:
                    self.conditional[index] = []
        wanted: set[int] = set()
        while (position := self.claims.take()) is not None:
            sources, problems = load_sources([self.files[position]], self.base)
            self.load_problems.extend((position, problem) for problem in problems)
            for src in sources:
                self.sources.append((position, src))
                if src.root is not None:
                    self._check_file(src, checks, params, wanted)
        return wanted

    def _check_file(self, src: SourceFile, checks: list[CredoCheck], params: list[dict[str, Any]],
                    wanted: set[int]) -> None:
        """The per-file checks' issues and the plain consistency checks' styles of one parsed file."""
        issues: dict[int, list[Issue]] = {}
        for index, check in enumerate(checks):
            ctx = CheckContext(src, check, params[index], self.root)
            if index in self.styles:
                self.styles[index].append(check.collect(ctx))  # type: ignore[attr-defined]
            elif index in self.conditional:
                self.conditional[index].append(ctx)
                if index not in wanted and check.needs_collecting(ctx):  # type: ignore[attr-defined]
                    wanted.add(index)
            else:
                issues[index] = list(check.run(ctx))
        self.parsed.append(src)
        self.file_issues.append(issues)

    def counts(self, wanted: set[int]) -> dict[int, Counter[Any]]:
        """Round two: the conditional checks some file of the project calls for collect too; each
        consistency check's styles totalled over this process's files."""
        for index, contexts in self.conditional.items():
            if index in wanted:
                check = contexts[0].check if contexts else None
                assert check is None or isinstance(check, ConsistencyCheck)
                self.styles[index] = [check.collect(ctx) for ctx in contexts] if check else []
        totals: dict[int, Counter[Any]] = {}
        for index, found in self.styles.items():
            total: Counter[Any] = Counter()
            for styles in found:
                total.update(styles.counts)
            totals[index] = total
        return totals

    def issues(self, expected: dict[int, Any]) -> ChunkResult:
        """Round three: each file's issues in check order, the consistency checks' against the expected styles."""
        checks = selected_checks(self.config, self.options)
        strict = self.config.strict if self.options.strict is None else self.options.strict
        min_priority = STRICT_MIN_PRIORITY if strict else DEFAULT_MIN_PRIORITY
        kept: list[Issue] = []
        for position, src in enumerate(self.parsed):
            issues: list[Issue] = []
            for index, check in enumerate(checks):
                if index in self.conditional and index not in self.styles:
                    continue  # no file of the project called for it: no issues
                if index in self.styles:
                    style = expected.get(index)
                    found = self.styles[index][position]
                    if style is not None and any(s != style and n > 0 for s, n in found.counts.items()):
                        issues.extend(check.issues_for(style, found))  # type: ignore[attr-defined]
                else:
                    issues.extend(self.file_issues[position].get(index, []))
            kept.extend(i for i in apply_directives(issues, find_directives(src)) if i.priority >= min_priority)
        syntax = [(position, problem) for position, src in self.sources for problem in syntax_problems([src])]
        return ChunkResult(self.load_problems, syntax, kept)


def _serve(conn: Connection, chunk: _Chunk) -> None:
    """A forked process: answer the two rounds over `conn`; any error is sent back instead."""
    try:
        conn.send(("wanted", chunk.wanted()))
        conn.send(("counts", chunk.counts(conn.recv())))
        expected = conn.recv()
        conn.send(("issues", chunk.issues(expected)))
    except BaseException as exc:  # noqa: BLE001 - reported to the caller, which runs everything again
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        except OSError:
            pass
    finally:
        conn.close()


def run_chunks(files: Sequence[Path], base: Path, root: Path, config: CredoConfig, options: AnalysisOptions,
               processes: int) -> list[ChunkResult] | None:
    """Every process's result (the caller's first), or None when any of them failed (run single-process then)."""
    context = multiprocessing.get_context("fork")
    claims = FileClaims(context, len(files))
    chunks = [_Chunk(list(files), claims, base, root, config, options) for _ in range(processes)]
    children: list[tuple[Any, Connection]] = []
    try:
        for chunk in chunks[1:]:
            mine, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, chunk), daemon=True)
            process.start()
            theirs.close()
            children.append((process, mine))
        wanted = [chunks[0].wanted()] + [_receive(conn, "wanted") for _, conn in children]
        if any(w is None for w in wanted):
            return None
        project_wanted = set().union(*(w for w in wanted if w is not None))
        for _, conn in children:
            conn.send(project_wanted)
        totals = [chunks[0].counts(project_wanted)] + [_receive(conn, "counts") for _, conn in children]
        if any(t is None for t in totals):
            return None
        expected = _expected_styles(chunks[0], [t for t in totals if t is not None])
        for _, conn in children:
            conn.send(expected)
        results = [chunks[0].issues(expected)] + [_receive(conn, "issues") for _, conn in children]
        if any(r is None for r in results):
            return None
        return [r for r in results if r is not None]
    except Exception as exc:  # noqa: BLE001 - the single-process run reports what went wrong
        log.info("parallel analysis abandoned: %s", exc)
        return None
    finally:
        for process, conn in children:
            conn.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


def _receive(conn: Connection, kind: str) -> Any:
    try:
        got, payload = conn.recv()
    except (EOFError, OSError):
        return None
    if got != kind:
        log.info("parallel analysis abandoned: %s", payload)
        return None
    return payload


def _expected_styles(chunk: _Chunk, totals: list[dict[int, Counter[Any]]]) -> dict[int, Any]:
    """Each consistency check's expected style from the project's totals (None: no style seen)."""
    checks = selected_checks(chunk.config, chunk.options)
    expected: dict[int, Any] = {}
    for index in chunk.styles:
        total: Counter[Any] = Counter()
        for part in totals:
            total.update(part.get(index, Counter()))
        total = Counter({k: v for k, v in total.items() if v > 0})
        check = checks[index]
        assert isinstance(check, ConsistencyCheck)  # only those have styles
        params = check.params_with(chunk.config.params_for(check.name))
        expected[index] = expected_style(total, check.forced_style(params)) if total else None
    return expected


def _position(item: tuple[int, FileProblem]) -> int:
    return item[0]


def analyze_in_processes(files: list[Path], base: Path, root: Path, config: CredoConfig, options: AnalysisOptions,
                         processes: int | None = None) -> AnalysisResult | None:
    """`runner.analyze_paths`'s `split`: Credo's checks over `processes` processes (None: one per usable
    core), or None when this run is not worth splitting or cannot be split (the caller runs it then)."""
    count = process_count(len(files), processes)
    if count < 2 or not supported(selected_checks(config, options)):
        return None
    chunks = run_chunks(files, base, root, config, options, count)
    if chunks is None:
        return None
    issues = [issue for chunk in chunks for issue in chunk.issues]
    issues.sort(key=lambda i: (i.filename, i.line_no or 0, i.column or 0, i.check))
    problems = [p for _, p in sorted((p for chunk in chunks for p in chunk.load_problems), key=_position)]
    problems += [p for _, p in sorted((p for chunk in chunks for p in chunk.syntax), key=_position)]
    return AnalysisResult(issues=issues, problems=problems, files=[display_name(p, base) for p in files])
