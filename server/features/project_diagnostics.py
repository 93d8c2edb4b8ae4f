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

ProgressReport = Callable[[int, int, str], None]


class ProjectDiagnostics:
    """The project analysis of one workspace root and what was last published from it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.analysis = ProjectAnalysis(root)
        self.results: dict[str, AnalysisResult] = {}
        self.published: set[str] = set()
        self.lock = asyncio.Lock()

    def uri_of(self, name: str) -> str:
        """The file URI of a result's (root-relative) name, built on the workspace root as the client
        gave it (not resolved: a symlinked root must give the same URIs as the editor's documents)."""
        return Path(os.path.normpath(self.root / name)).as_uri()

    def run(self, settings: Settings, changed: set[Path] | None = None,
            progress: ProgressReport | None = None) -> ProjectReport:
        """Analyse (blocking; call it off the event loop)."""
        report = self.analysis.run(analysis_options(settings), progress=progress, changed=changed)
        self.results = report.results
        return report

    def diagnostics(self, settings: Settings, encoding: str) -> dict[str, list[lsp.Diagnostic]]:
        """Diagnostics by URI for every analysed file (empty lists included, to clear old ones)."""
        out: dict[str, list[lsp.Diagnostic]] = {}
        for name, result in self.results.items():
            path = self.root / name
            try:
                text = read_regular_file(path, MAX_PARSE_BYTES).decode("utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            result = _without_disabled(result, settings.disabled_checks)
            out[self.uri_of(name)] = client_diagnostics(result, name, text, settings.docs_base_url, encoding)
        return out


def _without_disabled(result: AnalysisResult, disabled: tuple[str, ...]) -> AnalysisResult:
    """The settings' disabled checks left out, on a copy (the cached result stays whole)."""
    if not disabled:
        return result
    return drop_disabled(dataclasses.replace(result), disabled)
