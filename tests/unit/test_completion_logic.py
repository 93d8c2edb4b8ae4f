"""Completion logic without a server: cursor classification, trimming, the proposal cache, feedback joins."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from elixir_coder.server.completion import CompletionCache, cursor_context, trim_completion, unique_proposals
from elixir_coder.server.feedback import FeedbackTracker, Shown, edit_distance, find_region
from elixir_coder.telemetry.events import Event, EventKind
from elixir_coder.telemetry.privacy import REDACTED
from elixir_coder.telemetry.recorder import Recorder
from elixir_coder.telemetry.store import FeedbackStore, RetentionPolicy


def ctx_at(text: str, marker: str = "|"):
    i = text.index(marker)
    return cursor_context(text[:i], text[i + 1 :])


def test_middle_of_a_line_is_single_line():
    ctx = ctx_at("def f(x) do\n  Enum.map(x, |)\nend\n")
    assert not ctx.multiline
    ctx = ctx_at("def f(x) do\n  y = |\nend\n")
    assert not ctx.multiline


def test_after_do_and_on_blank_block_lines_is_multi_line():
    ctx = ctx_at("defmodule A do\n  def f(x) do|\nend\n")
    assert ctx.multiline and ctx.indent == 4
    ctx = ctx_at("defmodule A do\n  def f(x) do\n    |\n  end\nend\n")
    assert ctx.multiline and ctx.indent == 4
    ctx = ctx_at("case x do\n  :a ->|\n")
    assert ctx.multiline
    ctx = ctx_at("def f do\n  children = [|\nend\n")
    assert ctx.multiline and ctx.indent == 4


def test_after_an_open_parenthesis_the_line_is_finished():
    # `in_tmp(` at the end of a line: the arguments follow on the same line.
    ctx = ctx_at("def f do\n  in_tmp(|\nend\n")
    assert not ctx.multiline
    # ... while a blank line after it is still indented one level deeper.
    ctx = ctx_at("def f do\n  in_tmp(\n|\nend\n")
    assert ctx.multiline and ctx.indent == 4


def test_trim_single_line_keeps_the_line_and_drops_the_suffix_overlap():
    ctx = ctx_at("def f(x) do\n  Enum.map(x, |)\nend\n")
    assert trim_completion("fn y -> y * 2 end)\n  |> Enum.sum()", ctx) == "fn y -> y * 2 end"
    ctx = ctx_at("x = |\n")
    assert trim_completion(" 1 + 2\nmore", ctx) == "1 + 2"  # no doubled space after "= "


def test_trim_block_stops_where_the_block_ends_and_never_repeats_what_follows():
    ctx = ctx_at("defmodule A do\n  def f(x) do\n    |\n  end\nend\n")
    raw = "y = x + 1\n    y * 2\n  end\n\n  def g, do: 1\n"
    assert trim_completion(raw, ctx) == "y = x + 1\n    y * 2"
    ctx = ctx_at("defmodule A do\n  def f(x) do|\n  end\nend\n")
    assert trim_completion("\n    x + 1\n  end", ctx) == "\n    x + 1"


def test_whitespace_and_duplicates_are_dropped():
    ctx = ctx_at("x = |\n")
    assert trim_completion("   \n", ctx) == ""
    assert unique_proposals(["a", "a ", "", "  ", "b"]) == ["a", "b"]


def test_cache_serves_exact_hits_and_typed_ahead_rest():
    cache = CompletionCache()
    prefix, suffix = "def f(x) do\n  ", "\nend\n"
    cache.put("v1:base:1", prefix, suffix, ["Enum.sum(x)", "length(x)"])
    assert cache.get("v1:base:1", prefix, suffix) == ["Enum.sum(x)", "length(x)"]
    assert cache.get("v1:base:1", prefix + "Enum.", suffix) == ["sum(x)"]
    assert cache.get("v1:base:1", prefix + "Enum.x", suffix) is None  # typed something else
    assert cache.get("v2:base:1", prefix, suffix) is None  # another model version
    assert (cache.hits, cache.typed_ahead_hits, cache.misses) == (1, 1, 2)


def test_cache_is_bounded():
    cache = CompletionCache(capacity=3)
    for i in range(5):
        cache.put("m", f"p{i}", "", [f"t{i}"])
    assert cache.get("m", "p0", "") is None and cache.get("m", "p4", "") == ["t4"]


def test_edit_distance_and_region_search():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    doc = "a\nb\ninserted line\n    total = 1\n    total\n"
    assert find_region(doc, "    total = 1\n    total", near_line=2) == "    total = 1\n    total"


class ListSink:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def record(self, event: Event) -> bool:
        self.events.append(event)
        return True


def shown(request_id: str, uri: str = "file:///a.ex", items: list[str] | None = None) -> Shown:
    return Shown(request_id=request_id, uri=uri, path="/p/a.ex", language_id="elixir", model_version="0.1.0",
                 adapter="base", items=items or ["x + 1"], prefix="def f(x) do\n    ", suffix="\nend\n", line=1,
                 latency_ms=12.0)


@pytest.mark.parametrize("in_background", [False, True])
def test_tracker_joins_accept_and_edit_and_marks_ignored(in_background: bool):
    sink = ListSink()
    tracker = FeedbackTracker(sink, in_background=in_background)
    tracker.shown(shown("r1"))
    tracker.shown(shown("r2"))  # r1 was never accepted: ignored
    assert tracker.accepted("r2", 0, accepted_chars=3) is not None
    assert tracker.edit_check("r2", "def f(x) do\n    x + 2\nend\n") == 2  # "x +" accepted, then " 2" typed
    assert not tracker.rejected("r2")  # already accepted
    assert tracker.accepted("unknown") is None
    tracker.close()  # in the background: what was queued is recorded first
    kinds = [(e.kind, e.request_id) for e in sink.events]
    assert kinds == [(EventKind.COMPLETION_SHOWN, "r1"), (EventKind.COMPLETION_REJECTED, "r1"),
                     (EventKind.COMPLETION_SHOWN, "r2"), (EventKind.COMPLETION_ACCEPTED, "r2"),
                     (EventKind.COMPLETION_EDITED, "r2")]
    assert sink.events[1].detail == {"reason": "ignored"}
    assert sink.events[3].accepted_chars == 3 and sink.events[3].detail["partial"] is True


def test_recorder_writes_in_the_background_and_survives_a_locked_database(tmp_path: Path):
    db = tmp_path / "f.sqlite3"
    FeedbackStore(db).close()
    recorder = Recorder(lambda: FeedbackStore(db, busy_timeout_ms=50), retention=RetentionPolicy(), retry_seconds=0.05)
    # Another process holds the write lock: records still return at once and nothing is lost.
    blocker = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    for i in range(50):
        assert recorder.record(Event(kind=EventKind.COMPLETION_SHOWN, request_id=f"r{i}", text="api_key='abc123'"))
    release = threading.Timer(0.2, lambda: blocker.execute("COMMIT"))
    release.start()
    assert recorder.flush(timeout=10)
    release.join()
    recorder.close()
    rows = list(sqlite3.connect(db).execute("select request_id, text from events order by id"))
    assert [r[0] for r in rows] == [f"r{i}" for i in range(50)]
    assert all("abc123" not in (r[1] or "") for r in rows)
    assert recorder.dropped == 0 and recorder.written == 50


def test_recorder_drops_and_counts_when_the_queue_is_full(tmp_path: Path):
    gate = threading.Event()

    def slow_open() -> FeedbackStore:
        gate.wait(5)
        return FeedbackStore(tmp_path / "f.sqlite3")

    recorder = Recorder(slow_open, max_queue=10)
    accepted = sum(recorder.record(Event(kind=EventKind.ACTION_TAKEN, request_id=str(i))) for i in range(100))
    gate.set()
    recorder.close()
    assert recorder.dropped == 100 - accepted and accepted <= 11
    assert json.dumps({"written": recorder.written})  # counters are plain numbers


def test_diagnostic_changes_tell_fixed_from_suppressed():
    from collections import Counter

    from elixir_coder.server.diagnostic_feedback import diagnostic_changes, suppressions

    before = Counter({("credo", "Readability.LargeNumbers"): 2, ("sobelow", "DOS.StringToAtom"): 1})
    after = Counter({("credo", "Readability.LargeNumbers"): 1, ("credo", "Design.TagTODO"): 1})
    text_after = '# sobelow_skip ["DOS.StringToAtom"]\ndef f(x), do: String.to_atom(x)\n'
    changes = {(c.kind, c.check, c.count) for c in diagnostic_changes(before, after, "", text_after)}
    assert changes == {(EventKind.DIAGNOSTIC_FIXED, "Readability.LargeNumbers", 1),
                       (EventKind.DIAGNOSTIC_SUPPRESSED, "DOS.StringToAtom", 1),
                       (EventKind.DIAGNOSTIC_PUBLISHED, "Design.TagTODO", 1)}
    marks = suppressions("# credo:disable-for-next-line Credo.Check.Readability.LargeNumbers\n"
                         "# credo:disable-for-this-file\n")
    assert marks == {"Readability.LargeNumbers": 1, "*": 1}


def test_model_service_loads_with_default_settings_without_configure(tmp_path: Path):
    from elixir_coder.model.registry import SHIPPED_DEFAULT, Registry
    from elixir_coder.server.models import ModelService

    service = ModelService(Registry(tmp_path / "registry", shipped=SHIPPED_DEFAULT))
    try:
        adapter = next(a for a in ("exunit", "phoenix", "nerves") if a in service.adapters())
        engine = service.load(adapter)
        assert engine.version and service.loaded(adapter) is engine
        assert service.status()["loadedAdapters"] == [adapter]
    finally:
        service.close()


def test_a_model_that_loads_but_cannot_generate_is_refused_clearly(tmp_path: Path, monkeypatch):
    import pytest

    from elixir_coder.model.engine import Engine
    from elixir_coder.model.manifest import ModelDirectoryError
    from elixir_coder.model.registry import SHIPPED_DEFAULT, Registry
    from elixir_coder.server.models import ModelService

    def broken(self: Engine) -> float:
        raise RuntimeError("unsupported layer")  # what CTranslate2 raises for a model it cannot run

    monkeypatch.setattr(Engine, "warm_up", broken)
    service = ModelService(Registry(tmp_path / "reg", shipped=SHIPPED_DEFAULT))
    with pytest.raises(ModelDirectoryError, match="loads but cannot generate .unsupported layer"):
        service.load("base")
    assert "cannot generate" in (service.error or "")


def test_model_service_routes_an_ab_experiment_stably_per_file(tmp_path: Path):
    from elixir_coder.model.ab import ABController
    from elixir_coder.model.registry import SHIPPED_DEFAULT, Registry
    from elixir_coder.server.models import ModelService

    registry = Registry(tmp_path / "registry", shipped=SHIPPED_DEFAULT)
    for version in ("v1", "v2"):
        registry.register(SHIPPED_DEFAULT / "base", version=version)
    registry.promote("v1")
    service = ModelService(registry)
    try:
        assert service.ab_version("lib/a.ex") is None  # no experiment: the current version serves
        ABController(registry).start("v2", control="v1", steps=[0.5])
        arms = {p: service.ab_version(p) for p in (f"lib/m{i}.ex" for i in range(40))}
        assert set(arms.values()) == {"v1", "v2"}
        assert all(service.ab_version(p) == v for p, v in arms.items())  # stable per user and file
        engine = service.load("base", "v2")
        assert service.loaded("base", "v2") is engine and service.loaded("base") is None
    finally:
        service.close()


class SlowSink(ListSink):
    def record(self, event: Event) -> bool:
        time.sleep(0.05)  # a recorder that lags: the signals come faster than events are built
        return super().record(event)


def test_in_the_background_an_acceptance_right_after_a_private_proposal_is_still_redacted():
    sink = SlowSink()
    tracker = FeedbackTracker(sink, in_background=True)
    secret = shown("r1", items=['sk_live_4eC39HqLyjWDarjtT1zdp7dc"'])
    secret.prefix = 'config :app, stripe_key: "'
    started = time.perf_counter()
    tracker.shown(secret)
    tracker.shown(shown("r2", uri="file:///b.ex"))
    assert tracker.accepted("r1") is not None  # joined at once, though nothing is recorded yet
    assert time.perf_counter() - started < 0.05 and not sink.events
    tracker.flush()
    assert [(e.kind, e.request_id) for e in sink.events] == [
        (EventKind.COMPLETION_SHOWN, "r1"), (EventKind.COMPLETION_SHOWN, "r2"), (EventKind.COMPLETION_ACCEPTED, "r1")]
    assert "4eC39" not in repr(sink.events) and sink.events[2].text == REDACTED
    tracker.close()
    tracker.shown(shown("r3"))  # after close: joined, not recorded, no error
    assert tracker.get("r3") is not None and len(sink.events) == 3


def test_shown_events_carry_the_prompt_context_for_retraining():
    sink = ListSink()
    FeedbackTracker(sink).shown(shown("r1"))
    detail = sink.events[0].detail
    assert detail["context_prefix"] == "def f(x) do\n    " and detail["context_suffix"] == "\nend\n"
