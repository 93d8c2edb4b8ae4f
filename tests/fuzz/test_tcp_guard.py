"""Over TCP the server reads through the same guarded framing and dispatch as over stdio."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from raw_lsp import frame


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(sock: socket.socket, want: set[int], timeout: float = 20) -> dict[int, dict]:
    sock.settimeout(0.5)
    buf, got, deadline = b"", {}, time.monotonic() + timeout
    while not want <= set(got) and time.monotonic() < deadline:
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        if not data:
            break
        buf += data
        while b"\r\n\r\n" in buf:
            head, rest = buf.split(b"\r\n\r\n", 1)
            length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
            if len(rest) < length:
                break
            message, buf = json.loads(rest[:length]), rest[length:]
            if "id" in message and "method" not in message:
                got[message["id"]] = message
    return got


def test_tcp_session_is_guarded_and_exits_zero(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "elixir_coder.cli", "serve", "--tcp", str(port)],
                            env={**os.environ, "ELIXIR_CODER_HOME": str(tmp_path)}, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.1)
        with sock:
            status = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "elixirCoder/status"}).encode()
            sock.sendall(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "capabilities": {}, "initializationOptions": {"elixirCoder": {"completionsEnabled": False,
                                                                            "telemetry": False}}}})
                         + b"Content-Length: 0\r\n\r\n" + status
                         + frame({"jsonrpc": "2.0", "id": 3, "method": [1], "params": {}})
                         + frame({"jsonrpc": "2.0", "id": 4, "method": "shutdown"}))
            got = _answers(sock, {1, 2, 3, 4})
            assert "result" in got[1] and "result" in got[2] and got[3]["error"]["code"] == -32600
            sock.sendall(frame({"jsonrpc": "2.0", "method": "exit"}))
            assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
