"""End to end on CPU: feedback favouring a pattern -> trigger -> LoRA candidate -> gate -> promote while a real
server answers completions -> rollback. Also the data-set rules on events written through FeedbackStore."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("peft")

from lsprotocol import types as lsp  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402
from tiny_models import SNIPPETS, tiny_manifest  # noqa: E402

from elixir_coder.model.registry import Registry  # noqa: E402
from elixir_coder.telemetry.events import Event, EventKind  # noqa: E402
from elixir_coder.telemetry.store import FeedbackStore  # noqa: E402
from elixir_coder.training.gate import GateSettings, run_gate  # noqa: E402
from elixir_coder.training.retrain import RetrainSettings, build_dataset, retrain, store_hf_source  # noqa: E402
from elixir_coder.training.schedule import DECISIONS_FILE, TriggerSettings, check_due, run_if_due  # noqa: E402

PATTERN = "Enum.sum(x)"
REJECTED = "IO.inspect(x)"
T0 = 1_700_000_000.0


def context(i: int) -> tuple[str, str]:
    return f"defmodule M{i} do\n  def total(x) do\n    ", "\n  end\nend\n"


def write_feedback(store: FeedbackStore, n: int, accept_share: float = 0.7, start: float = T0) -> None:
    """Users accept the pattern and reject anything else; a few accepted ones get a small edit."""
    events = []
    for i in range(n):
        rid = f"r{i:04d}"
        prefix, suffix = context(i)
        favoured = (i * 7919) % 100 < accept_share * 100
        text = PATTERN if favoured else REJECTED
        ts = start + i * 10
        events.append(Event(EventKind.COMPLETION_SHOWN, rid, model_version="v1", text=text, prefix=prefix,
                            suffix=suffix, latency_ms=5.0, ts=ts, path=f"/p/lib/m{i}.ex",
                            detail={"context_prefix": prefix, "context_suffix": suffix}))
        if favoured:
            events.append(Event(EventKind.COMPLETION_ACCEPTED, rid, model_version="v1", accepted_chars=len(text),
                                ts=ts + 1))
            if i % 5 == 0:
                events.append(Event(EventKind.COMPLETION_EDITED, rid, model_version="v1", text=PATTERN,
                                    edit_distance=0, ts=ts + 31))
        else:
            events.append(Event(EventKind.COMPLETION_REJECTED, rid, model_version="v1", ts=ts + 2,
                                detail={"reason": "ignored"}))
    store.record_many(events)


@pytest.fixture()
def home(tmp_path: Path, tiny_hf: Path) -> Path:
    from elixir_coder.training.export import export_model

    home = tmp_path / "home"
    reg = Registry(home / "models")
    export_model(tiny_hf, tmp_path / "v1", manifest=tiny_manifest("v1"))
    reg.register(tmp_path / "v1", version="v1")
    store_hf_source(reg, "v1", tiny_hf)
    reg.promote("v1")
    return home


def test_dataset_rules(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    write_feedback(store, 40)
    # Heavily rewritten acceptance, one without context, one duplicate of an earlier request.
    store.record_many([
        Event(EventKind.COMPLETION_SHOWN, "big", text="abc", ts=T0 + 1, detail={"context_prefix": "x = ",
                                                                               "context_suffix": ""}),
        Event(EventKind.COMPLETION_ACCEPTED, "big", ts=T0 + 2),
        Event(EventKind.COMPLETION_EDITED, "big", text="something else entirely", edit_distance=20, ts=T0 + 40),
        Event(EventKind.COMPLETION_SHOWN, "noctx", text=PATTERN, ts=T0 + 3),
        Event(EventKind.COMPLETION_ACCEPTED, "noctx", ts=T0 + 4),
        Event(EventKind.COMPLETION_SHOWN, "dup", text=PATTERN, ts=T0 + 5,
              detail={"context_prefix": context(0)[0], "context_suffix": context(0)[1]}),
        Event(EventKind.COMPLETION_ACCEPTED, "dup", ts=T0 + 6),
    ])
    ds = build_dataset(store.events(), RetrainSettings(eval_fraction=0.25))
    c = ds.counts
    assert c["rewritten"] == 1 and c["no_context"] == 1 and c["duplicates"] == 1
    assert c["edited"] > 0 and c["rejected"] > 0
    # Time split: everything trained on is older than every evaluation item.
    assert max(e.ts for e in ds.train) < min(e.ts for e in ds.eval_positive + ds.eval_negative)
    assert all(e.middle == PATTERN for e in ds.train) and all(e.source != "rejected" for e in ds.train)
    assert ds.eval_negative and all(e.middle == REJECTED for e in ds.eval_negative)
    with_replay = build_dataset(store.events(), RetrainSettings(eval_fraction=0.25, replay_ratio=0.5), SNIPPETS[:4])
    assert with_replay.counts["replay"] == round(c["train_feedback"] * 0.5)


def test_trigger_reasons() -> None:
    rows = []
    for i in range(400):
        accepted = (i < 200 and i % 10 < 6) or (i >= 200 and i % 10 < 3)  # 60% then 30%
        rows.append({"id": 2 * i, "ts": T0 + i, "kind": "completion_shown", "request_id": f"q{i}",
                     "detail": {"context_prefix": "x" * (10 if i < 200 else 400), "context_suffix": ""}})
        if accepted:
            rows.append({"id": 2 * i + 1, "ts": T0 + i + 0.5, "kind": "completion_accepted", "request_id": f"q{i}"})
    d = check_due(rows, T0 + 199.9, TriggerSettings(min_new_events=10_000))
    assert d.due
    assert any("acceptance dropped" in r for r in d.reasons)
    assert any("prompt drift in prefix_chars" in r for r in d.reasons)
    same = check_due(rows[:300], T0 + 99.9, TriggerSettings(min_new_events=10_000, min_window=50))
    assert not same.due and same.reasons == ["nothing due"]


async def _completions_during(home: Path, tmp_path: Path, actions) -> tuple[list, list[str]]:  # noqa: ANN001
    """Start the real server, keep asking for completions while `actions` run; returns (errors, versions seen)."""
    root = tmp_path / "proj"
    (root / "lib").mkdir(parents=True)
    text = "defmodule Shop do\n  def total(x) do\n    \n  end\nend\n"
    (root / "lib" / "shop.ex").write_text(text)
    env = {**os.environ, "ELIXIR_CODER_HOME": str(home)}
    client = LanguageClient("e2e-retrain", "1.0")
    # The server's log goes to a file beside the test's data, for diagnosis when an assertion fails.
    await client.start_io("sh", "-c", f'exec "{sys.executable}" -m elixir_coder.server.app 2>"{tmp_path}/server.log"',
                          env=env)
    await asyncio.wait_for(client.initialize_async(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(), root_uri=root.as_uri(),
        initialization_options={"elixirCoder": {"analyzer": "builtin", "telemetryPath": str(tmp_path / "srv.db")}},
    )), 20)
    client.initialized(lsp.InitializedParams())
    uri = (root / "lib" / "shop.ex").as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "elixir", 1, text)))
    errors: list = []
    versions: list[str] = []
    done = asyncio.Event()

    async def status() -> dict:
        raw = await asyncio.wait_for(client.protocol.send_request_async("elixirCoder/status"), 20)
        return raw._asdict() if hasattr(raw, "_asdict") else raw

    async def hammer() -> None:
        while not done.is_set():
            try:
                await asyncio.wait_for(client.text_document_inline_completion_async(lsp.InlineCompletionParams(
                    text_document=lsp.TextDocumentIdentifier(uri), position=lsp.Position(2, 4),
                    context=lsp.InlineCompletionContext(trigger_kind=lsp.InlineCompletionTriggerKind.Invoked))), 20)
                v = (await status())["version"]
                if v and (not versions or versions[-1] != v):
                    versions.append(v)
            except Exception as exc:  # noqa: BLE001 - every failure is collected and asserted on
                errors.append(exc)
            await asyncio.sleep(0.02)

    task = asyncio.create_task(hammer())
    try:
        await actions(versions)
    finally:
        done.set()
        await task
        try:
            await asyncio.wait_for(client.shutdown_async(None), 20)
            client.exit(None)
            await client.stop()
        except TimeoutError:
            # Do not let a slow shutdown hide the failure that brought us here.
            client._server.kill()  # type: ignore[union-attr]
    return errors, versions


async def _wait_for(versions: list[str], v: str, seconds: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if versions and versions[-1] == v:
            return time.monotonic() - t0
        await asyncio.sleep(0.05)
    raise AssertionError(f"server never reported {v}; saw {versions}")


async def test_feedback_to_promoted_candidate_and_rollback(home: Path, tmp_path: Path) -> None:
    reg = Registry(home / "models")
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    write_feedback(store, 120)
    rows = list(store.events())
    trigger = TriggerSettings(min_new_events=200, min_window=1000)
    retrain_settings = RetrainSettings(steps=60, batch_size=8, learning_rate=1e-2, threads=2, replay_ratio=0.25)
    gate_settings = GateSettings(max_new_tokens=16, corpus_cases=10, n_bootstrap=500)
    timings: dict[str, float] = {}

    async def actions(versions: list[str]) -> None:
        await _wait_for(versions, "v1", 30)
        t = time.monotonic()
        record = await asyncio.to_thread(run_if_due, reg, rows, trigger=trigger, retrain_settings=retrain_settings,
                                         gate_settings=gate_settings, replay_texts=SNIPPETS[:4], deploy=True)
        timings["pipeline_s"] = time.monotonic() - t
        assert record["due"] and "new feedback events" in record["reasons"][0], record
        assert record["gate"] == "deploy", record
        assert record["deployed"] and reg.current_version() == record["candidate"]
        timings["reload_s"] = await _wait_for(versions, record["candidate"], 20)
        assert reg.rollback() == "v1"
        timings["rollback_s"] = await _wait_for(versions, "v1", 20)
        timings["candidate"] = record["candidate"]  # type: ignore[assignment]

    errors, versions = await _completions_during(home, tmp_path, actions)
    assert errors == []
    cand = str(timings["candidate"])
    assert versions == ["v1", cand, "v1"]
    report = (home / "models" / "versions" / cand / "gate-report.md").read_text()
    assert "Decision: **deploy**" in report and "feedback_exact" in report and "latency_p95" in report
    gate = json.loads((home / "models" / "versions" / cand / "gate.json").read_text())
    exact = next(m for m in gate["metrics"] if m["name"] == "feedback_exact")
    assert exact["candidate"] > exact["current"] and exact["p_adjusted"] < 0.05
    log = [json.loads(x) for x in (home / "models" / DECISIONS_FILE).read_text().splitlines()]
    assert log[-1]["gate"] == "deploy"
    # A second check right away is not due: the state file recorded the run.
    again = run_if_due(reg, rows, trigger=trigger)
    assert not again["due"] and "not due" in again["summary"]
    print(json.dumps({**timings, "gate": {m["name"]: [m["current"], m["candidate"], m["p_value"]]
                                          for m in gate["metrics"]}}))


def test_gate_rejects_a_candidate_that_learned_nothing(home: Path, tmp_path: Path) -> None:
    """A candidate trained on feedback that rewards the opposite of what the held-out users accept is rejected or
    needs more data; it is never deployed."""
    reg = Registry(home / "models")
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    write_feedback(store, 60)
    res = retrain(reg, store.events(), RetrainSettings(steps=2, learning_rate=1e-5, threads=2, min_train_examples=5))
    gate = run_gate(reg, res.candidate, settings=GateSettings(max_new_tokens=8, corpus_cases=0, n_bootstrap=200),
                    deploy=True)
    assert gate.decision in ("reject", "need_more_data")
    assert not gate.deployed and reg.current_version() == "v1"
    if gate.decision == "need_more_data":
        assert gate.sample_size_needed and gate.sample_size_needed > 0
