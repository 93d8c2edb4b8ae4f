"""Caches hold at most their byte budget, whatever the documents look like."""

from __future__ import annotations

from elixir_coder.server.completion import CompletionCache
from elixir_coder.server.feedback import KEPT_LINE_CHARS, FeedbackTracker, Shown


def test_the_completion_cache_evicts_the_oldest_entries_past_its_budget() -> None:
    cache = CompletionCache(capacity=1000, max_chars=50_000)
    for i in range(200):
        cache.put("m", "x" * 5000 + f"#{i}", "y" * 1000, ["z" * 100])
    assert cache._chars <= 50_000 and len(cache._entries) < 200
    assert cache.get("m", "x" * 5000 + "#199", "y" * 1000) == ["z" * 100]  # the newest is kept
    assert cache.get("m", "x" * 5000 + "#0", "y" * 1000) is None


def test_the_feedback_tracker_remembers_within_its_budget_and_only_the_cursor_line() -> None:
    tracker = FeedbackTracker(None, capacity=10_000, max_chars=20 * (2 * KEPT_LINE_CHARS + 10))
    big = "line\n" * 200_000  # a 1 MB document
    for i in range(100):
        tracker.shown(Shown(request_id=f"r{i}", uri="file:///a.ex", path=None, language_id="elixir",
                            model_version="t", adapter="base", items=["0123456789"], prefix=big + "  x = ",
                            suffix=" + 1\n" + big, line=200_000, latency_ms=1.0))
    assert len(tracker._shown) == 20
    kept = tracker.get("r99")
    assert kept is not None and kept.prefix == "  x = " and kept.suffix == " + 1"
    assert tracker.get("r0") is None
