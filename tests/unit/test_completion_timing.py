"""Per-stage completion timings: stopwatch, recent-request percentiles, and propose_with's stages."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from elixir_coder.server.completion_timing import StageTimes, Stopwatch

REPO = Path(__file__).resolve().parents[2]


def test_stopwatch_adds_up_repeated_stages() -> None:
    watch = Stopwatch()
    with watch.stage("syntax"):
        time.sleep(0.002)
    with watch.stage("syntax"):
        time.sleep(0.002)
    watch.add("decode", 5.0)
    assert watch.ms["syntax"] >= 4.0 and watch.ms["decode"] == 5.0


def test_stage_times_report_median_and_95th_percentile_of_recent_requests() -> None:
    times = StageTimes(keep=100)
    for i in range(1, 201):  # only the last 100 (101..200) are kept
        times.record({"decode": float(i), **({"findings": 1.0} if i % 2 else {})})
    summary = times.summary()
    assert summary["decode"] == {"n": 100, "p50": 150.0, "p95": 195.0}
    assert summary["findings"] == {"n": 100, "p50": 1.0, "p95": 1.0}


def test_stage_times_record_from_several_threads() -> None:
    times = StageTimes()

    def record() -> None:
        for _ in range(200):
            times.record({"total": 1.0})

    threads = [threading.Thread(target=record) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert times.summary()["total"]["n"] == 500  # kept at most KEEP


def test_propose_with_times_each_stage_with_the_shipped_model() -> None:
    from elixir_coder.model.engine import Engine
    from elixir_coder.server.completion import cursor_context
    from elixir_coder.server.completion_findings import FindingGuard
    from elixir_coder.server.completion_syntax import SyntaxGuard
    from elixir_coder.server.features.completion import CompletionStats, propose_with
    from elixir_coder.server.settings import Settings

    engine = Engine(REPO / "model" / "default" / "base")
    try:
        ctx = cursor_context("defmodule Shop.Cart do\n  def total(items) do\n    items |> ", "\n  end\nend\n")
        watch = Stopwatch()
        propose_with(engine, ctx, Settings(), str, lambda: False, CompletionStats(), SyntaxGuard(),
                     findings=FindingGuard(), watch=watch)
    finally:
        engine.close()
    stages = watch.ms
    assert {"api", "repository", "header", "prompt", "constraint", "guide", "decode", "decoding_passes",
            "syntax", "findings"} <= set(stages)
    assert stages["decoding_passes"] >= 1 and stages["prompt"] > 0 and stages["decode"] > 0
