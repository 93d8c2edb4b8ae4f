"""Reproducers for the protocol findings of issue 18, against the real server over stdio.

Each test sends what the fault campaign sent and asserts what LSP and JSON-RPC require: the
process lives, every request gets exactly one answer with the right code, and a client's
mistake is logged as one line, never as a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from raw_lsp import RawServer, frame

OFF = {"completions": False, "telemetry": False, "analyzer": "builtin"}
STATUS = "elixirCoder/status"


def start(tmp_path: Path, name: str = "home", env: dict[str, str] | None = None) -> RawServer:
    return RawServer(tmp_path / name, env)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawServer]:
    """One server for the tests that leave it as they found it (each also proves it survived the last)."""
    s = start(tmp_path_factory.mktemp("guard"))
    s.initialize(OFF)
    yield s
    s.kill()


def code_of(answer: dict) -> int | None:
    return answer["error"]["code"] if "error" in answer else None


@pytest.mark.parametrize("length", [b"17179869184", b"9223372036854775808", b"9" * 40])
def test_a_huge_content_length_is_skipped_and_the_server_goes_on(server: RawServer, length: bytes) -> None:
    server.send_bytes(b"Content-Length: " + length + b"\r\n\r\n" + json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": STATUS}).encode())
    answer = server.wait(server.request(STATUS))
    assert "result" in answer and server.alive()
    assert "over the limit" in server.stderr()


def _status_body(msg_id: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": STATUS}).encode()


MALFORMED = {
    "zero length": lambda b: b"Content-Length: 0\r\n\r\n" + b,
    "lower-case name": lambda b: b"content-length: %d\r\n\r\n" % len(b) + b,
    "LF line ends": lambda b: b"Content-Length: %d\n\n" % len(b) + b,
    "length too short": lambda b: b"Content-Length: %d\r\n\r\n" % (len(b) - 7) + b,
    "length too long": lambda b: b"Content-Length: %d\r\n\r\n" % (len(b) + 40) + b,
    "duplicate header": lambda b: b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(b), len(b)) + b,
    "conflicting duplicates": lambda b: b"Content-Length: 3\r\nContent-Length: %d\r\n\r\n" % len(b) + b,
    "missing header": lambda b: b"Content-Type: application/vscode-jsonrpc\r\n\r\n" + b,
    "no header at all": lambda b: b,
    "junk before": lambda b: b"garbage\r\n\r\n" + frame(b),
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_the_stream_resynchronises_after_a_malformed_header(server: RawServer, kind: str) -> None:
    mid = 1000 + sorted(MALFORMED).index(kind)
    server.send_bytes(MALFORMED[kind](_status_body(mid)))
    follow = server.request(STATUS)
    assert "result" in server.wait(follow)
    # The malformed frame's own request was recovered too: its body was a whole JSON object.
    assert "result" in server.wait(mid)
    assert server.answer_count(mid) == 1 and server.answer_count(follow) == 1


def test_a_body_longer_declared_than_sent_is_answered_when_the_client_goes_quiet(server: RawServer) -> None:
    body = _status_body(900)
    server.send_bytes(b"Content-Length: %d\r\n\r\n" % (len(body) + 100) + body)
    assert "result" in server.wait(900, timeout=5)


@pytest.mark.parametrize("method", [lambda s: s.request(STATUS, omit_params=True),
                                    lambda s: s.request("textDocument/hover", {
                                        "textDocument": {"uri": "file:///x.ex"}, "position": {"line": 0, "character": 0}}),
                                    lambda s: s.request("textDocument/inlineCompletion", {
                                        "textDocument": {"uri": "file:///x.ex"}, "position": {"line": 0, "character": 0},
                                        "context": {"triggerKind": 1}}),
                                    lambda s: s.request("textDocument/completion", {
                                        "textDocument": {"uri": "file:///x.ex"}, "position": {"line": 0, "character": 0}})])
def test_requests_before_initialize_get_server_not_initialized(tmp_path: Path, method) -> None:
    s = start(tmp_path)
    try:
        assert code_of(s.wait(method(s))) == -32002
        assert code_of(s.initialize(OFF)) is None  # and initialize still works afterwards
    finally:
        s.kill()


def test_nested_method_values_in_params_do_not_break_dispatch(server: RawServer) -> None:
    for params in ({"method": [1, 2]}, {"method": {"a": 1}}, {"x": [{"method": [], "jsonrpc": "2.0", "id": 1}]}):
        assert "result" in server.wait(server.request(STATUS, params))


@pytest.mark.parametrize("method", [[1, 2], {"a": 1}, 5, None, True])
def test_a_method_that_is_not_a_string_is_an_invalid_request(server: RawServer, method: object) -> None:
    assert code_of(server.wait(server.request(method, {}))) == -32600
    assert "result" in server.wait(server.request(STATUS))


@pytest.mark.parametrize("body", [b"[]", b"[1, 2]", b"42", b'"x"', b"null", b"{not json", b"\xff\xfe{}",
                                  b'{"jsonrpc": "1.0", "id": 3, "method": "elixirCoder/status"}',
                                  b'{"jsonrpc": "2.0", "id": 1.5, "method": "elixirCoder/status"}',
                                  b'{"jsonrpc": "2.0", "id": [1], "method": "elixirCoder/status"}'])
def test_bodies_that_are_not_requests_are_refused_and_the_server_goes_on(server: RawServer, body: bytes) -> None:
    server.send_bytes(frame(body))
    assert "result" in server.wait(server.request(STATUS))
    assert server.alive()


def test_every_request_after_shutdown_is_an_invalid_request_and_exit_is_zero(tmp_path: Path) -> None:
    s = start(tmp_path)
    s.initialize(OFF)
    assert "result" in s.wait(s.request("shutdown"))
    for method, params in ((STATUS, None), ("textDocument/hover", {"textDocument": {"uri": "file:///x.ex"},
                                                                   "position": {"line": 0, "character": 0}}),
                           ("shutdown", None)):
        assert code_of(s.wait(s.request(method, params))) == -32600
    s.notify("exit")
    assert s.proc.wait(10) == 0


def test_exit_without_shutdown_exits_one(tmp_path: Path) -> None:
    s = start(tmp_path)
    s.initialize(OFF)
    s.notify("exit")
    assert s.proc.wait(10) == 1


def test_invalid_params_answer_minus_32602_without_a_traceback(server: RawServer) -> None:
    bad = [("textDocument/hover", {"textDocument": {"uri": "file:///x.ex"}, "position": {"line": -1, "character": "a"}}),
           ("textDocument/hover", None),
           ("textDocument/codeAction", {"textDocument": 5}),
           ("textDocument/inlineCompletion", {"position": [1]}),
           ("workspace/executeCommand", {"command": "elixirCoder.completionAccepted", "arguments": [1, 2]}),
           ("workspace/executeCommand", {"command": "no.such.command", "arguments": []})]
    for method, params in bad:
        assert code_of(server.wait(server.request(method, params))) == -32602, method
    assert server.unexpected_tracebacks() == []


def test_a_request_with_a_notification_method_is_answered(server: RawServer) -> None:
    answer = server.wait(server.request("textDocument/didOpen", {"textDocument": {
        "uri": "file:///x.ex", "languageId": "elixir", "version": 1, "text": ""}}))
    assert code_of(answer) == -32600


def test_a_reused_id_still_gets_one_answer_per_request(server: RawServer) -> None:
    big = "defmodule A do\n" + "  def f(x), do: x\n" * 20000 + "end\n"
    server.open("file:///tmp/big_reuse.ex", big)
    first = server.request("textDocument/codeAction", {
        "textDocument": {"uri": "file:///tmp/big_reuse.ex"},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": []}}, msg_id=77)
    server.request(STATUS, msg_id=77)  # same id while the first may still run
    server.wait(first, timeout=20)
    assert server.alive()


def test_a_cancelled_request_is_answered_request_cancelled(server: RawServer) -> None:
    # A code action waits for the analysis of a large document on the worker: cancel it meanwhile.
    big = "defmodule A do\n" + "  def f(x), do: x + 100000\n" * 20000 + "end\n"
    server.open("file:///tmp/big_cancel.ex", big + "\n")
    server.notify("textDocument/didChange", {"textDocument": {"uri": "file:///tmp/big_cancel.ex", "version": 2},
                                             "contentChanges": [{"text": big}]})
    msg_id = server.request("textDocument/codeAction", {
        "textDocument": {"uri": "file:///tmp/big_cancel.ex"},
        "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}},
        "context": {"diagnostics": []}})
    server.notify("$/cancelRequest", {"id": msg_id})
    answer = server.wait(msg_id, timeout=30)
    assert code_of(answer) == -32800, answer  # a race lost to a fast machine is still one answer
    assert server.answer_count(msg_id) == 1
