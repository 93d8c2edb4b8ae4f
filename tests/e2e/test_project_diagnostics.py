"""End to end: a workspace opened in a real LSP client (pygls's LanguageClient, server over stdio) gets
diagnostics for project files it never opened, with `$/progress`, and again after a save."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import defaultdict
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

TIMEOUT = 15

LIB_A = 'defmodule App.A do\n  @moduledoc "A."\n  def big, do: 1000000\nend\n'
LIB_B = 'defmodule App.B do\n  @moduledoc "B."\n  def to_atom(x), do: String.to_atom(x)\nend\n'
TEST_SUPPORT = 'defmodule App.Support do\n  def atom(x), do: String.to_atom(x)\nend\n'


async def test_unopened_project_files_get_diagnostics_with_progress(tmp_path: Path) -> None:
    (tmp_path / "mix.exs").write_text("defmodule App.MixProject do\nend\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.ex").write_text(LIB_A)
    (tmp_path / "lib" / "b.ex").write_text(LIB_B)
    (tmp_path / "test" / "support").mkdir(parents=True)
    (tmp_path / "test" / "support" / "support.ex").write_text(TEST_SUPPORT)
    (tmp_path / ".formatter.exs").write_text("[inputs: [\"lib/**/*.ex\"], line_length: 1000000]\n")

    published: dict[str, list[lsp.PublishDiagnosticsParams]] = defaultdict(list)
    progress: list[object] = []
    arrived = asyncio.Event()
    client = LanguageClient("e2e-project", "1.0")

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        published[params.uri].append(params)
        arrived.set()

    @client.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def on_create(params: lsp.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(lsp.PROGRESS)
    def on_progress(params: lsp.ProgressParams) -> None:
        progress.append(params.value)

    env = {**os.environ, "ELIXIR_CODER_HOME": str(tmp_path / "home")}
    await client.start_io(sys.executable, "-m", "elixir_coder.server.app", env=env)
    try:
        await asyncio.wait_for(client.initialize_async(lsp.InitializeParams(
            capabilities=lsp.ClientCapabilities(window=lsp.WindowClientCapabilities(work_done_progress=True)),
            root_uri=tmp_path.as_uri(),
            initialization_options={"elixirCoder": {"strict": True, "analyzer": "builtin", "completionsEnabled": False,
                                                    "telemetry": False}},
        )), TIMEOUT)
        client.initialized(lsp.InitializedParams())
        a_uri = (tmp_path / "lib" / "a.ex").as_uri()
        b_uri = (tmp_path / "lib" / "b.ex").as_uri()
        support_uri = (tmp_path / "test" / "support" / "support.ex").as_uri()

        async def wait_for(uri: str, count: int = 1) -> lsp.PublishDiagnosticsParams:
            async def until() -> None:
                while len(published[uri]) < count:
                    arrived.clear()
                    await arrived.wait()
            await asyncio.wait_for(until(), TIMEOUT)
            return published[uri][-1]

        a = await wait_for(a_uri)
        assert "Readability.LargeNumbers" in {d.code for d in a.diagnostics}
        b = await wait_for(b_uri)
        assert "DOS.StringToAtom" in {d.code for d in b.diagnostics}
        support = await wait_for(support_uri)
        # test/support is Credo's but not Sobelow's: no Sobelow finding there
        assert not [d for d in support.diagnostics if d.source == "sobelow"]
        assert not [u for u in published if u.endswith("/.formatter.exs")]
        def kinds() -> list[object]:
            return [v.get("kind") if isinstance(v, dict) else getattr(v, "kind", None) for v in progress]

        # the progress ends after the last file's diagnostics went out: it may arrive just after them
        for _ in range(200):
            if kinds() and kinds()[-1] == "end":
                break
            await asyncio.sleep(0.05)
        assert kinds()[0] == "begin" and kinds()[-1] == "end" and "report" in kinds()

        # an open document's diagnostics follow its buffer, not the project analysis of the disk file
        edited = LIB_A.replace("1000000", "1_000_000")
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(a_uri, "elixir", 1, edited)))
        a = await wait_for(a_uri, 2)
        assert a.version == 1 and "Readability.LargeNumbers" not in {d.code for d in a.diagnostics}

        # a save of one file re-publishes the others from the cache, never the open ones
        (tmp_path / "lib" / "b.ex").write_text(LIB_B.replace("String.to_atom(x)", "String.to_existing_atom(x)"))
        client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(b_uri)))
        b = await wait_for(b_uri, 2)
        assert "DOS.StringToAtom" not in {d.code for d in b.diagnostics}
        assert len(published[a_uri]) == 2
        # files whose diagnostics did not change are not sent again (they go out in the same batch)
        await asyncio.sleep(0.5)
        assert len(published[support_uri]) == 1
    finally:
        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
        await client.stop()
