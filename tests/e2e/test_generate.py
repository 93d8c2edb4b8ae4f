"""End to end: "Generate implementation" through the real server (subprocess, stdio), real Elixir and a
scripted model.

A real tiny model cannot be steered into diverging on purpose, so the model here is a scripted
stand-in: a real HTTP server on loopback speaking the OpenAI `/v1/completions` API, which the
language server reaches through its `remoteUrl` setting (model/remote.py). For the ambiguous
spec it returns candidates that handle bad input in three different ways; for the clear spec,
eight identical ones; once the prompt carries a clarification, candidates that follow it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Union

import pytest
from lsprotocol import types as lsp
from lsprotocol.converters import get_converter
from pygls.lsp.client import LanguageClient
from stand_in import StandInModel, serving

pytestmark = pytest.mark.skipif(shutil.which("elixir") is None, reason="needs Elixir to run candidates")

TIMEOUT = 60

SOURCE = '''defmodule Numbers do
  @moduledoc "Number helpers."

  @doc """
  Parses `text` as an integer.
  """
  @spec parse_int(String.t()) :: integer()
  def parse_int(text) do
  end

  @doc "Doubles `n`: `double(4)` is 8."
  @spec double(integer()) :: integer()
  def double(n) do
  end
end
'''
PARSE_LINE = 7  # `def parse_int(text) do`
DOUBLE_LINE = 12

RAISES = "String.to_integer(text)\n  end\n"
ERROR_TUPLE = ('case Integer.parse(text || "") do\n      {n, ""} -> {:ok, n}\n      _ -> {:error, :invalid}\n'
               "    end\n  end\n")
NIL = 'case Integer.parse(text || "") do\n      {n, _} -> n\n      :error -> nil\n    end\n  end\n'
DOUBLE = "n * 2\n  end\n"


def scripted_choices(prompt: str, n: int) -> list[str]:
    """What the stand-in model answers for a prompt (the function it is asked for is the prompt's last line)."""
    last = [ln for ln in prompt.splitlines() if ln.strip()][-1]
    if "parse_int" in last:
        if "# Clarification:" in prompt and "{:error, reason}" in prompt:
            return [ERROR_TUPLE] * n
        return ([RAISES] * 3 + [ERROR_TUPLE] * 3 + [NIL] * 2) * (n // 8 + 1)
    if "double" in last:
        return [DOUBLE] * n
    return [":ok\n  end\n"] * n


class ScriptedModel(StandInModel):
    """The scripted stand-in for a remote model server."""

    model_id = "scripted"
    prompts: list[str] = []

    def choices(self, prompt: str, n: int) -> list[str]:
        ScriptedModel.prompts.append(prompt)
        return scripted_choices(prompt, n)


@pytest.fixture()
def model_url() -> Iterator[str]:
    ScriptedModel.prompts = []
    with serving(ScriptedModel) as url:
        yield url


def client_converter() -> Any:
    """lsprotocol's converter, reading a code action that carries a command as a CodeAction.

    lsprotocol 2025 structures any `Command | CodeAction` item that has a `command` key as a
    Command, so a CodeAction with a command comes back mangled; editors tell the two apart by
    whether `command` is a string, and so does this hook.
    """
    converter = get_converter()

    def hook(obj: Any, _: type) -> Any:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, lsp.Command)
        return converter.structure(obj, lsp.CodeAction)

    converter.register_structure_hook(Union[lsp.Command, lsp.CodeAction], hook)  # noqa: UP007 - the hook's key
    return converter


class Client:
    """A LanguageClient that applies the server's workspace edits to its copy of the document."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.applied: list[lsp.WorkspaceEdit] = []

        @client.feature(lsp.WORKSPACE_APPLY_EDIT)
        def on_apply(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
            self.applied.append(params.edit)
            return lsp.ApplyWorkspaceEditResult(applied=True)

    async def actions(self, uri: str, line: int) -> list[lsp.CodeAction]:
        result = await asyncio.wait_for(self.client.text_document_code_action_async(lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri), range=lsp.Range(lsp.Position(line, 2), lsp.Position(line, 2)),
            context=lsp.CodeActionContext(diagnostics=[]))), TIMEOUT)
        return [a for a in result or [] if isinstance(a, lsp.CodeAction)]

    async def run(self, command: lsp.Command) -> Any:
        return await asyncio.wait_for(self.client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=command.command, arguments=command.arguments)), TIMEOUT)


def plain(value: Any) -> Any:
    """pygls returns custom results as named tuples: turn them into plain data."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def apply_edit(text: str, edit: lsp.WorkspaceEdit) -> str:
    change = edit.document_changes[0]
    assert isinstance(change, lsp.TextDocumentEdit)
    lines = text.split("\n")

    def offset(pos: lsp.Position) -> int:
        return sum(len(ln) + 1 for ln in lines[: pos.line]) + pos.character

    for e in sorted(change.edits, key=lambda e: offset(e.range.start), reverse=True):
        assert isinstance(e, lsp.TextEdit)
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


@pytest.fixture()
async def client(tmp_path: Path, model_url: str) -> AsyncIterator[Client]:
    root = tmp_path / "numbers"
    (root / "lib").mkdir(parents=True)
    (root / "mix.exs").write_text("defmodule Numbers.MixProject do\nend\n")
    env = {**os.environ, "ELIXIR_CODER_HOME": str(tmp_path / "home")}
    lc = LanguageClient("e2e-generate", "1.0", converter_factory=client_converter)
    await lc.start_io(sys.executable, "-m", "elixir_coder.server.app", env=env)
    await asyncio.wait_for(lc.initialize_async(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(workspace=lsp.WorkspaceClientCapabilities(apply_edit=True)),
        root_uri=root.as_uri(),
        initialization_options={"elixirCoder": {"analyzer": "builtin", "telemetry": False, "remoteUrl": model_url,
                                                "completionsEnabled": False}},
    )), TIMEOUT)
    lc.initialized(lsp.InitializedParams())
    yield Client(lc)
    await asyncio.wait_for(lc.shutdown_async(None), TIMEOUT)
    lc.exit(None)
    await lc.stop()


def open_doc(c: Client, tmp_path: Path) -> str:
    path = tmp_path / "numbers" / "lib" / "numbers.ex"
    path.write_text(SOURCE)
    uri = path.as_uri()
    c.client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri, "elixir", 1, SOURCE)))
    return uri


async def test_ambiguous_spec_asks_then_answer_regenerates(client: Client, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path)
    actions = await client.actions(uri, PARSE_LINE)
    generate = [a for a in actions if a.command and a.command.command == "elixirCoder.generateImplementation"]
    assert [a.title for a in generate] == ["Generate implementation of parse_int/1"]

    result = plain(await client.run(generate[0].command))
    assert result["status"] == "question", result
    assert result["clusters"] == [3, 3, 2] and result["method"] == "behaviour"
    assert result["entropy"] == pytest.approx(1.0822, abs=1e-3)
    question = result["question"]
    assert question["category"] == "error handling"
    labels = [o["label"] for o in question["options"]]
    assert labels == ["Raise ArgumentError", "Return {:error, reason}", "Return nil"]
    assert all(o["preview"].startswith("parse_int(") and " -> " in o["preview"] for o in question["options"])
    assert client.applied == []  # nothing is written before the user answers

    # The question now shows as code actions, one per option.
    options = await client.actions(uri, PARSE_LINE)
    answer = [a for a in options if a.command and a.command.command == "elixirCoder.answerClarification"]
    assert [a.title.split(" → ")[1] for a in answer] == labels
    assert all(a.title.startswith(question["text"]) for a in answer)

    chosen = next(a for a in answer if a.title.endswith("Return {:error, reason}"))
    assert chosen.command is not None
    done = plain(await client.run(chosen.command))
    assert done["status"] == "applied", done
    assert "{:error, :invalid}" in done["code"]
    # The regeneration prompt carried the answer.
    assert any("# Clarification:" in p and "{:error, reason}" in p for p in ScriptedModel.prompts)
    assert len(client.applied) == 1
    new_text = apply_edit(SOURCE, client.applied[0])
    assert "      _ -> {:error, :invalid}\n    end\n  end\n\n  @doc \"Doubles" in new_text
    assert new_text.count("def parse_int") == 1


async def test_clear_spec_proceeds_and_applies(client: Client, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path)
    actions = await client.actions(uri, DOUBLE_LINE - 1)  # the cursor on the @spec line
    generate = [a for a in actions if a.command and a.command.command == "elixirCoder.generateImplementation"]
    assert [a.title for a in generate] == ["Generate implementation of double/1"]
    result = plain(await client.run(generate[0].command))
    assert result["status"] == "applied", result
    assert result["clusters"] == [8] and result["entropy"] == 0.0
    assert result["code"] == "  def double(n) do\n    n * 2\n  end\n"
    new_text = apply_edit(SOURCE, client.applied[0])
    assert "  def double(n) do\n    n * 2\n  end\nend\n" in new_text
    # A line that describes no function offers no generation.
    none = await client.actions(uri, 1)
    assert not [a for a in none if a.command and a.command.command.startswith("elixirCoder.generate")]
