"""Diagnostics for every file of the workspace's project, opened or not, published with progress.

On start the whole project is analysed once (`$/progress` shows how far it got); each save then
re-analyses only the saved file plus the checks that compare files, from the per-file cache of
`analysis.project`. Open documents keep their own, fresher diagnostics (`ElixirCoderServer.refresh`);
this publishes the rest and clears files that left the project.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from lsprotocol import types as lsp

from elixir_coder.analysis.file_reading import read_regular_file
from elixir_coder.analysis.project import ProjectAnalysis, ProjectReport
from elixir_coder.analysis.runner import AnalysisResult
from elixir_coder.analysis.source import MAX_PARSE_BYTES

from ..documents import _drop_disabled as drop_disabled
from ..documents import analysis_options
from ..settings import Settings
from .diagnostics import client_diagnostics
from .pull_diagnostics import FileDiagnostics, result_id

ProgressReport = Callable[[int, int, str], None]


class ProjectDiagnostics:
    """The project analysis of one workspace root and what was last published from it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.analysis = ProjectAnalysis(root)
        self.results: dict[str, AnalysisResult] = {}
        self.published: dict[str, str] = {}  # URI -> result id of what was last published
        self.lock = asyncio.Lock()
        # what the last run analysed with; None until the first run (a pull then waits for one)
        self.settings_run: Settings | None = None
        self.changed: set[Path] = set()  # saved since the last run
        # each file's last diagnostics, by the text, configuration and result they were made from
        self._per_file: dict[str, tuple[str, str, AnalysisResult, FileDiagnostics]] = {}
        self._last: tuple[dict[str, AnalysisResult], str, list[FileDiagnostics]] | None = None

    def uri_of(self, name: str) -> str:
        """The file URI of a result's (root-relative) name, built on the workspace root as the client
        gave it (not resolved: a symlinked root must give the same URIs as the editor's documents)."""
        return Path(os.path.normpath(self.root / name)).as_uri()

    def run(self, settings: Settings, changed: set[Path] | None = None,
            progress: ProgressReport | None = None) -> ProjectReport:
        """Analyse (blocking; call it off the event loop)."""
        report = self.analysis.run(analysis_options(settings), progress=progress, changed=changed)
        self.results = report.results
        self.settings_run = settings
        return report

    def stale(self, settings: Settings) -> bool:
        """Whether the results are missing or older than the files saved or the settings."""
        return self.settings_run != settings or bool(self.changed)

    def diagnostics(self, settings: Settings, encoding: str) -> dict[str, list[lsp.Diagnostic]]:
        """Diagnostics by URI for every analysed file (empty lists included, to clear old ones)."""
        return {f.uri: f.diagnostics for f in self.file_diagnostics(settings, encoding)}

    def file_diagnostics(self, settings: Settings, encoding: str) -> list[FileDiagnostics]:
        """Every analysed file's diagnostics with its result id (text, configuration, diagnostics).

        A file whose text and analysis result are those of the last call keeps its diagnostics and
        id: after a save only the files whose findings changed are converted again.
        """
        results = self.results
        key = f"{settings!r}|{encoding}|{self.analysis.cache_key}"
        last = self._last
        if last is not None and last[0] is results and last[1] == key:
            return last[2]  # clients such as VS Code pull the workspace again every few seconds
        files: list[FileDiagnostics] = []
        per_file: dict[str, tuple[str, str, AnalysisResult, FileDiagnostics]] = {}
        for name, result in results.items():
            text = self._text_of(name)
            old = self._per_file.get(name)
            if old is not None and old[0] == key and old[1] == text and old[2] == result:
                file = old[3]
            else:
                shown = _without_disabled(result, settings.disabled_checks)
                diagnostics = client_diagnostics(shown, name, text, settings.docs_base_url, encoding)
                file = FileDiagnostics(self.uri_of(name), diagnostics, result_id(text, key, diagnostics))
            per_file[name] = (key, text, result, file)
            files.append(file)
        self._per_file = per_file
        self._last = (results, key, files)
        return files

    def _text_of(self, name: str) -> str:
        text = self.analysis.text_of(name)
        if text is None:  # a file only Sobelow reads (config, templates): not kept by the analysis
            try:
                text = read_regular_file(self.root / name, MAX_PARSE_BYTES).decode("utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
        return text


def _without_disabled(result: AnalysisResult, disabled: tuple[str, ...]) -> AnalysisResult:
    """The settings' disabled checks left out, on a copy (the cached result stays whole)."""
    if not disabled:
        return result
    return drop_disabled(dataclasses.replace(result), disabled)
