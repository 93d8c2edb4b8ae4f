"""Planted secrets through the feedback tracker into a real SQLite store: none is stored, at any cursor.

The tracker is what the server calls for every completion shown, accepted and edited; the store
is the real one. Cursors are before, inside (the secret half typed, the completion proposing its
middle) and after each secret; the prompt context is longer than the stored window, so a window
edge can fall inside a secret (the RSA key of issue 18).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from planted_secrets import MODULE_HEAD, MODULE_TAIL, SECRETS, cursors, leaked

from elixir_coder.server.feedback import FeedbackTracker, Shown
from elixir_coder.telemetry.recorder import Recorder
from elixir_coder.telemetry.store import FeedbackStore

FILLER = "".join(f"    value_{i} = compute({i})\n" for i in range(60))  # pushes the window edge around


def plant_all(db: Path) -> int:
    recorder = Recorder(lambda: FeedbackStore(db))
    tracker = FeedbackTracker(recorder)
    shown = 0
    for kind, line, secret in SECRETS:
        code = MODULE_HEAD + FILLER + "    " + line + "\n" + FILLER + MODULE_TAIL
        line_start = code.index(line)
        for where, offset in cursors(line, secret).items():
            cut = line_start + offset
            # A proposal with a space breaks any pattern that would see the secret across the cursor.
            proposal = secret[len(secret) // 2:] if where == "inside" else " #{n}_59"
            request_id = f"{kind}-{where}"
            tracker.shown(Shown(request_id=request_id, uri="file:///app/config.ex", path="/app/config.ex",
                                language_id="elixir", model_version="t", adapter="base", items=[proposal],
                                prefix=code[:cut], suffix=code[cut:], line=code[:cut].count("\n"), latency_ms=1.0))
            tracker.accepted(request_id)
            tracker.edit_check(request_id, code)
            shown += 1
    assert recorder.flush(10)
    recorder.close()
    return shown


def test_no_planted_secret_is_stored_at_any_cursor(tmp_path: Path) -> None:
    db = tmp_path / "feedback.db"
    shown = plant_all(db)
    assert shown == 3 * len(SECRETS) >= 60
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("select * from events")]
    assert len(rows) == 3 * shown
    dump = json.dumps(rows)
    stored = [kind for kind, _, secret in SECRETS if leaked(dump, secret) or leaked(dump.replace("\\n", "\n"), secret)]
    assert stored == []
    # What is kept is still useful: the context around a cursor before a secret survives.
    contexts = [json.loads(r["detail"]).get("context_prefix", "") for r in rows if r["kind"] == "completion_shown"]
    assert all("defmodule App.Config" in c or "value_" in c for c in contexts)


@pytest.mark.parametrize("kind, line, secret", SECRETS, ids=[s[0] for s in SECRETS])
def test_each_kind_is_recognised_in_its_line(kind: str, line: str, secret: str) -> None:
    from elixir_coder.telemetry.privacy import scrub

    assert not leaked(scrub(line) or "", secret), kind


def test_the_writer_survives_lone_surrogates_and_a_broken_event(tmp_path: Path) -> None:
    from elixir_coder.telemetry.events import Event, EventKind

    db = tmp_path / "feedback.db"
    recorder = Recorder(lambda: FeedbackStore(db))
    tracker = FeedbackTracker(recorder)
    tracker.shown(Shown(request_id="s", uri="file:///a.ex", path="/a/\udc80.ex", language_id="elixir",
                        model_version="t", adapter="base", items=["x = \ud800"], prefix="# \udfff\nx = ",
                        suffix="\n\ud83d", line=1, latency_ms=1.0))
    recorder.record(Event(kind=EventKind.ACTION_TAKEN, request_id="bad", detail={"x": object()}))  # not JSON
    recorder.record(Event(kind=EventKind.ACTION_TAKEN, request_id="after", detail={"title": "\udc00"}))
    assert recorder.flush(10)
    assert recorder.alive() and recorder.dropped == 1
    ids = [r[0] for r in sqlite3.connect(db).execute("select request_id from events")]
    assert sorted(ids) == ["after", "s"]
    recorder.close()
