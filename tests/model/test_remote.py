"""RemoteEngine against a recording HTTP server on loopback and, end to end, against serve-model."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from elixir_coder.model.engine import Engine, GenerationRequest
from elixir_coder.model.remote import RemoteEngine, RemoteError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "model" / "default"


class Recorder:
    """A real HTTP server that records requests and plays back scripted answers."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict[str, str], bytes]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                recorder.requests.append({
                    "method": self.command, "path": self.path, "headers": dict(self.headers),
                    "json": json.loads(body) if body else None,
                })
                status, headers, payload = recorder.script.pop(0) if recorder.script else (500, {}, b"{}")
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _answer  # noqa: N815
            do_POST = _answer  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.script.append((status, {"Content-Type": "application/json", **(headers or {})}, payload))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.close()


def completion(*texts: str, finish: str = "length") -> dict:
    return {"id": "cmpl-1", "object": "text_completion", "model": "m",
            "choices": [{"text": t, "index": i, "logprobs": None, "finish_reason": finish} for i, t in enumerate(texts)]}


def test_generate_sends_standard_fields_and_parses_choices(recorder: Recorder) -> None:
    recorder.add(200, completion("\n    x + 1\n  end", "y"))
    with RemoteEngine(recorder.url, model="elixir", api_key="sekret-key") as remote:
        req = GenerationRequest("def f(x) do", suffix="\nend", max_tokens=12, temperature=0.7, num_hypotheses=2,
                                stop_at_newline=True, stop=("end",), top_k=5)
        out = remote.generate(req)
    sent = recorder.requests[0]
    assert sent["method"] == "POST" and sent["path"] == "/v1/completions"
    assert sent["headers"]["Authorization"] == "Bearer sekret-key"
    assert sent["json"] == {"model": "elixir", "prompt": "def f(x) do", "suffix": "\nend", "max_tokens": 12,
                            "temperature": 0.7, "top_p": 0.95, "n": 2, "stream": False, "stop": ["end"]}
    # The line stop is applied here: leading newline and indentation belong to the line.
    assert [c.text for c in out] == ["\n    x + 1", "y"]
    assert [c.finish_reason for c in out] == ["stop", "length"]


def test_retries_503_and_429_honouring_retry_after(recorder: Recorder) -> None:
    recorder.add(503, {"error": {"message": "queue full"}}, {"Retry-After": "0"})
    recorder.add(429, {"error": {"message": "slow down"}}, {"Retry-After": "0"})
    recorder.add(200, completion("ok"))
    with RemoteEngine(recorder.url + "/v1", retries=2, backoff=5) as remote:  # backoff unused: Retry-After wins
        started = time.monotonic()
        assert remote.generate(GenerationRequest("x"))[0].text == "ok"
    assert time.monotonic() - started < 2
    assert len(recorder.requests) == 3


def test_gives_up_with_a_clear_error(recorder: Recorder) -> None:
    for _ in range(2):
        recorder.add(503, {"error": {"message": "model not loaded"}}, {"Retry-After": "0"})
    with RemoteEngine(recorder.url, retries=1) as remote, pytest.raises(RemoteError) as err:
        remote.generate(GenerationRequest("x"))
    assert "gave up after 2 attempts" in str(err.value) and "model not loaded" in str(err.value)
    assert err.value.status == 503


def test_client_errors_are_not_retried(recorder: Recorder) -> None:
    recorder.add(401, {"error": {"message": "missing or invalid API key"}})
    with RemoteEngine(recorder.url, retries=3) as remote, pytest.raises(RemoteError) as err:
        remote.generate(GenerationRequest("x"))
    assert err.value.status == 401 and "HTTP 401: missing or invalid API key" in str(err.value)
    assert len(recorder.requests) == 1


def test_connection_refused_is_retried_then_reported() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with RemoteEngine(f"http://127.0.0.1:{port}", retries=2, backoff=0.01) as remote, pytest.raises(RemoteError) as e:
        remote.generate(GenerationRequest("x"))
    assert "cannot connect" in str(e.value) and "3 attempts" in str(e.value)


def test_bad_url_and_bad_answers(recorder: Recorder) -> None:
    with pytest.raises(RemoteError, match="http://"):
        RemoteEngine("gpu-box:8000")
    recorder.add(200, b"<html>proxy page</html>")
    recorder.add(200, {"unexpected": True})
    with RemoteEngine(recorder.url, retries=0) as remote:
        with pytest.raises(RemoteError, match="not JSON"):
            remote.generate(GenerationRequest("x"))
        with pytest.raises(RemoteError, match="no choices"):
            remote.generate(GenerationRequest("x"))


def test_stream_parses_server_sent_events(recorder: Recorder) -> None:
    events = [completion("\n  a"), completion("bc"), completion("\nnext line")]
    sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    recorder.add(200, sse.encode(), {"Content-Type": "text/event-stream"})
    with RemoteEngine(recorder.url) as remote:
        pieces = list(remote.stream(GenerationRequest("x", stop_at_newline=True)))
    assert "".join(pieces) == "\n  abc" and len(pieces) == 2
    assert recorder.requests[0]["json"]["stream"] is True


def test_version_and_context_length_from_models(recorder: Recorder) -> None:
    recorder.add(200, {"object": "list", "data": [{"id": "other"}, {"id": "big", "max_model_len": 4096}]})
    with RemoteEngine(recorder.url, model="big") as remote:
        assert remote.context_length == 4096 and remote.version == "big"
    assert recorder.requests[0]["path"] == "/v1/models"


# --- end to end against the real inference server -------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    pytest.importorskip("starlette")
    from elixir_coder.model.registry import Registry
    from elixir_coder.serving.app import ServerState, create_app
    from elixir_coder.serving.auth import ApiKeys, hash_key
    from elixir_coder.serving.batching import Batcher
    from elixir_coder.serving.instances import InstanceSpec, ModelInstance, ModelPool
    from elixir_coder.serving.runner import ServerThread

    registry = Registry(Path("/nonexistent-registry"), shipped=DEFAULT)
    inst = ModelInstance(InstanceSpec("default", str(DEFAULT / "base")), registry, "cpu", None,
                         lambda lease, name: Batcher(lease, name=name))
    pool = ModelPool([inst], None, registry)
    pool.load_all()
    state = ServerState(pool, keys=ApiKeys(frozenset({hash_key("e2e-key-0123456789ab")})))
    with ServerThread(create_app(state)) as srv:
        yield srv.url


def test_remote_engine_matches_local_engine_end_to_end(served: str) -> None:
    local = Engine(DEFAULT / "base")
    try:
        with RemoteEngine(served, api_key="e2e-key-0123456789ab", logprobs=True) as remote:
            assert remote.version == local.version and remote.context_length == local.context_length
            for prompt in ("defmodule Foo do\n  def bar(x) do", "case File.read(path) do\n  {:ok, data} ->"):
                for stop_at_newline in (False, True):
                    req = GenerationRequest(prompt, max_tokens=20, stop_at_newline=stop_at_newline)
                    want = local.generate(req)[0]
                    got = remote.generate(req)[0]
                    assert got.text == want.text
                    assert got.log_prob is not None and got.log_prob <= 0
                    assert "".join(remote.stream(req)) == want.text
    finally:
        local.close()


def test_remote_engine_without_key_gets_clear_401(served: str) -> None:
    with RemoteEngine(served) as remote, pytest.raises(RemoteError, match="401"):
        remote.generate(GenerationRequest("def"))
