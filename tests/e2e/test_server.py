"""End to end: the real server in a subprocess (`python -m elixir_coder.server.app`), driven over stdio by pygls's
LanguageClient."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_client import read_code_actions_like_an_editor
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.client import LanguageClient

SAMPLE = """defmodule Shop do
  @moduledoc "Shop."

  def total(items) do
    Enum.reduce(items, 0, fn item, acc -> acc + item.price * 100000 end)
  end

  def label(name) do
    String.to_atom(name)
  end
end
"""

BROKEN = """defmodule Broken do
  def ok, do: 1000000

  def bad(x), do: foo(x,, 1)
end
"""

TIMEOUT = 10


class Harness:
    """A client with a place to wait for each document's next diagnostics, and the server's log messages."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.published: dict[str, list[lsp.PublishDiagnosticsParams]] = defaultdict(list)
        self.events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.logs: list[str] = []

        @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.published[params.uri].append(params)
            self.events[params.uri].set()

        @client.feature(lsp.WINDOW_LOG_MESSAGE)
        def on_log(params: lsp.LogMessageParams) -> None:
            self.logs.append(params.message)

    async def next_diagnostics(self, uri: str) -> lsp.PublishDiagnosticsParams:
        await asyncio.wait_for(self.events[uri].wait(), TIMEOUT)
        self.events[uri].clear()
        return self.published[uri][-1]

    def file(self, name: str, text: str | bytes) -> str:
        path = self.root / "lib" / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path.as_uri()

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(uri, "elixir", version, text))
        )

    def change(self, uri: str, version: int, text: str) -> None:
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
        ))

    def save(self, uri: str) -> None:
        self.client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri)))

    async def hover(self, uri: str, line: int, character: int) -> lsp.Hover | None:
        return await asyncio.wait_for(self.client.text_document_hover_async(
            lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri), position=lsp.Position(line, character))
        ), TIMEOUT)

    async def fixes(self, uri: str, diag: lsp.Diagnostic) -> list[lsp.CodeAction]:
        result = await asyncio.wait_for(self.client.text_document_code_action_async(lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri), range=diag.range,
            context=lsp.CodeActionContext(diagnostics=[diag]),
        )), TIMEOUT)
        # Quick fixes only: every diagnostic also gets an "Explain:" action (tests/e2e/test_explain_actions.py).
        return [a for a in result or [] if isinstance(a, lsp.CodeAction) and a.kind == lsp.CodeActionKind.QuickFix]


def apply_text_edits(text: str, edits: list[lsp.TextEdit]) -> str:
    """Apply TextEdits as an editor would (ASCII text: UTF-16 columns are character columns)."""
    lines = text.split("\n")

    def offset(pos: lsp.Position) -> int:
        return sum(len(line) + 1 for line in lines[: pos.line]) + pos.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


@pytest.fixture()
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    (tmp_path / "mix.exs").write_text("defmodule Shop.MixProject do\nend\n")
    (tmp_path / "lib").mkdir()
    client = LanguageClient("e2e-test", "1.0")
    # The server records feedback by default: keep it (and the model registry) inside the test.
    env = {**os.environ, "ELIXIR_CODER_HOME": str(tmp_path / "home")}
    await client.start_io(sys.executable, "-m", "elixir_coder.server.app", env=env)
    read_code_actions_like_an_editor(client)
    h = Harness(client, tmp_path)
    result = await asyncio.wait_for(client.initialize_async(
        lsp.InitializeParams(
            capabilities=lsp.ClientCapabilities(),
            root_uri=tmp_path.as_uri(),
            initialization_options={"elixirCoder": {"strict": True, "analyzer": "builtin", "bogus": 1,
                                                    "projectDiagnostics": False}},
        )
    ), TIMEOUT)
    assert result.server_info is not None and result.server_info.name == "elixir-coder"
    assert result.capabilities.code_action_provider and result.capabilities.hover_provider
    client.initialized(lsp.InitializedParams())
    yield h
    await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
    client.exit(None)
    await client.stop()


async def test_open_fix_save_hover(harness: Harness) -> None:
    uri = harness.file("shop.ex", SAMPLE)
    harness.open(uri, SAMPLE, version=3)
    pub = await harness.next_diagnostics(uri)
    assert pub.version == 3
    by_code = {d.code: d for d in pub.diagnostics}
    large = by_code["Readability.LargeNumbers"]
    assert large.source == "credo" and large.range.start.line == 4
    assert large.severity == lsp.DiagnosticSeverity.Warning  # high priority
    assert large.code_description is not None
    assert large.code_description.href.startswith("file://")
    assert large.code_description.href.endswith("/credo/Readability.LargeNumbers.md")
    atom = by_code["DOS.StringToAtom"]
    assert atom.source == "sobelow" and atom.code_description.href.endswith("/sobelow/DOS.StringToAtom.md")
    assert any("unknown setting 'bogus'" in m for m in harness.logs)

    # quick fix: apply the returned edit as an editor would, then save
    (action,) = await harness.fixes(uri, large)
    assert action.kind == lsp.CodeActionKind.QuickFix and "LargeNumbers" in action.title
    change = action.edit.document_changes[0]
    assert change.text_document.version == 3
    fixed = apply_text_edits(SAMPLE, change.edits)
    assert "item.price * 100_000 end" in fixed
    harness.change(uri, 4, fixed)
    harness.save(uri)
    pub = await harness.next_diagnostics(uri)
    assert pub.version == 4
    assert "Readability.LargeNumbers" not in {d.code for d in pub.diagnostics}

    # the Sobelow finding has a fix too
    atom = next(d for d in pub.diagnostics if d.code == "DOS.StringToAtom")
    (action,) = await harness.fixes(uri, atom)
    assert "String.to_existing_atom(name)" in apply_text_edits(fixed, action.edit.document_changes[0].edits)

    hover = await harness.hover(uri, atom.range.start.line, atom.range.start.character + 2)
    assert hover is not None
    assert "DOS.StringToAtom" in hover.contents.value and "How to fix" in hover.contents.value
    assert await harness.hover(uri, 1, 0) is None  # no diagnostic there


async def test_feedback_on_diagnostics_and_code_actions(harness: Harness) -> None:
    uri = harness.file("shop.ex", SAMPLE)
    harness.open(uri, SAMPLE, version=1)
    pub = await harness.next_diagnostics(uri)
    large = next(d for d in pub.diagnostics if d.code == "Readability.LargeNumbers")
    (action,) = await harness.fixes(uri, large)
    # Taking the action runs the command attached to it, which records it.
    assert action.command is not None and action.command.command == "elixirCoder.actionTaken"
    await asyncio.wait_for(harness.client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=action.command.command, arguments=action.command.arguments)), TIMEOUT)
    fixed = apply_text_edits(SAMPLE, action.edit.document_changes[0].edits)
    silenced = fixed.replace("  def label(name) do", '  # sobelow_skip ["DOS.StringToAtom"]\n  def label(name) do')
    harness.change(uri, 2, silenced)
    harness.save(uri)
    await harness.next_diagnostics(uri)
    for _ in range(100):
        status = await asyncio.wait_for(harness.client.protocol.send_request_async("elixirCoder/status"), TIMEOUT)
        if status.telemetry.pending == 0 and status.telemetry.written >= 5:
            break
        await asyncio.sleep(0.05)
    db = sqlite3.connect(harness.root / "home" / "feedback.sqlite3")
    rows = [(k, json.loads(d or "{}")) for k, d in db.execute("select kind, detail from events order by id")]
    kinds = [k for k, _ in rows]
    assert kinds.count("diagnostic_published") >= 2 and "action_offered" in kinds and "action_taken" in kinds
    assert ("diagnostic_fixed", {"source": "credo", "check": "Readability.LargeNumbers", "count": 1}) in rows
    assert ("diagnostic_suppressed", {"source": "sobelow", "check": "DOS.StringToAtom", "count": 1}) in rows


async def test_broken_binary_large_and_bad_requests(harness: Harness) -> None:
    broken = harness.file("broken.ex", BROKEN)
    harness.open(broken, BROKEN)
    pub = await harness.next_diagnostics(broken)
    codes = [d.code for d in pub.diagnostics]
    assert codes.count("syntax") == 1
    syntax = next(d for d in pub.diagnostics if d.code == "syntax")
    assert syntax.severity == lsp.DiagnosticSeverity.Error and syntax.source == "elixir-coder"
    assert (syntax.range.start.line, syntax.range.start.character) == (3, 23)  # at the second comma
    assert "Readability.LargeNumbers" in codes  # the rest of the file is still checked

    # binary and non-UTF-8 buffers: no diagnostics, a log line, and the server carries on
    blob = harness.file("blob.ex", b"\x00\x01\xff binary")
    harness.open(blob, "defmodule \x00\x01 binary")
    assert list((await harness.next_diagnostics(blob)).diagnostics) == []
    latin = harness.file("latin.ex", 'x = "caf\xe9"\n'.encode("latin-1"))
    harness.open(latin, 'x = "caf\ufffd"\n')
    assert list((await harness.next_diagnostics(latin)).diagnostics) == []
    big_text = "x = 1\n" * 400_000  # 2.4 MB, over the 2 MB default
    big = harness.file("big.ex", big_text)
    harness.open(big, big_text)
    assert list((await harness.next_diagnostics(big)).diagnostics) == []
    assert any("binary" in m for m in harness.logs)
    # The latin-1 file is analysed as the editor shows it: the disk is never read for an open document.
    assert not any("not UTF-8" in m for m in harness.logs)
    assert any("over maxFileBytes" in m for m in harness.logs)

    # unknown methods and malformed params get errors; the server still answers afterwards
    with pytest.raises(JsonRpcException):
        await asyncio.wait_for(harness.client.protocol.send_request_async("elixirCoder/noSuchMethod", {}), TIMEOUT)
    harness.client.protocol.notify("elixirCoder/noSuchNotification", {})
    unopened = await harness.hover((harness.root / "lib" / "nowhere.ex").as_uri(), 0, 0)
    assert unopened is None
    hover = await harness.hover(broken, 1, 15)
    assert hover is not None and "LargeNumbers" in hover.contents.value

    # switching a check off through configuration re-publishes every open document
    harness.client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"elixirCoder": {"disabledChecks": ["Readability.LargeNumbers"]}})
    )
    pub = await harness.next_diagnostics(broken)
    assert "Readability.LargeNumbers" not in [d.code for d in pub.diagnostics]
    assert "syntax" in [d.code for d in pub.diagnostics]  # still alive and analysing


async def test_diagnostics_on_change_are_debounced(harness: Harness) -> None:
    harness.client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(
        settings={"elixirCoder": {"diagnosticsOnChange": True, "debounceMs": 100}}))
    uri = harness.file("typing.ex", SAMPLE)
    harness.open(uri, SAMPLE)
    await harness.next_diagnostics(uri)
    for version in range(2, 6):  # a burst of keystrokes: only the last version is analysed
        harness.change(uri, version, SAMPLE.replace("100000", "1" * (version + 4)))
    pub = await harness.next_diagnostics(uri)
    assert pub.version == 5
    large = [d for d in pub.diagnostics if d.code == "Readability.LargeNumbers"]
    assert len(large) == 1 and large[0].range.end.character - large[0].range.start.character == 9
    await asyncio.sleep(0.3)
    assert [p.version for p in harness.published[uri]] == [1, 5]


class RawConnection:
    """Bare JSON-RPC over the server's stdio, for messages a typed client refuses to send."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def response(self, msg_id: int) -> dict:
        """The response to one request (notifications in between are skipped)."""
        assert self.proc.stdout is not None
        while True:
            length = 0
            while (line := await asyncio.wait_for(self.proc.stdout.readline(), TIMEOUT)).strip():
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(await self.proc.stdout.readexactly(length))
            if message.get("id") == msg_id and "method" not in message:
                return message


async def test_malformed_messages_get_errors_and_the_server_survives(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "elixir_coder.server.app",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "ELIXIR_CODER_HOME": str(tmp_path / "home")},
    )
    raw = RawConnection(proc)
    try:
        raw.send({"id": 1, "method": "initialize",
                  "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {},
                             "initializationOptions": "not an object"}})
        assert "capabilities" in (await raw.response(1))["result"]
        raw.send({"method": "initialized", "params": {}})
        raw.send({"id": 2, "method": "textDocument/hover", "params": {"textDocument": 5}})
        assert (await raw.response(2))["error"]["code"] == -32602  # InvalidParams
        raw.send({"method": "textDocument/didOpen", "params": {"textDocument": {"uri": 3}}})
        raw.send({"id": 3, "method": "elixirCoder/noSuchMethod", "params": {}})
        assert (await raw.response(3))["error"]["code"] == -32601  # MethodNotFound
        uri = (tmp_path / "a.ex").as_uri()
        raw.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "elixir", "version": 1, "text": "defmodule A do\n  def t, do: 1000000\nend\n"}}})
        raw.send({"id": 4, "method": "textDocument/codeAction", "params": {
            "textDocument": {"uri": uri}, "range": {"start": {"line": 1, "character": 0},
                                                    "end": {"line": 1, "character": 0}},
            "context": {"diagnostics": [{"range": {"start": {"line": 1, "character": 14},
                                                   "end": {"line": 1, "character": 21}},
                                         "message": "m", "source": "credo", "code": "Readability.LargeNumbers"}]}}})
        (action,) = [a for a in (await raw.response(4))["result"] if a.get("kind") == "quickfix"]
        assert action["edit"]["documentChanges"][0]["edits"][0]["newText"] == "1_000_000"
        # A custom request without "params" (as vscode-languageclient sends it) is answered.
        raw.send({"id": 6, "method": "elixirCoder/status"})
        assert "modelLoaded" in (await raw.response(6))["result"]
        raw.send({"id": 5, "method": "shutdown"})
        assert "error" not in await raw.response(5)
        raw.send({"method": "exit"})
        assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
