"""`textDocument/diagnostic` and `workspace/diagnostic` (LSP 3.17 pull diagnostics) over the server.

Registered only for clients whose capabilities say they pull (see `pull_diagnostics.pull_support`);
the others keep getting `textDocument/publishDiagnostics`. Both requests answer from the analyses
the server keeps (an open document's latest, the project analysis' per-file cache) and run what is
missing off the event loop; a cancelled pull is answered as cancelled while the analysis it waited
for runs on and fills the cache for the next pull.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from lsprotocol import types as lsp
from pygls.workspace import Workspace

from ..analysed import Analysed
from ..settings import Settings
from .project_diagnostics import ProjectDiagnostics
from .pull_diagnostics import FileDiagnostics, document_report, result_id, workspace_report

T = TypeVar("T")


class PullHost(Protocol):
    """What the pull handlers need from the language server."""

    settings: Settings
    analysed: dict[str, Analysed]

    @property
    def workspace(self) -> Workspace: ...

    @property
    def encoding(self) -> str: ...

    def document(self, uri: str) -> tuple[str, int | None] | None: ...

    def analysed_now(self, uri: str) -> Awaitable[Analysed | None]: ...

    def pulled_project(self) -> Awaitable[ProjectDiagnostics | None]: ...

    def in_request_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]: ...

    def pull_missed(self, uri: str) -> None: ...


def document_result_id(ls: PullHost, analysed: Analysed) -> str:
    """An open document's result id: its text, the settings and its diagnostics."""
    return result_id(analysed.text, f"{ls.settings!r}|{ls.encoding}", analysed.diagnostics)


async def on_document_diagnostic(ls: PullHost, params: lsp.DocumentDiagnosticParams,
                                 ) -> lsp.RelatedFullDocumentDiagnosticReport | lsp.RelatedUnchangedDocumentDiagnosticReport:
    """One document's diagnostics: an open document's from its last analysis (open and save analyse it,
    typing only with `diagnosticsOnChange`, as when they are published), another file's from the
    project analysis, none for a file neither knows."""
    uri = params.text_document.uri
    previous = params.previous_result_id
    if ls.document(uri) is not None:
        analysed = ls.analysed.get(uri)
        if analysed is None or ls.settings.diagnostics_on_change:
            analysed = await ls.analysed_now(uri)
        if analysed is None:  # set aside (over maxFileBytes) or never still long enough to analyse
            ls.pull_missed(uri)  # the client is asked to pull again once an analysis lands
            return document_report([], result_id("", "none", []), previous)
        return document_report(analysed.diagnostics, document_result_id(ls, analysed), previous)
    project = await ls.pulled_project()
    if project is not None:
        files = await ls.in_request_thread(project.file_diagnostics, ls.settings, ls.encoding)
        for file in files:
            if file.uri == uri:
                return document_report(file.diagnostics, file.result_id, previous)
    return document_report([], result_id("", "none", []), previous)


def open_documents(ls: PullHost) -> list[FileDiagnostics]:
    """Open documents whose latest analysis is of their current text, with their versions."""
    out: list[FileDiagnostics] = []
    for uri in ls.workspace.text_documents:
        current = ls.document(uri)
        analysed = ls.analysed.get(uri)
        if current is not None and analysed is not None and analysed.text == current[0]:
            out.append(FileDiagnostics(uri, analysed.diagnostics, document_result_id(ls, analysed), analysed.version))
    return out


async def on_workspace_diagnostic(ls: PullHost, params: lsp.WorkspaceDiagnosticParams) -> lsp.WorkspaceDiagnosticReport:
    """Every project file's diagnostics, `unchanged` where the client's result id still holds. Open
    documents are reported from their buffers (or left to their own pulls while being analysed)."""
    previous = {p.uri: p.value for p in params.previous_result_ids}
    project = await ls.pulled_project()
    files = await ls.in_request_thread(project.file_diagnostics, ls.settings, ls.encoding) if project else []
    opened = set(ls.workspace.text_documents)
    reports = [f for f in files if f.uri not in opened] + open_documents(ls)
    return workspace_report(reports, previous, keep=opened)
