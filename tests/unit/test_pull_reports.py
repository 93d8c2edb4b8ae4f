"""Pull diagnostics' pure parts: which clients pull, result ids, document and workspace reports."""

from __future__ import annotations

from lsprotocol import types as lsp

from elixir_coder.server.features.pull_diagnostics import (
    FileDiagnostics,
    document_report,
    pull_support,
    result_id,
    workspace_report,
)


def _diag(message: str) -> lsp.Diagnostic:
    return lsp.Diagnostic(range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 3)), message=message, code="X")


def test_pull_support_follows_the_client_capabilities() -> None:
    assert not pull_support(None).document
    assert not pull_support(lsp.ClientCapabilities()).document
    document_only = pull_support(lsp.ClientCapabilities(
        text_document=lsp.TextDocumentClientCapabilities(diagnostic=lsp.DiagnosticClientCapabilities())))
    assert document_only.document and not document_only.workspace
    both = pull_support(lsp.ClientCapabilities(
        text_document=lsp.TextDocumentClientCapabilities(diagnostic=lsp.DiagnosticClientCapabilities()),
        workspace=lsp.WorkspaceClientCapabilities(
            diagnostics=lsp.DiagnosticWorkspaceClientCapabilities(refresh_support=True))))
    assert both.document and both.workspace and both.refresh
    # a workspace capability without document pulls is not a pulling client
    workspace_only = pull_support(lsp.ClientCapabilities(workspace=lsp.WorkspaceClientCapabilities(
        diagnostics=lsp.DiagnosticWorkspaceClientCapabilities(refresh_support=True))))
    assert not workspace_only.workspace and not workspace_only.refresh


def test_result_id_changes_with_text_config_and_diagnostics() -> None:
    base = result_id("a", "k", [_diag("m")])
    assert base == result_id("a", "k", [_diag("m")])
    assert len({base, result_id("b", "k", [_diag("m")]), result_id("a", "j", [_diag("m")]),
                result_id("a", "k", [_diag("n")]), result_id("a", "k", [])}) == 5


def test_document_report_is_unchanged_only_for_the_same_id() -> None:
    full = document_report([_diag("m")], "r1", None)
    assert isinstance(full, lsp.RelatedFullDocumentDiagnosticReport) and full.result_id == "r1"
    assert isinstance(document_report([_diag("m")], "r1", "r0"), lsp.RelatedFullDocumentDiagnosticReport)
    same = document_report([_diag("m")], "r1", "r1")
    assert isinstance(same, lsp.RelatedUnchangedDocumentDiagnosticReport) and same.result_id == "r1"


def test_workspace_report_marks_unchanged_and_clears_files_that_left() -> None:
    files = [FileDiagnostics("file:///a.ex", [_diag("m")], "ra"), FileDiagnostics("file:///b.ex", [], "rb", 3)]
    previous = {"file:///a.ex": "ra", "file:///b.ex": "old", "file:///gone.ex": "rg", "file:///open.ex": "ro"}
    report = workspace_report(files, previous, keep={"file:///open.ex"})
    by_uri = {item.uri: item for item in report.items}
    assert isinstance(by_uri["file:///a.ex"], lsp.WorkspaceUnchangedDocumentDiagnosticReport)
    assert isinstance(by_uri["file:///b.ex"], lsp.WorkspaceFullDocumentDiagnosticReport)
    assert by_uri["file:///b.ex"].version == 3
    gone = by_uri["file:///gone.ex"]
    assert isinstance(gone, lsp.WorkspaceFullDocumentDiagnosticReport) and gone.items == []
    assert "file:///open.ex" not in by_uri
