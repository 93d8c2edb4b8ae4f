"""What editors' LSP clients rely on, against the real server started as the VS Code extension starts it.

vscode-languageclient appends `--stdio` and `--clientProcessId=N` to the server command, and
registers a VS Code command for every id in `executeCommandProvider`: an id the extension also
registers itself makes the client fail to start ("command ... already exists"). The extension's
sources and manifest are read here so both sides are checked together.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editor-clients" / "vscode"
TIMEOUT = 20


def extension_registered_commands() -> set[str]:
    """Ids the extension registers with a literal `registerCommand("...")` in its sources."""
    ids: set[str] = set()
    for source in (EXTENSION / "src").glob("*.ts"):
        ids |= set(re.findall(r'registerCommand\(\s*"([^"]+)"', source.read_text()))
    return ids


def extension_forwarded_commands() -> set[str]:
    """The server commands the extension forwards itself only when the server does not advertise them."""
    text = (EXTENSION / "src" / "acceptance.ts").read_text()
    return set(re.findall(r'export const \w+ = "(elixirCoder\.[^"]+)";', text))


def contributed_commands() -> set[str]:
    manifest = json.loads((EXTENSION / "package.json").read_text())
    return {c["command"] for c in manifest["contributes"]["commands"]}


def plain(value: Any) -> Any:
    """pygls hands custom messages' params over as named tuples: turn them into plain data."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class Session:
    """A real server over stdio, initialized, keeping its `elixirCoder/statusChanged` notifications."""

    def __init__(self) -> None:
        self.client = LanguageClient("editor-contract", "1.0")
        self.statuses: list[dict[str, Any]] = []
        self.changed = asyncio.Event()
        self.result: lsp.InitializeResult | None = None

        @self.client.feature("elixirCoder/statusChanged")
        def on_status(params: Any) -> None:
            self.statuses.append(plain(params))
            self.changed.set()

    async def start(self, tmp_path: Path, *argv: str) -> lsp.InitializeResult:
        env = {**os.environ, "ELIXIR_CODER_HOME": str(tmp_path / "home")}
        await self.client.start_io(sys.executable, "-m", *argv, env=env)
        self.result = await asyncio.wait_for(self.client.initialize_async(lsp.InitializeParams(
            capabilities=lsp.ClientCapabilities(), process_id=os.getpid(), root_uri=tmp_path.as_uri(),
            initialization_options={"elixirCoder": {"telemetryPath": str(tmp_path / "feedback.db")}},
        )), TIMEOUT)
        self.client.initialized(lsp.InitializedParams())
        return self.result

    async def stop(self) -> None:
        try:
            if self.result is not None:
                await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
                self.client.exit(None)
        finally:
            await self.client.stop()


async def test_started_as_vscode_starts_it_the_server_serves_and_reports_its_model(tmp_path: Path) -> None:
    session = Session()
    try:
        # The exact command line vscode-languageclient runs for `command: elixir-coder, args: [serve]`.
        await session.start(tmp_path, "elixir_coder.cli", "serve", "--stdio", f"--clientProcessId={os.getpid()}")
        # The server says when the model's state changes: a status bar follows without polling.
        statuses = session.statuses
        for _ in range(100):
            if statuses and statuses[-1]["modelLoaded"] and not statuses[-1]["loading"]:
                break
            session.changed.clear()
            await asyncio.wait_for(session.changed.wait(), TIMEOUT)
        assert statuses[0]["loading"] is True
        assert statuses[-1]["modelLoaded"] is True and statuses[-1]["version"] and statuses[-1]["error"] is None
    finally:
        await session.stop()


async def test_each_command_id_has_one_owner(tmp_path: Path) -> None:
    session = Session()
    try:
        result = await session.start(tmp_path, "elixir_coder.server.app")
    finally:
        await session.stop()
    assert result.capabilities.execute_command_provider is not None
    advertised = set(result.capabilities.execute_command_provider.commands)
    registered = extension_registered_commands()
    assert registered & advertised == set(), "registered by both the extension and the server"
    assert contributed_commands() & advertised == set(), "the manifest contributes a server command"
    assert contributed_commands() <= registered, "a palette command without a handler"
    assert extension_forwarded_commands() <= advertised, "the extension forwards a command the server lacks"
    assert {"elixirCoder.generateImplementation", "elixirCoder.explain", "elixirCoder.completionAccepted"} <= advertised


@pytest.mark.parametrize("flag", ["--node-ipc", "--pipe=/tmp/elixir-coder.sock", "--socket=5007"])
def test_transports_the_server_does_not_speak_are_refused_in_one_line(flag: str) -> None:
    done = subprocess.run([sys.executable, "-m", "elixir_coder.cli", "serve", flag],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 2
    name = flag.split("=")[0]
    assert done.stderr.strip() == (f"elixir-coder: serve: the {name} transport is not supported; use stdio "
                                   "(the default, or --stdio) or --tcp PORT")
