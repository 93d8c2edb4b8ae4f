"""End to end: the real server (stdio, pygls's LanguageClient) indexes `deps/` (Elixir and Erlang
sources) in the background and shows it with `$/progress` when the client supports it."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

TIMEOUT = 30
ELIXIR_DEPS = 30  # with the Erlang module: past PROGRESS_EVERY, so reports come before the end
ERLANG = "-module(fancy_proto).\n-export([handle/2]).\nhandle(Req, State) -> {Req, State}.\n"


def _project(root: Path) -> None:
    (root / "lib").mkdir(parents=True)
    (root / "lib/app.ex").write_text("defmodule App do\n  def go, do: :fancy_proto.handle(1, 2)\nend\n")
    for i in range(ELIXIR_DEPS):
        path = root / f"deps/dep{i}/lib/dep{i}.ex"
        path.parent.mkdir(parents=True)
        path.write_text(f"defmodule Dep{i} do\n  def f{i}(x), do: x\nend\n")
    (root / "deps/fancy/src").mkdir(parents=True)
    (root / "deps/fancy/src/fancy_proto.erl").write_text(ERLANG)


def _kind(value: Any) -> str | None:
    return value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


@pytest.mark.parametrize("shows_progress", [True, False])
async def test_deps_indexing_reports_progress(tmp_path: Path, shows_progress: bool) -> None:
    root = tmp_path / "project"
    _project(root)
    created: list[str] = []
    progress: dict[str, list[Any]] = {}
    client = LanguageClient("e2e-deps", "1.0")

    @client.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def on_create(params: lsp.WorkDoneProgressCreateParams) -> None:
        created.append(str(params.token))

    @client.feature(lsp.PROGRESS)
    def on_progress(params: lsp.ProgressParams) -> None:
        progress.setdefault(str(params.token), []).append(params.value)

    env = {**os.environ, "ELIXIR_CODER_HOME": str(tmp_path / "home")}
    await client.start_io(sys.executable, "-m", "elixir_coder.server.app", env=env)
    try:
        window = lsp.WindowClientCapabilities(work_done_progress=True) if shows_progress else None
        await asyncio.wait_for(client.initialize_async(lsp.InitializeParams(
            capabilities=lsp.ClientCapabilities(window=window), root_uri=root.as_uri(),
            initialization_options={"elixirCoder": {"completionsEnabled": False, "projectDiagnostics": False,
                                                    "telemetry": False}})), TIMEOUT)
        client.initialized(lsp.InitializedParams())
        status: Any = None
        for _ in range(400):
            status = await asyncio.wait_for(client.protocol.send_request_async("elixirCoder/status"), TIMEOUT)
            if status.apiIndex.depsReady:
                break
            await asyncio.sleep(0.05)
        assert status.apiIndex.depsReady and status.apiIndex.depsModules == ELIXIR_DEPS + 1
        deps_tokens = [t for t in created if "deps" in t]
        if not shows_progress:
            assert created == [] and progress == {}
            return
        assert len(deps_tokens) == 1
        token = deps_tokens[0]
        for _ in range(200):  # the end may arrive just after the index reports itself ready
            if progress.get(token) and _kind(progress[token][-1]) == "end":
                break
            await asyncio.sleep(0.05)
        values = progress[token]
        kinds = [_kind(v) for v in values]
        assert kinds[0] == "begin" and kinds[-1] == "end" and set(kinds[1:-1]) <= {"report"}
        assert _field(values[0], "title") == "Indexing dependencies"
        assert _field(values[-1], "message") == f"{ELIXIR_DEPS + 1} modules"
        percentages = [_field(v, "percentage") for v in values if _kind(v) == "report"]
        assert percentages == sorted(percentages) and all(0 <= p <= 100 for p in percentages)
    finally:
        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
        await client.stop()
