"""Pull diagnostics (LSP 3.17): which client pulls, result ids, and the reports (pure functions).

A client that pulls asks for a document's diagnostics (`textDocument/diagnostic`) or for every
project file's (`workspace/diagnostic`), sending the result id it got last time; when nothing
changed the answer is an `unchanged` report with that id instead of the whole list again. The
result id is a hash of the file's text, the configuration the analysis ran with and the
diagnostics themselves: a change elsewhere in the project that alters this file's diagnostics
(DuplicatedCode, the consistency checks) gives a new id even though the file did not change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from lsprotocol import types as lsp
from lsprotocol.converters import get_converter

_converter = get_converter()


@dataclass(frozen=True)
class PullSupport:
    """What the client pulls: open documents' diagnostics, the workspace's, and whether it accepts refreshes."""

    document: bool = False
    workspace: bool = False
    refresh: bool = False  # the client accepts workspace/diagnostic/refresh


def pull_support(capabilities: lsp.ClientCapabilities | None) -> PullSupport:
    """Read the client's capabilities: `textDocument.diagnostic` for document pulls and, with it,
    `workspace.diagnostics` for workspace pulls (a workspace pull alone makes no sense to a client)."""
    if capabilities is None:
        return PullSupport()
    document = bool(capabilities.text_document and capabilities.text_document.diagnostic is not None)
    workspace_caps = capabilities.workspace.diagnostics if capabilities.workspace else None
    workspace = document and workspace_caps is not None
    return PullSupport(document, workspace, bool(document and workspace_caps and workspace_caps.refresh_support))


def diagnostic_options() -> lsp.DiagnosticOptions:
    """What the server advertises: a file's diagnostics depend on other files (DuplicatedCode, the
    consistency checks, Sobelow's templates), and the workspace can be pulled whole."""
    return lsp.DiagnosticOptions(inter_file_dependencies=True, workspace_diagnostics=True,
                                 identifier="elixir-coder")


def result_id(text: str, config_key: str, diagnostics: Iterable[lsp.Diagnostic]) -> str:
    """A stable id for one file's diagnostics: its text, the configuration and the diagnostics."""
    digest = hashlib.sha1()
    digest.update(hashlib.sha1(text.encode("utf-8", errors="surrogatepass")).digest())
    digest.update(config_key.encode("utf-8", errors="surrogatepass"))
    digest.update(json.dumps(_converter.unstructure(list(diagnostics)), sort_keys=True).encode("utf-8"))
    return digest.hexdigest()[:24]


def document_report(diagnostics: list[lsp.Diagnostic], rid: str, previous: str | None,
                    ) -> lsp.RelatedFullDocumentDiagnosticReport | lsp.RelatedUnchangedDocumentDiagnosticReport:
    """The answer to `textDocument/diagnostic`: `unchanged` when the client already has this result."""
    if previous == rid:
        return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=rid)
    return lsp.RelatedFullDocumentDiagnosticReport(items=diagnostics, result_id=rid)


@dataclass(frozen=True)
class FileDiagnostics:
    """One file's diagnostics as a workspace report lists them (version: the open document's, else None)."""

    uri: str
    diagnostics: list[lsp.Diagnostic]
    result_id: str
    version: int | None = None


def workspace_report(files: Iterable[FileDiagnostics], previous: Mapping[str, str],
                     keep: Collection[str] = ()) -> lsp.WorkspaceDiagnosticReport:
    """The answer to `workspace/diagnostic`: a report per file, `unchanged` where the client's previous
    result id still holds; files the client had results for that left the project get an empty report
    (except those in `keep`: open documents, whose own pulls answer for them)."""
    items: list[lsp.WorkspaceFullDocumentDiagnosticReport | lsp.WorkspaceUnchangedDocumentDiagnosticReport] = []
    seen: set[str] = set()
    for file in files:
        seen.add(file.uri)
        if previous.get(file.uri) == file.result_id:
            items.append(lsp.WorkspaceUnchangedDocumentDiagnosticReport(
                uri=file.uri, result_id=file.result_id, version=file.version))
        else:
            items.append(lsp.WorkspaceFullDocumentDiagnosticReport(
                uri=file.uri, items=file.diagnostics, result_id=file.result_id, version=file.version))
    for uri in sorted(set(previous) - seen - set(keep)):
        items.append(lsp.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=[], version=None))
    return lsp.WorkspaceDiagnosticReport(items=items)
