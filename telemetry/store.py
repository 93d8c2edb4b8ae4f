"""The feedback store: the only writer of the feedback database (SQLite through sqlite-utils).

WAL mode and a busy timeout let several server processes (several editor windows) write at
once; every write is one short transaction, so a process killed mid-batch leaves the
database consistent with everything committed before it. Schema changes are append-only
named migrations.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from .events import Event
from .privacy import PathHasher, digest, scrub, scrub_value, storable

ENV_DB = "ELIXIR_CODER_FEEDBACK_DB"
DEFAULT_BUSY_TIMEOUT_MS = 5000

migrations = Migrations("elixir_coder.feedback")


@migrations()
def m001_events(db: sqlite_utils.Database) -> None:
    """The first schema: one row per event."""
    db.table("events").create(
        {
            "id": int,
            "ts": float,
            "kind": str,
            "request_id": str,
            "model_version": str,
            "adapter": str,
            "language_id": str,
            "path_hash": str,
            "text": str,
            "prefix_digest": str,
            "suffix_digest": str,
            "accepted_chars": int,
            "edit_distance": int,
        },
        pk="id",
    )
    db.table("events").create_index(["request_id"])
    db.table("events").create_index(["kind", "ts"])


@migrations()
def m002_latency_and_detail(db: sqlite_utils.Database) -> None:
    """Request latency and a JSON detail column (check names, chosen answers, ratings)."""
    db.table("events").add_column("latency_ms", float)
    db.table("events").add_column("detail", str)
    db.table("events").create_index(["ts"])


class StoreError(RuntimeError):
    """The feedback database cannot be opened or written (locked past the timeout, corrupt, read-only)."""


def default_db_path() -> Path:
    """`$ELIXIR_CODER_FEEDBACK_DB`, else `$ELIXIR_CODER_HOME/feedback.sqlite3`, else the user data directory."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    home = os.environ.get("ELIXIR_CODER_HOME")
    if home:
        return Path(home).expanduser() / "feedback.sqlite3"
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "elixir-coder" / "feedback.sqlite3"


@dataclass(frozen=True)
class RetentionPolicy:
    """How long events are kept: by age in days and by total row count (None: no limit)."""

    max_age_days: float | None = 180.0
    max_rows: int | None = 1_000_000


class FeedbackStore:
    """Opens (and migrates) the feedback database and owns every write to it.

    Args:
        path: database file; created with its folder when missing.
        busy_timeout_ms: how long a write waits for another process's lock.
    """

    def __init__(self, path: Path | None = None, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self.db = sqlite_utils.Database(conn)
            self._migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open feedback database {self.path}: {exc}") from exc
        self._hasher = PathHasher(self.path.parent / "feedback.salt")

    def _migrate(self) -> None:
        # Several editor windows may open the database at the same moment: an exclusive file lock
        # beside it makes exactly one of them apply pending migrations while the others wait.
        lock_path = self.path.with_name(self.path.name + ".migrate.lock")
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                migrations.apply(self.db)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # --- writing ------------------------------------------------------------------------------

    def _row(self, event: Event) -> dict[str, Any]:
        return {
            "ts": event.ts,
            "kind": str(event.kind),
            "request_id": event.request_id,
            "model_version": event.model_version,
            "adapter": event.adapter,
            "language_id": event.language_id,
            "path_hash": self._hasher.hash_path(event.path),
            "text": storable(scrub(event.text)),
            "prefix_digest": digest(event.prefix),
            "suffix_digest": digest(event.suffix),
            "accepted_chars": event.accepted_chars,
            "edit_distance": event.edit_distance,
            "latency_ms": event.latency_ms,
            "detail": json.dumps(scrub_value(event.detail))
            if event.detail
            else None,
        }

    def record(self, event: Event) -> None:
        """Write one event (scrubbed and hashed) in its own transaction."""
        self.record_many([event])

    def record_many(self, events: Iterable[Event]) -> int:
        """Write a batch of events in one transaction; returns how many were written."""
        rows = [self._row(e) for e in events]
        if not rows:
            return 0
        try:
            with self.db.conn:
                self.db.conn.execute("BEGIN IMMEDIATE")
                self.db.table("events").insert_all(rows)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write feedback to {self.path}: {exc}") from exc
        return len(rows)

    # --- reading ------------------------------------------------------------------------------

    def events(self, kind: str | None = None, since: float | None = None) -> Iterator[dict[str, Any]]:
        """Rows in time order, optionally of one kind and after a time."""
        where: list[str] = []
        args: list[object] = []
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if since is not None:
            where.append("ts >= ?")
            args.append(since)
        for row in self.db.table("events").rows_where(" and ".join(where) or None, args, order_by="ts, id"):
            if row.get("detail"):
                row["detail"] = json.loads(row["detail"])
            yield row

    def count(self) -> int:
        """Number of stored events."""
        return self.db.table("events").count

    # --- retention ----------------------------------------------------------------------------

    def enforce_retention(self, policy: RetentionPolicy, now: float | None = None) -> int:
        """Delete events older than the age limit and the oldest beyond the row limit."""
        now = time.time() if now is None else now
        deleted = 0
        with self.db.conn:
            self.db.conn.execute("BEGIN IMMEDIATE")
            if policy.max_age_days is not None:
                cur = self.db.conn.execute("DELETE FROM events WHERE ts < ?", [now - policy.max_age_days * 86400])
                deleted += cur.rowcount
            if policy.max_rows is not None:
                cur = self.db.conn.execute(
                    "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY ts DESC, id DESC LIMIT -1 OFFSET ?)",
                    [policy.max_rows],
                )
                deleted += cur.rowcount
        return deleted

    def purge(self) -> int:
        """Delete every event (`elixir-coder feedback purge`)."""
        with self.db.conn:
            cur = self.db.conn.execute("DELETE FROM events")
        self.db.conn.execute("VACUUM")
        return cur.rowcount

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()
