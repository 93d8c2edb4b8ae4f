"""End to end: a client that pulls diagnostics (LSP 3.17) gets them for files it never opened through
`workspace/diagnostic`, `unchanged` reports for what it already has, document pulls for open buffers,
a refresh request after a save, and no published diagnostics; a client that does not pull is published to
(pygls's LanguageClient, the real server over stdio)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

TIMEOUT = 20

LIB_A = 'defmodule App.A do\n  @moduledoc "A."\n  def big, do: 1000000\nend\n'
LIB_B = 'defmodule App.B do\n  @moduledoc "B."\n  def to_atom(x), do: String.to_atom(x)\nend\n'
OPTIONS = {"elixirCoder": {"strict": True, "analyzer": "builtin", "completionsEnabled": False, "telemetry": False}}


def _project(root: Path) -> None:
    (root / "mix.exs").write_text("defmodule App.MixProject do\nend\n")
    (root / "lib").mkdir()
    (root / "lib" / "a.ex").write_text(LIB_A)
    (root / "lib" / "b.ex").write_text(LIB_B)


async def _start(client: LanguageClient, root: Path, capabilities: lsp.ClientCapabilities) -> lsp.InitializeResult:
    env = {**os.environ, "ELIXIR_CODER_HOME": str(root / "home")}
    await client.start_io(sys.executable, "-m", "elixir_coder.server.app", env=env)
    result = await asyncio.wait_for(client.initialize_async(lsp.InitializeParams(
        capabilities=capabilities, root_uri=root.as_uri(), initialization_options=OPTIONS)), TIMEOUT)
    client.initialized(lsp.InitializedParams())
    return result


async def _stop(client: LanguageClient) -> None:
    await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
    client.exit(None)
    await client.stop()


def _codes(report: object) -> set[object]:
    return {d.code for d in getattr(report, "items", [])}


async def test_a_pulling_client_gets_unopened_files_and_unchanged_reports(tmp_path: Path) -> None:
    _project(tmp_path)
    published: list[str] = []
    refreshed = asyncio.Event()
    client = LanguageClient("e2e-pull", "1.0")

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        published.append(params.uri)

    @client.feature(lsp.WORKSPACE_DIAGNOSTIC_REFRESH)
    def on_refresh(params: None) -> None:
        refreshed.set()

    capabilities = lsp.ClientCapabilities(
        text_document=lsp.TextDocumentClientCapabilities(diagnostic=lsp.DiagnosticClientCapabilities()),
        workspace=lsp.WorkspaceClientCapabilities(
            diagnostics=lsp.DiagnosticWorkspaceClientCapabilities(refresh_support=True)))
    result = await _start(client, tmp_path, capabilities)
    try:
        provider = result.capabilities.diagnostic_provider
        assert isinstance(provider, lsp.DiagnosticOptions)
        assert provider.workspace_diagnostics and provider.inter_file_dependencies
        a_uri = (tmp_path / "lib" / "a.ex").as_uri()
        b_uri = (tmp_path / "lib" / "b.ex").as_uri()

        # files never opened come back from a workspace pull (it waits for the startup analysis)
        first = await asyncio.wait_for(client.workspace_diagnostic_async(
            lsp.WorkspaceDiagnosticParams(previous_result_ids=[])), TIMEOUT)
        by_uri = {item.uri: item for item in first.items}
        assert "Readability.LargeNumbers" in _codes(by_uri[a_uri])
        assert "DOS.StringToAtom" in _codes(by_uri[b_uri])
        assert all(item.kind == "full" and item.result_id for item in first.items)

        # the same pull with the result ids it got: every file unchanged, same ids
        ids = [lsp.PreviousResultId(uri=item.uri, value=item.result_id) for item in first.items]
        second = await asyncio.wait_for(client.workspace_diagnostic_async(
            lsp.WorkspaceDiagnosticParams(previous_result_ids=ids)), TIMEOUT)
        assert {item.uri for item in second.items} == set(by_uri)
        assert all(isinstance(item, lsp.WorkspaceUnchangedDocumentDiagnosticReport) for item in second.items)

        # an open buffer is pulled from its text, not from the file on disk
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(a_uri, "elixir", 1, LIB_A.replace("1000000", "1_000_000"))))
        doc = await asyncio.wait_for(client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(a_uri))), TIMEOUT)
        assert isinstance(doc, lsp.RelatedFullDocumentDiagnosticReport)
        assert "Readability.LargeNumbers" not in _codes(doc)
        again = await asyncio.wait_for(client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
            text_document=lsp.TextDocumentIdentifier(a_uri), previous_result_id=doc.result_id)), TIMEOUT)
        assert isinstance(again, lsp.RelatedUnchangedDocumentDiagnosticReport)
        assert again.result_id == doc.result_id

        # a save asks the client to pull again; the saved file's report changes, the others stay
        (tmp_path / "lib" / "b.ex").write_text(LIB_B.replace("String.to_atom(x)", "String.to_existing_atom(x)"))
        client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(b_uri)))
        await asyncio.wait_for(refreshed.wait(), TIMEOUT)
        third = await asyncio.wait_for(client.workspace_diagnostic_async(
            lsp.WorkspaceDiagnosticParams(previous_result_ids=ids)), TIMEOUT)
        by_uri = {item.uri: item for item in third.items}
        assert isinstance(by_uri[b_uri], lsp.WorkspaceFullDocumentDiagnosticReport)
        assert "DOS.StringToAtom" not in _codes(by_uri[b_uri])
        assert by_uri[a_uri].version == 1  # the open buffer, reported with its version
        others = [item for uri, item in by_uri.items() if uri not in (a_uri, b_uri)]
        assert all(isinstance(item, lsp.WorkspaceUnchangedDocumentDiagnosticReport) for item in others)
        # typing does not analyse (diagnosticsOnChange is off by default): the last analysis stands
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=a_uri, version=2),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=LIB_A)]))
        typed = await asyncio.wait_for(client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
            text_document=lsp.TextDocumentIdentifier(a_uri), previous_result_id=doc.result_id)), TIMEOUT)
        assert isinstance(typed, lsp.RelatedUnchangedDocumentDiagnosticReport)
        assert published == []  # a pulling client is never published to
    finally:
        await _stop(client)


async def test_a_client_without_pull_gets_published_diagnostics(tmp_path: Path) -> None:
    _project(tmp_path)
    arrived: dict[str, lsp.PublishDiagnosticsParams] = {}
    got_b = asyncio.Event()
    client = LanguageClient("e2e-push", "1.0")
    b_uri = (tmp_path / "lib" / "b.ex").as_uri()

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        arrived[params.uri] = params
        if params.uri == b_uri:
            got_b.set()

    result = await _start(client, tmp_path, lsp.ClientCapabilities())
    try:
        assert result.capabilities.diagnostic_provider is None
        await asyncio.wait_for(got_b.wait(), TIMEOUT)
        assert "DOS.StringToAtom" in {d.code for d in arrived[b_uri].diagnostics}
    finally:
        await _stop(client)


async def test_a_cancelled_workspace_pull_is_answered_and_the_next_one_gets_every_file(tmp_path: Path) -> None:
    _project(tmp_path)
    for n in range(150):  # enough that the first analysis is still running when the cancel arrives
        (tmp_path / "lib" / f"m{n}.ex").write_text(f'defmodule App.M{n} do\n  @moduledoc "M."\n  def f, do: {n}\nend\n')
    client = LanguageClient("e2e-pull-cancel", "1.0")
    capabilities = lsp.ClientCapabilities(
        text_document=lsp.TextDocumentClientCapabilities(diagnostic=lsp.DiagnosticClientCapabilities()),
        workspace=lsp.WorkspaceClientCapabilities(diagnostics=lsp.DiagnosticWorkspaceClientCapabilities()))
    await _start(client, tmp_path, capabilities)
    try:
        pending = client.protocol.send_request_async(
            lsp.WORKSPACE_DIAGNOSTIC, lsp.WorkspaceDiagnosticParams(previous_result_ids=[]), msg_id="pull-1")
        client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id="pull-1"))
        try:
            answer = await asyncio.wait_for(pending, TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - the cancellation error the client raises
            assert "cancel" in str(exc).lower()
        else:  # the analysis won the race: then it is a whole answer
            assert len(answer.items) == 152
        report = await asyncio.wait_for(client.workspace_diagnostic_async(
            lsp.WorkspaceDiagnosticParams(previous_result_ids=[])), TIMEOUT)
        assert len(report.items) == 152
        assert "DOS.StringToAtom" in _codes(next(i for i in report.items if i.uri.endswith("/lib/b.ex")))
    finally:
        await _stop(client)


async def test_a_client_pulling_documents_only_gets_the_project_published_around_them(tmp_path: Path) -> None:
    _project(tmp_path)
    arrived: dict[str, list[lsp.PublishDiagnosticsParams]] = {}
    changed = asyncio.Event()
    client = LanguageClient("e2e-document-pull", "1.0")
    b_uri = (tmp_path / "lib" / "b.ex").as_uri()

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        arrived.setdefault(params.uri, []).append(params)
        changed.set()

    async def publications(count: int) -> list[lsp.PublishDiagnosticsParams]:
        while len(arrived.get(b_uri, [])) < count:
            changed.clear()
            await asyncio.wait_for(changed.wait(), TIMEOUT)
        return arrived[b_uri]

    capabilities = lsp.ClientCapabilities(
        text_document=lsp.TextDocumentClientCapabilities(diagnostic=lsp.DiagnosticClientCapabilities()))
    result = await _start(client, tmp_path, capabilities)
    try:
        provider = result.capabilities.diagnostic_provider
        assert isinstance(provider, lsp.DiagnosticOptions) and not provider.workspace_diagnostics
        # files never opened are published, as the client does not pull the workspace
        assert "DOS.StringToAtom" in {d.code for d in (await publications(1))[0].diagnostics}
        # once open, the document is pulled and its publication cleared (no double list)...
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(b_uri, "elixir", 1, LIB_B)))
        assert not (await publications(2))[1].diagnostics
        pulled = await asyncio.wait_for(client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(b_uri))), TIMEOUT)
        assert "DOS.StringToAtom" in _codes(pulled)
        # ...and once closed, published again
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(b_uri)))
        assert "DOS.StringToAtom" in {d.code for d in (await publications(3))[2].diagnostics}
    finally:
        await _stop(client)
