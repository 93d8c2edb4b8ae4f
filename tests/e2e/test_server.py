"""End to end: the real server in a subprocess, driven over stdio by pygls's LanguageClient."""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from lsprotocol import types as lsp
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

  def bad(x) do
    x +
end
"""


class Harness:
    """A client with a place to wait for each document's next diagnostics."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.published: dict[str, list[lsp.PublishDiagnosticsParams]] = defaultdict(list)
        self.events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

        @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.published[params.uri].append(params)
            self.events[params.uri].set()

        @client.feature(lsp.WINDOW_LOG_MESSAGE)
        def on_log(params: lsp.LogMessageParams) -> None:
            pass

    async def next_diagnostics(self, uri: str, timeout: float = 15) -> lsp.PublishDiagnosticsParams:
        await asyncio.wait_for(self.events[uri].wait(), timeout)
        self.events[uri].clear()
        return self.published[uri][-1]

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(uri, "elixir", version, text))
        )


@pytest.fixture()
async def harness(tmp_path: Path):  # noqa: ANN201
    (tmp_path / "mix.exs").write_text("defmodule Shop.MixProject do\nend\n")
    (tmp_path / "lib").mkdir()
    client = LanguageClient("e2e-test", "1.0")
    await client.start_io(sys.executable, "-m", "elixir_coder.server.app")
    h = Harness(client)
    await client.initialize_async(
        lsp.InitializeParams(
            capabilities=lsp.ClientCapabilities(),
            root_uri=tmp_path.as_uri(),
            initialization_options={"elixirCoder": {"strict": True, "analyzer": "builtin", "bogus": 1}},
        )
    )
    client.initialized(lsp.InitializedParams())
    h.root = tmp_path  # type: ignore[attr-defined]
    yield h
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


async def test_open_save_fix_hover(harness: Harness) -> None:
    path = harness.root / "lib" / "shop.ex"  # type: ignore[attr-defined]
    path.write_text(SAMPLE)
    uri = path.as_uri()
    harness.open(uri, SAMPLE, version=3)
    pub = await harness.next_diagnostics(uri)
    assert pub.version == 3
    by_code = {d.code: d for d in pub.diagnostics}
    large = by_code["Readability.LargeNumbers"]
    assert large.source == "credo" and large.range.start.line == 4
    assert large.code_description is not None and large.code_description.href.endswith("Readability.LargeNumbers.md")
    assert "DOS.StringToAtom" in by_code and by_code["DOS.StringToAtom"].source == "sobelow"

    actions = await harness.client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri), range=large.range,
            context=lsp.CodeActionContext(diagnostics=[large]),
        )
    )
    assert actions and actions[0].kind == lsp.CodeActionKind.QuickFix
    edit = actions[0].edit.document_changes[0].edits[0]
    assert edit.new_text == "100_000"

    # apply the edit as an editor would, then save: the issue is gone
    fixed = SAMPLE.replace("100000", "100_000")
    harness.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(version=4, uri=uri),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=fixed)],
    ))
    harness.client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri)))
    pub = await harness.next_diagnostics(uri)
    assert pub.version == 4
    assert "Readability.LargeNumbers" not in {d.code for d in pub.diagnostics}

    hover = await harness.client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri), position=lsp.Position(8, 6))
    )
    assert hover is not None and "DOS.StringToAtom" in hover.contents.value


async def test_broken_binary_unknown_method_and_configuration(harness: Harness) -> None:
    root = harness.root  # type: ignore[attr-defined]
    broken = (root / "lib" / "broken.ex")
    broken.write_text(BROKEN)
    harness.open(broken.as_uri(), BROKEN)
    pub = await harness.next_diagnostics(broken.as_uri())
    codes = [d.code for d in pub.diagnostics]
    assert "syntax" in codes
    syntax = next(d for d in pub.diagnostics if d.code == "syntax")
    assert syntax.severity == lsp.DiagnosticSeverity.Error
    assert "Readability.LargeNumbers" in codes  # the rest of the file is still checked

    blob_uri = (root / "lib" / "blob.ex").as_uri()
    harness.open(blob_uri, "defmodule \x00\x01 binary")
    pub = await harness.next_diagnostics(blob_uri)
    assert list(pub.diagnostics) == []

    with pytest.raises(Exception):  # noqa: B017 - the server answers with a JSON-RPC error
        await asyncio.wait_for(harness.client.protocol.send_request_async("elixirCoder/noSuchMethod", {}), 10)

    harness.client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"elixirCoder": {"disabledChecks": ["Readability.LargeNumbers"]}})
    )
    pub = await harness.next_diagnostics(broken.as_uri())
    assert "Readability.LargeNumbers" not in [d.code for d in pub.diagnostics]
    assert "syntax" in [d.code for d in pub.diagnostics]  # still alive and analysing
