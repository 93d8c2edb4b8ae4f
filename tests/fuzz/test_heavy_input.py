"""Reproducers for issue 18's heavy and hostile documents, against the real server over stdio.

The properties: the server keeps answering (`elixirCoder/status` within 5 s while the heavy work
runs), every request is answered, and what the editor opened is analysed from the editor's text
(a path that is a device or a FIFO is never read).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from raw_lsp import RawServer

OFF = {"completions": False, "telemetry": False, "analyzer": "auto"}
# The sizes in the long mode (ELIXIR_CODER_FUZZ=long); a fifth of them in the normal suite.
SCALE = 1 if os.environ.get("ELIXIR_CODER_FUZZ") == "long" else 5
STATUS = "elixirCoder/status"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawServer]:
    s = RawServer(tmp_path_factory.mktemp("heavy"))
    s.initialize(OFF)
    yield s
    s.kill()


def alive(server: RawServer) -> None:
    assert "result" in server.wait(server.request(STATUS), timeout=5)


def test_a_device_opened_as_a_document_is_not_read(server: RawServer) -> None:
    server.open("file:///dev/zero", "defmodule Z do\n  def f, do: 100000\nend\n")
    published = server.diagnostics("file:///dev/zero", timeout=10)
    assert "Readability.LargeNumbers" in [d["code"] for d in published["diagnostics"]]
    alive(server)


def test_a_fifo_opened_as_a_document_does_not_block_the_analysis(server: RawServer, tmp_path: Path) -> None:
    fifo = tmp_path / "lib" / "pipe.ex"
    fifo.parent.mkdir()
    (tmp_path / "mix.exs").write_text("defmodule P.MixProject do\nend\n")
    os.mkfifo(fifo)
    server.open(fifo.as_uri(), "defmodule P do\n  def f, do: 100000\nend\n")
    server.notify("textDocument/didSave", {"textDocument": {"uri": fifo.as_uri()}})
    assert server.diagnostics(fifo.as_uri(), timeout=10)["diagnostics"]
    other = (tmp_path / "lib" / "after.ex").as_uri()
    server.open(other, "defmodule Q do\n  def g, do: 200000\nend\n")
    assert server.diagnostics(other, timeout=10)["diagnostics"]  # the analysis thread is still free


def test_code_actions_over_a_large_file_answer_in_time_and_status_meanwhile(server: RawServer) -> None:
    uri = "file:///tmp/heavy_actions.ex"
    text = "defmodule Big do\n  @moduledoc false\n" + "".join(
        f"  def f{i}(x), do: x + 1000000 \n" for i in range(30000 // SCALE)) + "end\n"  # 1 MB, 30k findings
    server.open(uri, text)
    diagnostics = server.diagnostics(uri, timeout=60)["diagnostics"]
    assert len(diagnostics) >= 30000 // SCALE
    msg_id = server.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": diagnostics}})
    alive(server)
    answer = server.wait(msg_id, timeout=10)
    assert answer["result"], "some quick fixes within the budget"
    # A second request for the same analysis reuses what the first computed.
    first = server.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}},
        "context": {"diagnostics": diagnostics[:20]}})
    assert len([a for a in server.wait(first, timeout=5)["result"] if a.get("kind") == "quickfix"]) == 20


def test_a_half_megabyte_line_is_skipped_with_a_reason_and_the_server_answers(server: RawServer) -> None:
    uri = "file:///tmp/one_line.ex"
    server.open(uri, "defmodule L do\n  def f do\n    " + " + ".join(["a"] * 130000) + "\n  end\nend\n")
    assert server.diagnostics(uri, timeout=10)["diagnostics"] == []
    alive(server)
    assert "characters long" in server.stderr()


def test_a_hundred_thousand_lone_cr_lines_are_diagnosed(server: RawServer) -> None:
    uri = "file:///tmp/lone_cr.ex"
    lines = 100000 // SCALE
    server.open(uri, "defmodule A do\r" + "".join(f"  x = {100000 + i}\r" for i in range(lines)) + "end\r")
    alive(server)
    published = server.diagnostics(uri, timeout=60)
    numbers = sorted(d["range"]["start"]["line"] for d in published["diagnostics"]
                     if d["code"] == "Readability.LargeNumbers")
    # Lines are counted as the editor counts them: a lone CR ends one.
    assert numbers == list(range(1, lines + 1))


def test_routing_a_document_of_blank_lines_answers_completions(tmp_path: Path) -> None:
    s = RawServer(tmp_path / "home")
    try:
        s.initialize({"telemetry": False, "analyzer": "builtin"})
        uri = "file:///tmp/blank_lines.ex"
        s.open(uri, "defmodule B do\n" + "\n" * 200000 + "end\n")
        for _ in range(3):
            answer = s.wait(s.request("textDocument/inlineCompletion", {
                "textDocument": {"uri": uri}, "position": {"line": 100000, "character": 0},
                "context": {"triggerKind": 1}}), timeout=5)
            assert "result" in answer
    finally:
        s.kill()


def test_a_document_over_the_size_limit_is_set_aside_until_a_whole_text_change(tmp_path: Path) -> None:
    s = RawServer(tmp_path / "home")
    try:
        s.initialize({"telemetry": False, "analyzer": "builtin", "maxFileBytes": 2000})
        uri = "file:///tmp/oversize.ex"
        s.open(uri, "defmodule O do\n" + "  def f, do: 100000\n" * 200 + "end\n")
        assert s.diagnostics(uri, timeout=10)["diagnostics"] == []
        s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}}, "text": "x"}]})
        at = {"line": 1, "character": 3}
        for method, params in (("textDocument/inlineCompletion", {"position": at, "context": {"triggerKind": 1}}),
                               ("textDocument/hover", {"position": at}),
                               ("textDocument/codeAction", {"range": {"start": at, "end": at},
                                                            "context": {"diagnostics": []}})):
            answer = s.wait(s.request(method, {"textDocument": {"uri": uri}, **params}), timeout=5)
            assert "result" in answer, answer
        s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [
            {"text": "defmodule O do\n  def f, do: 100000\nend\n"}]})
        s.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
        assert s.diagnostics(uri, timeout=10, after=1)["diagnostics"]  # back under the limit: analysed
        assert "not kept" in s.stderr()
    finally:
        s.kill()
