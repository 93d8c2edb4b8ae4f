"""A non-blocking front for the feedback store: the server hands events over and never waits.

`Recorder.record` puts an event on a bounded queue and returns; one writer thread owns the
database connection (sqlite3 connections belong to the thread that opened them), writes in
batches, retries when another process holds the lock, and applies the retention policy when
it starts and once a day. A full queue or a database that cannot be opened costs dropped
events, counted, never a slow or failed editor request.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from .events import Event
from .store import FeedbackStore, RetentionPolicy, StoreError

log = logging.getLogger(__name__)

_DAY = 86400.0
_BATCH = 256


class _Flush:
    """A marker on the queue: set once every event queued before it is written (or dropped)."""

    def __init__(self) -> None:
        self.done = threading.Event()


class Recorder:
    """Queue events for a `FeedbackStore` written by a background thread.

    Args:
        open_store: opens the store; called on the writer thread (and again after a failure).
        retention: applied at start and every day; None keeps everything.
        max_queue: events waiting at most; beyond it new events are dropped and counted.
        retry_seconds: wait before retrying a write the database refused (locked, disk full).
        max_attempts: tries per batch before it is dropped.
    """

    def __init__(
        self,
        open_store: Callable[[], FeedbackStore],
        retention: RetentionPolicy | None = None,
        max_queue: int = 10_000,
        retry_seconds: float = 0.5,
        max_attempts: int = 5,
    ) -> None:
        self._open_store = open_store
        self.retention = retention
        self.retry_seconds = retry_seconds
        self.max_attempts = max_attempts
        self._queue: queue.Queue[Event | _Flush | None] = queue.Queue(maxsize=max_queue)
        self.written = 0
        self.dropped = 0
        self.last_error: str | None = None
        self.restarts = 0  # times the writer failed and was started again
        self._closed = False
        self._thread = self._start_writer()

    def _start_writer(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="elixir-coder-feedback", daemon=True)
        thread.start()
        return thread

    def alive(self) -> bool:
        """Whether the writer runs; a dead one (a failure outside its loop) is started again."""
        if not self._thread.is_alive() and not self._closed:
            self.restarts += 1
            log.error("feedback writer was not running; started again (restart %d)", self.restarts)
            self._thread = self._start_writer()
        return self._thread.is_alive()

    # --- the editor's side: never blocks ------------------------------------------------------

    def record(self, event: Event) -> bool:
        """Queue one event; False (and counted as dropped) when the queue is full or closed."""
        if self._closed:
            self.dropped += 1
            return False
        if not self._thread.is_alive():
            self.alive()
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            return False
        return True

    @property
    def pending(self) -> int:
        """Events waiting to be written."""
        return self._queue.qsize()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written; False on timeout. For tests and shutdown."""
        marker = _Flush()
        try:
            self._queue.put(marker, timeout=timeout)
        except queue.Full:
            return False
        return marker.done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued (up to `timeout`) and stop the writer thread."""
        if self._closed:
            return
        self._closed = True
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(timeout)

    # --- the writer thread --------------------------------------------------------------------

    def _connect(self) -> FeedbackStore | None:
        try:
            store = self._open_store()
        except (StoreError, OSError) as exc:
            self.last_error = str(exc)
            log.warning("feedback store unavailable: %s", exc)
            return None
        self._apply_retention(store)
        return store

    def _apply_retention(self, store: FeedbackStore) -> None:
        if self.retention is None:
            return
        try:
            deleted = store.enforce_retention(self.retention)
        except Exception as exc:  # noqa: BLE001 - retention must not stop recording
            log.warning("feedback retention failed: %s", exc)
            return
        if deleted:
            log.info("feedback retention deleted %d events", deleted)

    def _write(self, store: FeedbackStore | None, batch: list[Event]) -> FeedbackStore | None:
        for attempt in range(self.max_attempts):
            if store is None:
                store = self._connect()
            if store is not None:
                try:
                    self.written += store.record_many(batch)
                    return store
                except StoreError as exc:
                    self.last_error = str(exc)
                    log.warning("feedback write failed (attempt %d): %s", attempt + 1, exc)
                except Exception as exc:  # noqa: BLE001 - an event the store cannot take must not stop the others
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("feedback batch refused (%s); writing its events one by one", self.last_error)
                    return self._write_each(store, batch)
            time.sleep(self.retry_seconds * (2**attempt))
        self.dropped += len(batch)
        return store

    def _write_each(self, store: FeedbackStore, batch: list[Event]) -> FeedbackStore:
        """Write events singly; the ones that fail are dropped and counted."""
        for event in batch:
            try:
                self.written += store.record_many([event])
            except Exception as exc:  # noqa: BLE001 - counted, logged, and the writer goes on
                self.dropped += 1
                log.warning("feedback event %s dropped: %s: %s", event.kind, type(exc).__name__, exc)
        return store

    def _run(self) -> None:
        """The writer thread: the write loop, restarted (and counted) if it ever fails unexpectedly."""
        while True:
            try:
                self._loop()
                return
            except Exception:  # noqa: BLE001 - recording goes on with a fresh connection
                self.restarts += 1
                log.exception("feedback writer failed; restarting it (restart %d)", self.restarts)
                if self._closed and self._queue.empty():
                    return

    def _loop(self) -> None:
        store = self._connect()
        next_retention = time.monotonic() + _DAY
        stopping = False
        while not stopping:
            item = self._queue.get()
            batch: list[Event] = []
            markers: list[_Flush] = []
            while True:
                if item is None:
                    stopping = True
                elif isinstance(item, _Flush):
                    markers.append(item)
                else:
                    batch.append(item)
                if stopping or len(batch) >= _BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                store = self._write(store, batch)
            for marker in markers:
                marker.done.set()
            if store is not None and time.monotonic() >= next_retention:
                self._apply_retention(store)
                next_retention = time.monotonic() + _DAY
        if store is not None:
            store.close()
