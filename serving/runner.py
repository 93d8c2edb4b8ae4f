"""Run the inference app under uvicorn on a background thread (embedding, tests, benchmarks).

`ServerThread` binds a loopback socket first, so the port is known before the server starts
and a free port can be picked by the operating system.
"""

from __future__ import annotations

import socket
import threading
import time

from starlette.applications import Starlette


class ServerThread:
    """uvicorn serving `app` on `host:port` in a daemon thread.

    Args:
        app: the ASGI app (from `create_app`).
        host: address to bind (default loopback).
        port: TCP port (0: any free port).
        graceful_timeout: seconds in-flight requests get to finish on `stop`.
    """

    def __init__(self, app: Starlette, host: str = "127.0.0.1", port: int = 0, graceful_timeout: float = 30.0) -> None:
        import uvicorn

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        config = uvicorn.Config(
            app, log_config=None, access_log=False, timeout_graceful_shutdown=int(graceful_timeout), lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        """Start serving and wait until the app's startup has finished."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"inference server on {self.url} did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful shutdown: stop accepting, finish in-flight requests, run the app's shutdown."""
        self.server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
