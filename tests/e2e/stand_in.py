"""A stand-in for a remote model server, shared by the end-to-end tests that need a model to answer on cue.

A real HTTP server on loopback speaking the OpenAI `/v1/completions` API; subclasses decide
what the "model" answers. Named as a stand-in: a real model cannot be made to produce a given
text on demand.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StandInModel(BaseHTTPRequestHandler):
    """Answers `/v1/models` and `/v1/completions`; `choices(prompt, n)` says what it completes."""

    model_id = "stand-in"

    def choices(self, prompt: str, n: int) -> list[str]:
        """The texts to answer with (override)."""
        raise NotImplementedError

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._send({"object": "list",
                    "data": [{"id": self.model_id, "version": f"{self.model_id}-1", "context_length": 2048}]})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        n = int(body.get("n", 1))
        texts = self.choices(body["prompt"], n)[:n]
        self._send({"id": "c", "object": "text_completion", "model": self.model_id,
                    "choices": [{"index": i, "text": t, "finish_reason": "stop"} for i, t in enumerate(texts)]})


@contextmanager
def serving(handler: type[StandInModel]) -> Iterator[str]:
    """Serve `handler` on a free loopback port for the block; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
