"""JSON-RPC dispatch that answers every request exactly once, whatever the client sends.

pygls' reader and protocol trust the client: one oversized `Content-Length` kills the process,
a malformed header desynchronises the stream, a nested `"method"` that is a list crashes the
decoder (pygls structures every nested object), requests after `shutdown` are dropped without
an answer, requests before `initialize` fail deep in a handler, and `exit` always ends with
status 0. This module replaces the reading loop and guards the dispatch:

- bytes go through `framing.FrameParser` (size limit, resynchronisation);
- each body is decoded once (`json.loads`, no object hook) and checked at the top level only:
  a JSON object, `"jsonrpc": "2.0"`, a string `method`, an integer or string `id`;
- the LSP life cycle is enforced: -32002 before `initialize`, -32600 after `shutdown`, `exit`
  ends the process with 0 after `shutdown` and 1 without;
- params that do not fit the method's type get -32602 with one log line, no traceback;
- every request id is on a ledger until answered: a second answer is suppressed, and a
  watchdog answers -32803 for a request whose handler never finished (with its stack in the
  log, so the cause can be found), so a client never waits forever.

Errors a client causes are logged as one warning line; tracebacks are kept for the unexpected.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any, BinaryIO

from cattrs import transform_error
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage

from .framing import DEFAULT_MAX_FRAME, Frame, FrameParser

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002
REQUEST_FAILED = -32803

MAX_FRAME_ENV = "ELIXIR_CODER_MAX_FRAME_BYTES"
DEADLINE_ENV = "ELIXIR_CODER_REQUEST_DEADLINE_S"
# Every handler has its own, shorter budget; this is the last line of defence.
DEFAULT_DEADLINE_S = 10.0
_IDLE_S = 0.5  # quiet time after which a body shorter than its declared length is served


@dataclass
class GuardStats:
    """Counts for `elixirCoder/status`: what the guard refused or repaired."""

    frames: int = 0
    framing_problems: int = 0
    invalid: int = 0  # not JSON, not an object, bad jsonrpc/method/id
    not_initialized: int = 0
    after_shutdown: int = 0
    invalid_params: int = 0
    late_answers: int = 0  # answered by the watchdog
    duplicate_answers: int = 0  # second answers suppressed

    def as_dict(self) -> dict[str, int]:
        """Plain data for the status request."""
        return dict(self.__dict__)


@dataclass
class _Open:
    method: str
    started: float
    deadline: float


def _valid_id(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or isinstance(value, str)


def _short(exc: BaseException, limit: int = 200) -> str:
    try:
        # cattrs groups its errors; its own summary names the field and what was wrong with it.
        text = "; ".join(transform_error(exc)) if isinstance(exc, BaseExceptionGroup) else str(exc)
    except Exception:  # noqa: BLE001 - a summary of an error must not fail
        text = str(exc)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class GuardedProtocol(LanguageServerProtocol):
    """pygls' LSP protocol behind a gate that validates, answers and accounts for every message."""

    # Custom requests that take no params: JSON-RPC lets a request omit the key, pygls does not.
    paramless_requests: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Set before pygls' constructor, which looks at every attribute to find its built-in features.
        self.initialized = False
        self.exit_code: int | None = None
        self.stats = GuardStats()
        self.deadline_s = _float_env(DEADLINE_ENV, DEFAULT_DEADLINE_S)
        self._open: dict[Any, _Open] = {}
        self._expired: set[Any] = set()  # answered by the watchdog; the handler's late answer is dropped
        self._done_futures: list[tuple[Any, Any]] = []  # finished notification handlers, to forget
        super().__init__(*args, **kwargs)

    # --- receiving ---------------------------------------------------------------------------------

    def receive(self, body: bytes) -> None:
        """Decode and dispatch one frame body; never raises."""
        self.stats.frames += 1
        self._purge_done_futures()
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            self._refuse(None, PARSE_ERROR, f"not JSON: {_short(exc)}")
            return
        if isinstance(data, list):
            # LSP has no batches; each request in one still gets its own answer.
            for item in data or [None]:
                msg_id = item.get("id") if isinstance(item, dict) and "method" in item else None
                self._refuse(msg_id if _valid_id(msg_id) else None, INVALID_REQUEST, "batches are not supported")
            return
        try:
            self._receive_object(data)
        except Exception as exc:  # noqa: BLE001 - the reader outlives any message
            log.exception("unexpected error dispatching a message")
            msg_id = data.get("id") if isinstance(data, dict) and "method" in data else None
            if _valid_id(msg_id) and msg_id in self._open:
                self._send_response(msg_id, None, lsp.ResponseError(code=JsonRpcInternalError().code,
                                                                    message=f"internal error: {_short(exc)}"))

    def _receive_object(self, data: Any) -> None:
        if not isinstance(data, dict):
            self._refuse(None, INVALID_REQUEST, f"a message must be a JSON object, got {type(data).__name__}")
            return
        has_id, has_method = "id" in data, "method" in data
        msg_id = data.get("id")
        method = data.get("method")
        if has_method and not isinstance(method, str):
            self._refuse(msg_id if _valid_id(msg_id) else None, INVALID_REQUEST,
                         f"method must be a string, got {type(method).__name__}", notification=not has_id)
            return
        if has_id and not _valid_id(msg_id):
            self._refuse(None, INVALID_REQUEST, f"id must be an integer or a string, got {msg_id!r:.40}",
                         notification=not has_method)
            return
        if data.get("jsonrpc") != "2.0":
            self._refuse(msg_id if has_id else None, INVALID_REQUEST, "jsonrpc must be \"2.0\"",
                         notification=not (has_id and has_method))
            return
        if not has_method:
            if has_id:
                self._client_response(data)
            else:
                self._refuse(None, INVALID_REQUEST, "neither a request, a notification nor a response",
                             notification=True)
            return
        assert isinstance(method, str)
        if has_id:
            self._request(msg_id, method, data)
        else:
            self._notification(method, data)

    def _request(self, msg_id: Any, method: str, data: dict[str, Any]) -> None:
        if self.exit_code is not None:
            return
        if msg_id in self._open:
            self._refuse(msg_id, INVALID_REQUEST, f"request id {msg_id!r} is already in use", ledger=False)
            return
        self._open[msg_id] = _Open(method, time.monotonic(), time.monotonic() + self.deadline_s)
        if self._shutdown:
            self.stats.after_shutdown += 1
            self._refuse(msg_id, INVALID_REQUEST, f"{method}: the server is shutting down")
            return
        if method == lsp.INITIALIZE:
            if self.initialized:
                self._refuse(msg_id, INVALID_REQUEST, "initialize was already received")
                return
        elif not self.initialized:
            self.stats.not_initialized += 1
            self._refuse(msg_id, SERVER_NOT_INITIALIZED, f"{method}: the server is not initialized yet")
            return
        msg_type = self.get_message_type(method)
        if msg_type is not None and "id" not in {a.name for a in getattr(msg_type, "__attrs_attrs__", ())}:
            self._refuse(msg_id, INVALID_REQUEST, f"{method} is a notification, not a request")
            return
        if method in self.paramless_requests and "params" not in data:
            data = {**data, "params": None}
        try:
            message = self._converter.structure(data, msg_type or JsonRPCRequestMessage)
        except Exception as exc:  # noqa: BLE001 - cattrs raises many kinds
            self.stats.invalid_params += 1
            self._refuse(msg_id, INVALID_PARAMS, f"invalid params for {method}: {_short(exc)}")
            return
        if method == lsp.INITIALIZE:
            self.initialized = True  # pygls builds the workspace before the handler's first await
        self.handle_message(message)

    def _notification(self, method: str, data: dict[str, Any]) -> None:
        if method == lsp.EXIT:
            self.exit_code = 0 if self._shutdown else 1
            log.info("exit (status %d)", self.exit_code)
            return
        if self.exit_code is not None or self._shutdown:
            log.info("%s after shutdown: ignored", method)
            return
        if not self.initialized:
            self.stats.not_initialized += 1
            log.warning("%s before initialize: ignored", method)
            return
        msg_type = self.get_message_type(method)
        if msg_type is not None and "id" in {a.name for a in getattr(msg_type, "__attrs_attrs__", ())}:
            self._refuse(None, INVALID_REQUEST, f"{method} is a request but came without an id", notification=True)
            return
        try:
            message = self._converter.structure(data, msg_type or JsonRPCNotification)
        except Exception as exc:  # noqa: BLE001 - cattrs raises many kinds
            self.stats.invalid_params += 1
            log.warning("invalid params for notification %s: %s; ignored", method, _short(exc))
            return
        self.handle_message(message)

    def _client_response(self, data: dict[str, Any]) -> None:
        """A response to one of the server's own requests."""
        response_type = self._result_types.get(data["id"]) if "error" not in data else lsp.ResponseErrorMessage
        try:
            message = self._converter.structure(data, response_type or JsonRPCResponseMessage)
        except Exception as exc:  # noqa: BLE001 - a bad response fails only the request that waits for it
            self._result_types.pop(data["id"], None)
            future = self._request_futures.pop(data["id"], None)
            log.warning("malformed response to %r: %s", data["id"], _short(exc))
            if future is not None and not future.done():
                future.set_exception(JsonRpcException(f"malformed response: {_short(exc)}"))
            return
        self._result_types.pop(data["id"], None)
        self.handle_message(message)

    def _refuse(self, msg_id: Any, code: int, message: str, notification: bool = False, ledger: bool = True) -> None:
        """Log a client error; answer it unless it was a notification (which gets no answer)."""
        if code in (PARSE_ERROR, INVALID_REQUEST):
            self.stats.invalid += 1
        log.warning("%s%s", message, "" if not notification else " (notification ignored)")
        if notification:
            return
        if ledger:
            self._open.pop(msg_id, None)
        self._write_response(msg_id, None, lsp.ResponseError(code=code, message=message))

    # --- answering ---------------------------------------------------------------------------------

    def _send_response(self, msg_id: Any, result: Any | None = None, error: lsp.ResponseError | None = None) -> None:
        """Answer a client request once: later answers for the same id are dropped with a log line."""
        if self._open.pop(msg_id, None) is None:
            if msg_id in self._expired:
                self._expired.discard(msg_id)
                return
            self.stats.duplicate_answers += 1
            log.warning("a second answer to request %r suppressed", msg_id)
            return
        self._write_response(msg_id, result, error)

    def _write_response(self, msg_id: Any, result: Any, error: lsp.ResponseError | None) -> None:
        super()._send_response(msg_id, result, error)

    def _send_handler_result(self, future: Future[Any], *, msg_id: Any) -> None:  # type: ignore[override]
        """pygls' result callback, with one log line for errors the client caused and a traceback otherwise."""
        if not future.cancelled() and isinstance(exc := future.exception(), JsonRpcException):
            if isinstance(exc, JsonRpcInternalError):
                log.error("request %r failed: %s", msg_id, _short(exc))
            else:
                log.warning("request %r refused: %s", msg_id, _short(exc))
            self._request_futures.pop(msg_id, None)
            self._send_response(msg_id, None, exc.to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)

    def _execute_handler(self, msg_id: Any, handler: Any, callback: Any, args: Any = None,
                         kwargs: Any = None) -> None:
        """pygls' handler runner, without its leak: pygls files the future of every notification handler (and of
        each step of its built-in handlers) under a random id and never takes it out again (~1 MB per
        hundred notifications, found by measuring RSS over repeated work). Those entries go once done."""
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is None:
            return
        future.add_done_callback(_retrieve_outcome)
        if msg_id not in self._open:
            future.add_done_callback(partial(self._forget_future, msg_id))

    def _forget_future(self, msg_id: Any, future: Any) -> None:
        # Not deleted here: pygls cancels futures while iterating its table (at shutdown).
        self._done_futures.append((msg_id, future))

    def _purge_done_futures(self) -> None:
        done, self._done_futures = self._done_futures, []
        for msg_id, future in done:
            if self._request_futures.get(msg_id) is future:
                del self._request_futures[msg_id]

    def overdue(self, now: float | None = None) -> list[Any]:
        """Answer requests past their deadline with -32803, cancelling their handlers; returns their ids."""
        now = time.monotonic() if now is None else now
        late = [(msg_id, req) for msg_id, req in self._open.items() if req.deadline <= now]
        for msg_id, req in late:
            self.stats.late_answers += 1
            future = self._request_futures.pop(msg_id, None)
            where = _where(future)
            log.error("request %r (%s) unanswered after %.1f s; answering RequestFailed%s",
                      msg_id, req.method, now - req.started, f"; handler at: {where}" if where else "")
            self._send_response(msg_id, None, lsp.ResponseError(
                code=REQUEST_FAILED, message=f"{req.method}: no answer within {self.deadline_s:g} s"))
            self._expired.add(msg_id)
            if future is not None:
                future.cancel()
        return [msg_id for msg_id, _ in late]

    @property
    def open_requests(self) -> int:
        """Requests received and not answered yet."""
        return len(self._open)


def _retrieve_outcome(future: Any) -> None:
    """Look at a finished handler's exception, so that one whose request was cancelled meanwhile (pygls then
    never asks) is not reported by asyncio as "never retrieved" with a traceback."""
    if future.cancelled():
        return
    exc = future.exception()  # pygls reports it when it answers; this only marks it as seen
    if exc is not None:
        log.debug("handler outcome: %s", _short(exc))


def _where(future: Any) -> str:
    """Where an asyncio task is suspended, for the watchdog's log line."""
    get_stack = getattr(future, "get_stack", None)
    if get_stack is None:
        return ""
    try:
        frames = get_stack()
    except Exception:  # noqa: BLE001 - diagnostics only
        return ""
    return " <- ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in reversed(frames[-6:]))


def _float_env(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def max_frame_bytes() -> int:
    """The frame size limit: `ELIXIR_CODER_MAX_FRAME_BYTES` or the default (64 MiB)."""
    return int(_float_env(MAX_FRAME_ENV, DEFAULT_MAX_FRAME))


async def serve(protocol: GuardedProtocol, read_chunk: Callable[[], bytes], max_frame: int | None = None) -> int:
    """Read frames until `exit` or end of input and dispatch them; returns the exit status.

    `read_chunk` blocks until some bytes are available (b"" at end of input); it runs on a daemon
    thread so that a read that never returns cannot keep the process alive.
    """
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes | BaseException] = asyncio.Queue(maxsize=4)
    wanted = threading.Semaphore(0)

    def reader() -> None:
        while True:
            wanted.acquire()
            try:
                data: bytes | BaseException = read_chunk()
            except BaseException as exc:  # noqa: BLE001 - handed to the loop, which ends the session
                data = exc
            loop.call_soon_threadsafe(chunks.put_nowait, data)
            if not isinstance(data, bytes) or not data:
                return

    threading.Thread(target=reader, name="elixir-coder-stdin", daemon=True).start()
    parser = FrameParser(max_frame or max_frame_bytes())
    next_watch = time.monotonic() + 1.0
    wanted.release()
    while protocol.exit_code is None:
        try:
            data = await asyncio.wait_for(chunks.get(), _IDLE_S)
        except TimeoutError:
            events = parser.on_idle()
        else:
            if isinstance(data, BaseException):
                log.warning("reading from the client failed: %s", data)
                break
            if not data:
                log.info("the client closed the connection")
                break
            events = parser.feed(data)
            wanted.release()
        for event in events:
            if isinstance(event, Frame):
                protocol.receive(event.body)
                await asyncio.sleep(0)  # let handlers started by this frame run before the next one
            else:
                protocol.stats.framing_problems += 1
                log.warning("framing: %s", event.message)
            if protocol.exit_code is not None:
                break
        if time.monotonic() >= next_watch:
            protocol.overdue()
            next_watch = time.monotonic() + 1.0
    if protocol.exit_code is None:
        protocol.exit_code = 0 if protocol._shutdown else 1
    return protocol.exit_code


class _Writer:
    """stdout for pygls: a write that fails because the client went away ends nothing but the write."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()  # writes from helper threads must not interleave frames

    def write(self, data: bytes) -> None:
        with self._lock:
            self._stream.write(data)
            self._stream.flush()

    def close(self) -> None:
        try:
            self._stream.close()
        except OSError:
            pass


def serve_stdio(protocol: GuardedProtocol, stdin: Any = None, stdout: Any = None) -> int:
    """Serve one client over stdin/stdout until `exit` or end of input; returns the exit status.

    `stdin` needs `read1` (or `read`) and `stdout` `write` and `flush`, as binary streams and socket files have.
    """
    source = stdin or sys.stdin.buffer
    read1 = getattr(source, "read1", None)

    def read_chunk() -> bytes:
        return read1(65536) if read1 is not None else source.read(1)

    protocol.set_writer(_Writer(stdout or sys.stdout.buffer))
    try:
        return asyncio.run(_serve_then_settle(protocol, read_chunk))
    except (BrokenPipeError, ConnectionResetError):
        log.error("the client went away")
        return 0 if protocol._shutdown else 1


def serve_tcp(protocol: GuardedProtocol, host: str, port: int) -> int:
    """Listen on host:port, serve the first client that connects (as over stdio) and return its exit status."""
    with socket.create_server((host, port)) as listener:
        log.info("listening on %s:%d", *listener.getsockname()[:2])
        conn, peer = listener.accept()
    log.info("client connected from %s", peer)
    with conn, conn.makefile("rb", buffering=0) as reader, conn.makefile("wb", buffering=0) as writer:
        return serve_stdio(protocol, _SocketReader(reader), writer)


class _SocketReader:
    """A socket's read side with the `read1` the reading loop uses (returns what arrived, b"" at the end)."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def read1(self, size: int) -> bytes:
        try:
            return self._raw.read(size) or b""
        except OSError:
            return b""


async def _serve_then_settle(protocol: GuardedProtocol, read_chunk: Callable[[], bytes]) -> int:
    code = await serve(protocol, read_chunk)
    # Answers already computed go out before the process ends (a request the client sent
    # right before exit would otherwise be lost without trace).
    await asyncio.sleep(0)
    return code
