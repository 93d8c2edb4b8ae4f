"""Per-stage completion timings: stopwatch, recent-request percentiles, and propose_with's stages."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

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


def test_single_line_requests_take_the_shorter_prompt() -> None:
    from dataclasses import replace

    from elixir_coder.server.completion import cursor_context
    from elixir_coder.server.features.completion import generation_request, needs_header
    from elixir_coder.server.settings import Settings, parse_settings

    line = cursor_context("defmodule A do\n  def f(x) do\n    y = ", "\n  end\nend\n")
    block = cursor_context("defmodule A do\n  def f(x) do\n", "\n  end\nend\n")
    assert not line.multiline and block.multiline
    settings = Settings()
    assert generation_request(line, settings, "", lambda: False).prompt_budget == 192
    assert generation_request(block, settings, "", lambda: False).prompt_budget == 256
    # Never more than completionPromptTokens: a user who shortened every prompt keeps that.
    short = replace(settings, completion_prompt_tokens=128)
    assert generation_request(line, short, "", lambda: False).prompt_budget == 128
    assert parse_settings({"completionLinePromptTokens": 160})[0].completion_line_prompt_tokens == 160
    # The module head is built once the prefix may be cut under the shorter budget.
    assert not needs_header("x" * 384, settings) and needs_header("x" * 385, settings)


def test_context_benchmark_reports_stages_per_setting() -> None:
    from elixir_coder.benchmarks.context import mean_stages, stage_table

    runs = [{"decode": {"n": 59, "p50": 10.0, "p95": 40.0}, "total": {"n": 59, "p50": 14.0, "p95": 50.0}},
            {"decode": {"n": 59, "p50": 12.0, "p95": 44.0}, "total": {"n": 59, "p50": 16.0, "p95": 60.0}}]
    stages = mean_stages(runs)
    assert stages["decode"] == {"p50": 11.0, "p95": 42.0} and stages["total"] == {"p50": 15.0, "p95": 55.0}
    rows = stage_table({"defaults": {"stages": stages}, "off": {"stages": {}}})
    assert "| stage | defaults |" in rows
    assert rows.index("| decode | 11.00 / 42.00 |") < rows.index("| total | 15.00 / 55.00 |")


def test_the_server_tokenizes_on_the_calling_thread_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from elixir_coder.server.app import _tokenize_on_the_calling_thread

    monkeypatch.delenv("TOKENIZERS_PARALLELISM", raising=False)
    _tokenize_on_the_calling_thread()
    assert os.environ["TOKENIZERS_PARALLELISM"] == "false"
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "true")
    _tokenize_on_the_calling_thread()
    assert os.environ["TOKENIZERS_PARALLELISM"] == "true"
