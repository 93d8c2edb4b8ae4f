"""End to end: completions from the real server (subprocess, stdio) with the shipped CTranslate2 model,
driven by pygls's LanguageClient; feedback lands in a real SQLite file."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.client import LanguageClient
from stand_in import StandInModel, serving

TIMEOUT = 20
REPO = Path(__file__).resolve().parents[2]

CART = '''defmodule Shop.Cart do
  @moduledoc "A shopping cart."

  def new, do: %{}

  def add(cart, sku, quantity) do
    Map.update(cart, sku, quantity, fn old -> old + quantity end)
  end

  def total(cart) do
\x20\x20\x20\x20
  end
end
'''
CURSOR = lsp.Position(line=10, character=4)  # the blank line inside `total`


class Client:
    """A LanguageClient that answers progress creation and keeps what the server reports."""

    def __init__(self, client: LanguageClient, root: Path, db: Path) -> None:
        self.client = client
        self.root = root
        self.db = db
        self.progress: list[Any] = []
        self.stopped = False

        @client.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def on_create(params: lsp.WorkDoneProgressCreateParams) -> None:
            return None

        @client.feature(lsp.PROGRESS)
        def on_progress(params: lsp.ProgressParams) -> None:
            self.progress.append(params.value)

    def open(self, name: str, text: str, language: str = "elixir") -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        uri = path.as_uri()
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(uri, language, 1, text)))
        return uri

    def change(self, uri: str, version: int, text: str) -> None:
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))

    async def status(self) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.client.protocol.send_request_async("elixirCoder/status"), TIMEOUT)
        return as_dict(raw)

    async def wait_loaded(self) -> dict[str, Any]:
        for _ in range(200):
            status = await self.status()
            if status["modelLoaded"] and not status["loading"]:
                return status
            assert status["error"] is None, status["error"]
            await asyncio.sleep(0.05)
        raise AssertionError("model never loaded")

    async def inline(self, uri: str, position: lsp.Position) -> list[lsp.InlineCompletionItem]:
        result = await asyncio.wait_for(self.client.text_document_inline_completion_async(lsp.InlineCompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri), position=position,
            context=lsp.InlineCompletionContext(trigger_kind=lsp.InlineCompletionTriggerKind.Invoked))), TIMEOUT)
        if result is None:
            return []
        return list(result.items if isinstance(result, lsp.InlineCompletionList) else result)

    async def command(self, name: str, arg: dict[str, Any]) -> Any:
        return await asyncio.wait_for(self.client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=name, arguments=[arg])), TIMEOUT)

    def events(self) -> list[dict[str, Any]]:
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute("select * from events order by id")]
        finally:
            conn.close()


def as_dict(value: Any) -> Any:
    """pygls hands results of custom requests back as named tuples: turn them into plain data."""
    if hasattr(value, "_asdict"):
        return {k: as_dict(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [as_dict(v) for v in value]
    return value


def offset_of(text: str, position: lsp.Position) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: position.line]) + position.character


def insert_at(text: str, position: lsp.Position, insert: str) -> str:
    offset = offset_of(text, position)
    return text[:offset] + insert + text[offset:]


async def start(tmp_path: Path, options: dict[str, Any]) -> Client:
    root = tmp_path / "shop"
    (root / "lib").mkdir(parents=True)
    (root / "mix.exs").write_text('defmodule Shop.MixProject do\n  defp deps, do: [{:jason, "~> 1.4"}]\nend\n')
    db = tmp_path / "feedback.db"
    env = {**os.environ, "ELIXIR_CODER_HOME": str(tmp_path / "home"),
           "ELIXIR_CODER_METRICS_FILE": str(tmp_path / "metrics.prom")}
    client = LanguageClient("e2e-completion", "1.0")
    await client.start_io(sys.executable, "-m", "elixir_coder.server.app", env=env)
    wrapper = Client(client, root, db)
    result = await asyncio.wait_for(client.initialize_async(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(window=lsp.WindowClientCapabilities(work_done_progress=True)),
        root_uri=root.as_uri(),
        initialization_options={"elixirCoder": {"analyzer": "builtin", "telemetryPath": str(db),
                                                "projectDiagnostics": False, **options}},
    )), TIMEOUT)
    assert result.capabilities.inline_completion_provider
    assert result.capabilities.completion_provider
    client.initialized(lsp.InitializedParams())
    return wrapper


async def stop(c: Client) -> None:
    if c.stopped:
        return
    c.stopped = True
    await asyncio.wait_for(c.client.shutdown_async(None), TIMEOUT)
    c.client.exit(None)
    await c.client.stop()


@pytest.fixture()
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    c = await start(tmp_path, {"editCheckDelaySeconds": 1})
    yield c
    await stop(c)


async def test_inline_completion_accept_edit_and_feedback(client: Client) -> None:
    uri = client.open("lib/cart.ex", CART)
    status = await client.wait_loaded()
    assert status["version"] and status["backend"] == "local" and "base" in status["adapters"]
    assert status["rssBytes"] > 0
    # The load ran in the background and was reported as progress.
    for _ in range(100):
        if len(client.progress) >= 2:
            break
        await asyncio.sleep(0.05)
    assert [p["kind"] for p in client.progress] == ["begin", "end"]
    assert "ready" in client.progress[1]["message"]

    items = await client.inline(uri, CURSOR)
    assert items, "the model proposed nothing"
    item = items[0]
    assert isinstance(item.insert_text, str) and item.insert_text.strip()
    assert item.command is not None and item.command.command == "elixirCoder.completionAccepted"
    request_id = item.command.arguments[0]["requestId"]

    # Accept as an editor does: insert the text, then run the item's command; then edit it.
    accepted = insert_at(CART, CURSOR, item.insert_text)
    client.change(uri, 2, accepted)
    assert await client.command(item.command.command, item.command.arguments[0]) is True
    end = offset_of(CART, CURSOR) + len(item.insert_text)
    client.change(uri, 3, accepted[:end] + " # reviewed" + accepted[end:])
    await asyncio.sleep(1.5)  # editCheckDelaySeconds is 1
    assert (await client.status())["telemetry"]["dropped"] == 0
    await stop(client)

    events = [e for e in client.events() if e["request_id"] == request_id]
    kinds = [e["kind"] for e in events]
    assert kinds == ["completion_shown", "completion_accepted", "completion_edited"], kinds
    shown, acc, edited = events
    assert shown["text"] == item.insert_text and shown["prefix_digest"] and shown["model_version"]
    assert acc["accepted_chars"] == len(item.insert_text)
    assert edited["edit_distance"] == len(" # reviewed")
    assert "# reviewed" in edited["text"]
    assert shown["path_hash"] and "cart.ex" not in shown["path_hash"]
    # The Prometheus file written at shutdown counts what happened.
    metrics = (client.root.parent / "metrics.prom").read_text()
    assert 'elixir_coder_requests_total{feature="inline_completion",outcome="ok"} 1' in metrics
    assert "elixir_coder_model_load_ms_count" in metrics


async def test_typed_ahead_is_served_from_cache_and_ignored_suggestions_are_recorded(client: Client) -> None:
    uri = client.open("lib/cart.ex", CART)
    await client.wait_loaded()
    first = await client.inline(uri, CURSOR)
    assert first
    text = first[0].insert_text
    assert isinstance(text, str)
    typed = text.lstrip()[:2]
    lead = len(text) - len(text.lstrip())
    typed_text = text[: lead + len(typed)]
    # The user types the first characters of the suggestion instead of accepting it.
    client.change(uri, 2, insert_at(CART, CURSOR, typed_text))
    position = lsp.Position(CURSOR.line + typed_text.count("\n"), len((CART.split("\n")[CURSOR.line][:4]
                                                                       + typed_text).split("\n")[-1]))
    second = await client.inline(uri, position)
    status = await client.status()
    before = status["completions"]
    assert before["cacheHits"] == 1
    # Where the generated request's time went; the cache hit generated nothing and is not counted.
    stages = status["completionStages"]
    assert stages["total"]["n"] == 1 and stages["decoding_passes"]["p50"] >= 1
    assert {"cursor", "api", "header", "prompt", "decode", "constraint", "syntax", "findings"} <= set(stages)
    assert stages["decode"]["p50"] < stages["total"]["p50"]
    # The heap was settled once the model had loaded (server/heap.py): later collections skip it.
    assert status["heap"]["settles"] >= 1 and status["heap"]["frozenObjects"] > 10_000
    assert second and second[0].insert_text == text[len(typed_text):]
    await stop(client)
    kinds = [(e["kind"], (e["detail"] or "")) for e in client.events()]
    assert ("completion_rejected", '{"reason": "ignored"}') in kinds


async def test_cancel_request_stops_generation(tmp_path: Path) -> None:
    c = await start(tmp_path, {"completionMaxTokens": 400, "constrainedDecoding": False})
    try:
        uri = c.open("lib/cart.ex", CART)
        await c.wait_loaded()
        params = lsp.InlineCompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri), position=CURSOR,
            context=lsp.InlineCompletionContext(trigger_kind=lsp.InlineCompletionTriggerKind.Invoked))
        pending = c.client.protocol.send_request_async(lsp.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id="slow-1")
        await asyncio.sleep(0.01)
        c.client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id="slow-1"))
        with pytest.raises(JsonRpcException):
            await asyncio.wait_for(pending, TIMEOUT)
        for _ in range(100):
            stats = (await c.status())["completions"]
            if stats["generations"]:
                break
            await asyncio.sleep(0.05)
        assert stats == {"generations": 1, "cancelled": 1, "cacheHits": 0, "syntaxCut": 0, "syntaxDropped": 0,
                         "timeouts": 0, "errors": 0, "findingsCut": 0, "findingsDropped": 0, "guided": 0}
        # The server carries on: the next request is answered (with whatever the model proposes there).
        assert isinstance(await c.inline(uri, CURSOR), list)
    finally:
        await stop(c)


async def test_adapter_for_test_file_and_completions_off(tmp_path: Path) -> None:
    c = await start(tmp_path, {})
    try:
        test_uri = c.open("test/cart_test.exs",
                          "defmodule Shop.CartTest do\n  use ExUnit.Case\n\n  test \"adds\" do\n    \n  end\nend\n")
        await c.wait_loaded()
        # A test file routes to the exunit adapter when one is shipped, else (by design) to the base model.
        expected = "exunit" if (REPO / "model" / "default" / "exunit").is_dir() else "base"
        await c.inline(test_uri, lsp.Position(4, 4))
        for _ in range(100):
            status = await c.status()
            if expected in status["loadedAdapters"]:
                break
            await c.inline(test_uri, lsp.Position(4, 4))
            await asyncio.sleep(0.05)
        assert status["adapter"] == expected and expected in status["loadedAdapters"]
        c.client.workspace_did_change_configuration(
            lsp.DidChangeConfigurationParams(settings={"elixirCoder": {"completionsEnabled": False}}))
        await asyncio.sleep(0.2)
        assert await c.inline(test_uri, lsp.Position(4, 4)) == []
        assert (await c.status())["completionsEnabled"] is False
    finally:
        await stop(c)


async def test_remote_backend_serves_completions_from_serve_model(tmp_path: Path) -> None:
    """The language server's remote backend against our own OpenAI-compatible server on loopback."""
    pytest.importorskip("starlette")
    from elixir_coder.model.registry import SHIPPED_DEFAULT, Registry
    from elixir_coder.serving.app import ServerState, create_app
    from elixir_coder.serving.auth import ApiKeys, hash_key
    from elixir_coder.serving.batching import Batcher
    from elixir_coder.serving.instances import InstanceSpec, ModelInstance, ModelPool
    from elixir_coder.serving.runner import ServerThread

    registry = Registry(tmp_path / "registry", shipped=SHIPPED_DEFAULT)
    instance = ModelInstance(InstanceSpec("default", str(SHIPPED_DEFAULT / "base")), registry, "cpu", None,
                             lambda lease, name: Batcher(lease, name=name))
    pool = ModelPool([instance], None, registry)
    pool.load_all()
    key = "lsp-e2e-key-0123456789"
    with ServerThread(create_app(ServerState(pool, keys=ApiKeys(frozenset({hash_key(key)}))))) as served:
        c = await start(tmp_path, {"remoteUrl": served.url, "remoteApiKey": key})
        try:
            uri = c.open("lib/cart.ex", CART)
            status = await c.wait_loaded()
            assert status["backend"] == "remote"
            items = await c.inline(uri, CURSOR)
            assert items and isinstance(items[0].insert_text, str) and items[0].insert_text.strip()
        finally:
            await stop(c)


class BrokenLineModel(StandInModel):
    """A stand-in for a remote model server that always proposes a line cut after an operator, the
    kind of proposal a small model makes when its token budget runs out (a real model cannot be
    made to do that on demand)."""

    model_id = "broken"

    def choices(self, prompt: str, n: int) -> list[str]:
        return ["Enum.sum(items) +"] * n


@pytest.fixture()
def broken_model_url() -> Iterator[str]:
    with serving(BrokenLineModel) as url:
        yield url


TOTALS = "defmodule Shop.Totals do\n  def total(items) do\n    sum =\n  end\nend\n"
AFTER_EQUALS = lsp.Position(line=2, character=9)


@pytest.mark.parametrize("constrained", [True, False])
async def test_a_proposal_that_would_break_the_file_is_cut_back(tmp_path: Path, broken_model_url: str,
                                                                constrained: bool) -> None:
    """With constrained decoding on, the syntax check cuts `Enum.sum(items) +` back to what parses."""
    c = await start(tmp_path, {"remoteUrl": broken_model_url, "constrainedDecoding": constrained})
    try:
        uri = c.open("lib/totals.ex", TOTALS)
        await c.wait_loaded()
        items = await c.inline(uri, AFTER_EQUALS)
        assert [str(i.insert_text).strip() for i in items] == ["Enum.sum(items)" if constrained else "Enum.sum(items) +"]
        stats = (await c.status())["completions"]
        assert (stats["syntaxCut"], stats["syntaxDropped"]) == ((1, 0) if constrained else (0, 0))
    finally:
        await stop(c)


class UnsafeAtomModel(StandInModel):
    """A stand-in for a remote model server that always proposes `String.to_atom(params["x"])`, a call
    Sobelow reports as DOS.StringToAtom in a controller (a real model cannot be made to say it on cue)."""

    model_id = "unsafe-atom"

    def choices(self, prompt: str, n: int) -> list[str]:
        return ['String.to_atom(params["x"])'] * n


CONTROLLER = '''defmodule ShopWeb.PageController do
  use ShopWeb, :controller

  def show(conn, params) do
    kind =
    render(conn, "show.html", kind: kind)
  end
end
'''
AFTER_KIND = lsp.Position(line=4, character=11)


@pytest.mark.parametrize("checked", [True, False])
async def test_a_proposal_that_adds_a_sobelow_finding_is_never_shown(tmp_path: Path, checked: bool) -> None:
    with serving(UnsafeAtomModel) as url:
        c = await start(tmp_path, {"remoteUrl": url, "checkedProposals": checked})
        try:
            uri = c.open("lib/shop_web/controllers/page_controller.ex", CONTROLLER)
            await c.wait_loaded()
            items = await c.inline(uri, AFTER_KIND)
            shown = [str(i.insert_text) for i in items]
            stats = (await c.status())["completions"]
            if checked:
                assert not any("to_atom(params" in text for text in shown), shown
                assert stats["findingsCut"] + stats["findingsDropped"] == 1
            else:  # the same proposal, unchecked, is shown: the check is what keeps it out
                assert any('String.to_atom(params["x"])' in text for text in shown), shown
                assert stats["findingsCut"] + stats["findingsDropped"] == 0
        finally:
            await stop(c)

