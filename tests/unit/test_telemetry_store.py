"""The feedback store against real SQLite files: concurrency, crashes, migrations, privacy, retention."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlite_utils

from elixir_coder.telemetry.events import Event, EventKind, new_request_id
from elixir_coder.telemetry.privacy import REDACTED, find_secrets, scrub
from elixir_coder.telemetry.stats import acceptance_by_model, percentile, wilson_interval
from elixir_coder.telemetry.store import FeedbackStore, RetentionPolicy, m001_events, migrations


def _writer(db: str, worker: int, n: int) -> None:
    store = FeedbackStore(Path(db))
    for i in range(n):
        store.record(Event(EventKind.COMPLETION_SHOWN, f"w{worker}-{i}", model_version="v1", text=f"x{i}"))
    store.close()


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "fb.sqlite3"
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(db), w, 150)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    store = FeedbackStore(db)
    ids = {r["request_id"] for r in store.events()}
    assert len(ids) == 4 * 150
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sigkill_mid_batch_keeps_committed_events(tmp_path: Path) -> None:
    db = tmp_path / "fb.sqlite3"
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from elixir_coder.telemetry.store import FeedbackStore
        from elixir_coder.telemetry.events import Event, EventKind
        store = FeedbackStore(Path({str(db)!r}))
        batch = 0
        while True:
            store.record_many(Event(EventKind.COMPLETION_SHOWN, f"b{{batch}}-{{i}}", text="t" * 200) for i in range(200))
            print(batch, flush=True)
            batch += 1
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    committed = -1
    assert proc.stdout is not None
    while committed < 5:
        committed = int(proc.stdout.readline())
    time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT request_id FROM events").fetchall()
    conn.close()
    # every batch reported as committed is whole; batches are never half-written
    assert len(rows) % 200 == 0 and len(rows) >= (committed + 1) * 200
    assert {f"b{committed}-{i}" for i in range(200)} <= {r[0] for r in rows}


def test_migrates_an_older_schema(tmp_path: Path) -> None:
    db_path = tmp_path / "old.sqlite3"
    old = sqlite_utils.Database(db_path)
    m001_events(old)
    # record the first migration as applied, as an earlier release would have
    old["_sqlite_migrations"].insert(
        {"migration_set": migrations.name, "name": "m001_events", "applied_at": "2026-01-01 00:00:00"}
    )
    old["events"].insert({"ts": 1.0, "kind": "completion_shown", "request_id": "old"})
    old.conn.close()
    store = FeedbackStore(db_path)
    assert "latency_ms" in store.db["events"].columns_dict
    assert [r["request_id"] for r in store.events()] == ["old"]
    store.record(Event(EventKind.COMPLETION_SHOWN, "new", latency_ms=3.5))
    assert store.count() == 2


PLANTED = {
    "private_key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x\nabc\n-----END RSA PRIVATE KEY-----",
    "aws_access_key": "key = AKIAIOSFODNN7EXAMPLE",
    "github_token": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "slack_token": "xoxb-1234567890-abcdefghij",
    "stripe_key": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "openai_key": "sk-proj-abcdefghijklmnopqrstuvwxyz123456",
    "google_api_key": "AIza" + "SyA-1234567890abcdefghijklmnopqrstu",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "url_credentials": 'url: "ecto://postgres:s3cr3tpass@db.internal/app"',
    "bearer_token": 'put_req_header(conn, "authorization", "Bearer abcdefghijklmnop123456")',
    "assigned_secret": 'config :app, App.Repo, password: "correct horse battery"',
}


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_each_planted_secret_is_scrubbed(kind: str) -> None:
    text = PLANTED[kind]
    assert kind in find_secrets(text)
    cleaned = scrub(text)
    assert cleaned is not None and REDACTED in cleaned
    assert not find_secrets(cleaned.replace(REDACTED, ""))


def test_planted_secrets_never_reach_the_database(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    everything = "\n".join(PLANTED.values())
    store.record(Event(EventKind.COMPLETION_ACCEPTED, "r1", text=everything, path="/home/ana/app/lib/a.ex",
                       detail={"answer": 'token: "abcd1234efgh"'}))
    raw = (tmp_path / "fb.sqlite3").read_bytes() + (tmp_path / "fb.sqlite3-wal").read_bytes()
    for secret in ("AKIAIOSFODNN7EXAMPLE", "s3cr3tpass", "correct horse battery", "4eC39HqLyjWDarjtT1zdp7dc",
                   "MIIEowIBAAKCAQEA7x", "abcd1234efgh", "/home/ana"):
        assert secret.encode() not in raw
    row = next(store.events())
    assert len(row["path_hash"]) == 32 and all(c in "0123456789abcdef" for c in row["path_hash"])
    assert scrub("def add(a, b), do: a + b") == "def add(a, b), do: a + b"


def test_retention_by_age_and_rows(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    now = 1_800_000_000.0
    store.record_many(
        Event(EventKind.COMPLETION_SHOWN, f"r{i}", ts=now - i * 86400) for i in range(10)
    )
    assert store.enforce_retention(RetentionPolicy(max_age_days=4.5, max_rows=None), now=now) == 5
    assert sorted(r["request_id"] for r in store.events()) == [f"r{i}" for i in range(5)]
    assert store.enforce_retention(RetentionPolicy(max_age_days=None, max_rows=2), now=now) == 3
    assert sorted(r["request_id"] for r in store.events()) == ["r0", "r1"]
    assert store.purge() == 2 and store.count() == 0


def test_acceptance_stats_join_by_request_id() -> None:
    rows = []
    for i in range(20):
        rid = new_request_id()
        rows.append({"kind": "completion_shown", "request_id": rid, "model_version": "v2", "adapter": None, "ts": 0})
        if i < 5:
            rows.append({"kind": "completion_accepted", "request_id": rid, "model_version": "v2", "adapter": None,
                         "ts": 0})
    (row,) = acceptance_by_model(rows)
    assert (row.shown, row.accepted, row.rate) == (20, 5, 0.25)
    assert row.low == pytest.approx(0.1119, abs=1e-3) and row.high == pytest.approx(0.4687, abs=1e-3)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert percentile([1, 2, 3, 4], 50) == 2.5


def test_feedback_cli(tmp_path: Path) -> None:
    db = tmp_path / "fb.sqlite3"
    store = FeedbackStore(db)
    store.record(Event(EventKind.COMPLETION_SHOWN, "a", model_version="v1", latency_ms=12.0))
    store.record(Event(EventKind.COMPLETION_ACCEPTED, "a", model_version="v1"))
    env = {**os.environ, "ELIXIR_CODER_FEEDBACK_DB": str(db)}
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "elixir_coder.cli", "feedback", *a], capture_output=True, text=True, env=env
    )
    out = run("stats").stdout
    assert "v1 / base: 1/1" in out and "p95" in out
    lines = run("export", "--jsonl").stdout.splitlines()
    assert len(lines) == 2 and '"request_id": "a"' in lines[0]
    assert "deleted 2 events" in run("purge").stdout


def test_prometheus_exposition_is_well_formed() -> None:
    from elixir_coder.telemetry.metrics import Metrics

    m = Metrics()
    m.observe_request("completion", 3.0)
    m.observe_request("completion", 40.0, ok=False)
    m.acceptance.inc(model="v1", event="shown")
    text = m.render_prometheus()
    assert 'elixir_coder_requests_total{feature="completion",outcome="ok"} 1' in text
    assert 'elixir_coder_request_latency_ms_bucket{feature="completion",le="5"} 1' in text
    assert 'elixir_coder_request_latency_ms_bucket{feature="completion",le="+Inf"} 2' in text
    assert 'elixir_coder_request_latency_ms_count{feature="completion"} 2' in text
    rss = [line for line in text.splitlines() if line.startswith("elixir_coder_resident_memory_bytes ")]
    assert rss and float(rss[0].split()[1]) > 1e6
