"""End to end: Explain code actions and hover explanations through the real server over stdio."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.client import LanguageClient

TIMEOUT = 15

CONTROLLER = '''defmodule ShopWeb.PageController do
  use ShopWeb, :controller

  def show(conn, %{"sort" => sort}) do
    total = 100000
    render(conn, :show, order: String.to_atom(sort), total: total)
  end
end
'''


class Client:
    """A LanguageClient with the last published diagnostics per document."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.published: dict[str, lsp.PublishDiagnosticsParams] = {}
        self.event = asyncio.Event()

        @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = params
            self.event.set()

    async def open(self, uri: str, text: str) -> list[lsp.Diagnostic]:
        self.event.clear()
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(uri, "elixir", 1, text)))
        await asyncio.wait_for(self.event.wait(), TIMEOUT)
        return self.published[uri].diagnostics

    async def actions(self, uri: str, diag: lsp.Diagnostic, only: list[str] | None = None) -> list[lsp.CodeAction]:
        params = lsp.CodeActionParams(text_document=lsp.TextDocumentIdentifier(uri), range=diag.range,
                                      context=lsp.CodeActionContext(diagnostics=[diag], only=only))
        protocol = self.client.protocol
        future = protocol.send_request_async(lsp.TEXT_DOCUMENT_CODE_ACTION, params)
        # The client structures `(Command | CodeAction)[]` results as Commands whenever an action carries a
        # `command` (as Explain actions do), losing kind and arguments: take the raw JSON and structure each item
        # as a CodeAction here. Nothing can answer before the next await, so the pending id is this request's.
        protocol._result_types.clear()
        raw = await asyncio.wait_for(future, TIMEOUT)
        return [protocol._converter.structure(item, lsp.CodeAction) for item in raw or [] if "title" in item
                and ("kind" in item or "edit" in item or isinstance(item.get("command"), dict))]

    async def execute(self, command: lsp.Command) -> Any:
        return await asyncio.wait_for(self.client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=command.command, arguments=command.arguments)), TIMEOUT)


@pytest.fixture()
async def server(tmp_path: Path) -> AsyncIterator[tuple[Client, Path]]:
    (tmp_path / "mix.exs").write_text("defmodule Shop.MixProject do\nend\n")
    (tmp_path / "lib" / "shop_web" / "controllers").mkdir(parents=True)
    client = LanguageClient("e2e-explain", "1.0")
    env = {**os.environ, "ELIXIR_CODER_HOME": str(tmp_path / "home")}
    await client.start_io(sys.executable, "-m", "elixir_coder.server.app", env=env)
    await asyncio.wait_for(client.initialize_async(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(), root_uri=tmp_path.as_uri(),
        initialization_options={"elixirCoder": {"strict": True, "analyzer": "builtin", "completionsEnabled": False,
                                                "projectDiagnostics": False}},
    )), TIMEOUT)
    client.initialized(lsp.InitializedParams())
    yield Client(client), tmp_path
    await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
    client.exit(None)
    await client.stop()


async def test_explain_action_returns_markdown_with_every_section(server: tuple[Client, Path]) -> None:
    client, root = server
    path = root / "lib" / "shop_web" / "controllers" / "page_controller.ex"
    path.write_text(CONTROLLER)
    uri = path.as_uri()
    by_code = {d.code: d for d in await client.open(uri, CONTROLLER)}
    large, atom = by_code["Readability.LargeNumbers"], by_code["DOS.StringToAtom"]

    actions = await client.actions(uri, large)
    kinds = {a.title: a.kind for a in actions}
    assert kinds["Explain: Readability.LargeNumbers"] == lsp.CodeActionKind.Empty
    assert any(k == lsp.CodeActionKind.QuickFix for k in kinds.values())  # the quick fix is still offered
    explain = next(a for a in actions if a.title.startswith("Explain:"))
    assert explain.edit is None and explain.command is not None and explain.command.command == "elixirCoder.explain"
    answer = await client.execute(explain.command)
    assert isinstance(answer, dict) and answer["explanations"][0]["check"] == "Readability.LargeNumbers"
    md = answer["markdown"]
    for heading in ("#### What", "#### Why", "#### How to fix", "#### Example"):
        assert heading in md
    assert "total = 100_000" in md and "Your code from line 5" in md  # the user's own line, rewritten
    assert "_Checked: it parses and the check no longer reports it._" in md

    (atom_explain,) = [a for a in await client.actions(uri, atom) if a.title == "Explain: DOS.StringToAtom"]
    assert atom_explain.command is not None
    md = (await client.execute(atom_explain.command))["markdown"]  # type: ignore[index]
    for heading in ("#### What", "#### Why", "#### How to fix", "#### Example", "#### Weakness", "#### The attack",
                    "#### Data flow"):
        assert heading in md
    assert "CWE-400" in md and "`sort` is a parameter of `show/2`" in md and "**High** confidence" in md
    assert "String.to_existing_atom(sort)" in md

    # a client asking for quick fixes only does not get explanations
    assert all(a.kind == lsp.CodeActionKind.QuickFix for a in await client.actions(uri, large, only=["quickfix"]))

    hover = await asyncio.wait_for(client.client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri), position=atom.range.start)), TIMEOUT)
    assert hover is not None and "#### Data flow" in hover.contents.value  # type: ignore[union-attr]
    assert "#### Example" in hover.contents.value  # type: ignore[union-attr]

    bad = lsp.Command(title="x", command="elixirCoder.explain", arguments=[{"uri": uri, "line": 0}])
    with pytest.raises(JsonRpcException, match="no finding on line 1"):
        await client.execute(bad)
    with pytest.raises(JsonRpcException, match="explain needs"):
        await client.execute(lsp.Command(title="x", command="elixirCoder.explain", arguments=[{"uri": uri}]))
