"""A raw LSP client for hostile tests: writes any bytes to the real server over stdio and reads its answers.

pygls' client cannot send a malformed frame or a request with a list for a method, so the
robustness tests drive `python -m elixir_coder.server.app` through this one: a subprocess, a
reader thread that parses the server's frames strictly (the server must always frame its
output correctly), and helpers to wait for the answer to a given id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


def frame(body: bytes | dict[str, Any] | list[Any]) -> bytes:
    """A well-formed frame around a body (a dict or list is JSON-encoded)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


class RawServer:
    """The real server in a subprocess, with its answers collected by id.

    Args:
        home: ELIXIR_CODER_HOME for the server (keeps registry and feedback out of the user's).
        env: extra environment.
    """

    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        self.stderr_path = home / "server.stderr"
        home.mkdir(parents=True, exist_ok=True)
        self._stderr = self.stderr_path.open("wb")
        full_env = {**os.environ, "ELIXIR_CODER_HOME": str(home), "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc = subprocess.Popen([sys.executable, "-m", "elixir_coder.server.app"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._stderr, env=full_env)
        self.answers: dict[Any, list[dict[str, Any]]] = {}
        self.sent_at: dict[Any, float] = {}
        self.answered_at: dict[Any, float] = {}
        self.notifications: list[dict[str, Any]] = []
        self.server_requests: list[dict[str, Any]] = []
        self.bad_output: list[bytes] = []
        self._cond = threading.Condition()
        self._next_id = 10_000
        threading.Thread(target=self._read, daemon=True).start()

    # --- sending -------------------------------------------------------------------------------

    def send_bytes(self, data: bytes) -> bool:
        """Write raw bytes; False when the server no longer reads."""
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def request(self, method: Any, params: Any = None, msg_id: Any = None, omit_params: bool = False) -> Any:
        """Send a well-framed request; returns its id."""
        if msg_id is None:
            self._next_id += 1
            msg_id = self._next_id
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if not omit_params:
            body["params"] = params
        self.sent_at.setdefault(msg_id, time.monotonic())
        self.send_bytes(frame(body))
        return msg_id

    def notify(self, method: str, params: Any = None) -> None:
        """Send a well-framed notification."""
        self.send_bytes(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def initialize(self, options: dict[str, Any] | None = None, root: Path | None = None,
                   timeout: float = 20) -> dict[str, Any]:
        """initialize + initialized; returns the initialize answer."""
        params: dict[str, Any] = {"processId": None, "capabilities": {},
                                  "initializationOptions": {"elixirCoder": options or {}}}
        if root is not None:
            params["rootUri"] = root.as_uri()
        answer = self.wait(self.request("initialize", params), timeout)
        self.notify("initialized", {})
        return answer

    def open(self, uri: str, text: str, version: int = 1) -> None:
        """textDocument/didOpen."""
        self.notify("textDocument/didOpen",
                    {"textDocument": {"uri": uri, "languageId": "elixir", "version": version, "text": text}})

    # --- receiving -----------------------------------------------------------------------------

    def _read(self) -> None:
        assert self.proc.stdout is not None
        stream = self.proc.stdout
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = stream.read(1)
                if not byte:
                    return
                header += byte
            length = None
            for line in header.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length is None:
                self.bad_output.append(header)
                return
            body = stream.read(length)
            try:
                message = json.loads(body)
            except ValueError:
                self.bad_output.append(body)
                continue
            with self._cond:
                if "method" in message and "id" in message:
                    self.server_requests.append(message)
                    self._answer_server_request(message)
                elif "method" in message:
                    self.notifications.append(message)
                else:
                    self.answers.setdefault(message.get("id"), []).append(message)
                    self.answered_at.setdefault(message.get("id"), time.monotonic())
                self._cond.notify_all()

    def _answer_server_request(self, message: dict[str, Any]) -> None:
        # workspace/configuration and progress creation: answer as a minimal editor does.
        result: Any = [None] if message["method"] == "workspace/configuration" else None
        self.send_bytes(frame({"jsonrpc": "2.0", "id": message["id"], "result": result}))

    def wait(self, msg_id: Any, timeout: float = 5.0) -> dict[str, Any]:
        """The answer to a request; raises TimeoutError when none comes in time."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while msg_id not in self.answers:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and msg_id not in self.answers:
                    if left > 0:
                        self._cond.wait(0.2)  # answers written just before the process ended
                        if msg_id in self.answers:
                            break
                    raise TimeoutError(f"no answer to {msg_id!r} within {timeout} s")
                self._cond.wait(min(left, 0.2))
            return self.answers[msg_id][0]

    def diagnostics(self, uri: str, timeout: float = 5.0, after: int = 0) -> dict[str, Any]:
        """The next publishDiagnostics for `uri` (the `after`-th one and later); raises TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [n["params"] for n in self.notifications
                         if n["method"] == "textDocument/publishDiagnostics" and n["params"]["uri"] == uri]
                if len(found) > after:
                    return found[after]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no diagnostics for {uri} within {timeout} s")
                self._cond.wait(min(left, 0.2))

    def answer_count(self, msg_id: Any) -> int:
        """How many answers this id got (exactly one is right)."""
        with self._cond:
            return len(self.answers.get(msg_id, []))

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.proc.poll() is None

    def stderr(self) -> str:
        """What the server logged so far."""
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def unexpected_tracebacks(self) -> list[str]:
        """Tracebacks in the server's log (a client's mistake is logged as one line, never with one)."""
        text = self.stderr()
        return [chunk[:600] for chunk in text.split("Traceback (most recent call last):")[1:]]

    def close(self, timeout: float = 10) -> int:
        """shutdown + exit (if still running); returns the exit status."""
        if self.alive():
            try:
                self.wait(self.request("shutdown"), timeout)
            except TimeoutError:
                pass
            self.notify("exit")
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self._stderr.close()

    def kill(self) -> None:
        """End the process without ceremony."""
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()
