"""End to end: with a quality model in the registry, "Generate implementation" runs on it while completions
stay on the current version (the real server over stdio, real CTranslate2 models, real Elixir)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from elixir_coder.model.manifest import read_manifest, write_manifest
from elixir_coder.model.registry import SHIPPED_DEFAULT, Registry

pytestmark = pytest.mark.skipif(shutil.which("elixir") is None, reason="needs Elixir to check candidates")

TIMEOUT = 120
SOURCE = '''defmodule Numbers do
  @doc "Doubles `n`: `double(4)` is 8."
  @spec double(integer()) :: integer()
  def double(n) do
  end
end
'''


async def test_generate_runs_on_the_quality_model(tmp_path: Path) -> None:
    # The quality model here is the shipped base under another version: what matters is which one serves.
    quality = tmp_path / "quality-src"
    shutil.copytree(SHIPPED_DEFAULT / "base", quality)
    manifest = read_manifest(quality)
    manifest.version = "quality-e2e"
    write_manifest(quality, manifest)
    home = tmp_path / "home"
    Registry(home / "models").set_quality(quality)

    root = tmp_path / "numbers"
    (root / "lib").mkdir(parents=True)
    (root / "mix.exs").write_text("defmodule Numbers.MixProject do\nend\n")
    client = LanguageClient("e2e-quality", "1.0")
    await client.start_io(sys.executable, "-m", "elixir_coder.server.app",
                          env={**os.environ, "ELIXIR_CODER_HOME": str(home)})
    await asyncio.wait_for(client.initialize_async(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(), root_uri=root.as_uri(),
        initialization_options={"elixirCoder": {"analyzer": "builtin", "telemetry": False}})), TIMEOUT)
    client.initialized(lsp.InitializedParams())
    try:
        path = root / "lib" / "numbers.ex"
        path.write_text(SOURCE)
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(path.as_uri(), "elixir", 1, SOURCE)))
        result = await asyncio.wait_for(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
            command="elixirCoder.generateImplementation", arguments=[{"uri": path.as_uri(), "line": 3}])), TIMEOUT)
        assert result is not None
        await asyncio.wait_for(client.text_document_inline_completion_async(lsp.InlineCompletionParams(
            text_document=lsp.TextDocumentIdentifier(path.as_uri()), position=lsp.Position(4, 4),
            context=lsp.InlineCompletionContext(trigger_kind=lsp.InlineCompletionTriggerKind.Invoked))), TIMEOUT)
        status = await asyncio.wait_for(client.protocol.send_request_async("elixirCoder/status"), TIMEOUT)
        assert status.qualityModel == "quality-e2e"
        assert status.version == read_manifest(SHIPPED_DEFAULT / "base").version  # completions: the current one
    finally:
        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
        await client.stop()
