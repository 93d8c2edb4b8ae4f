"""Telemetry benchmark: feedback store write throughput and the latency recording adds to a completion.

Run: `python -m elixir_coder.benchmarks.telemetry [--events N] [--completions N] [--no-report]`.
Writes to a real SQLite file in a temp folder (WAL, the store's own settings). Prints the figures
and writes `docs/reports/telemetry.md`.

Measured:
- `FeedbackStore` throughput, events/s: one event per transaction and batches of 100, from one
  process and from 4 processes writing the same file at once.
- Added latency per completion: the time the request path spends handing over the events one
  completion produces (shown, then accepted), including building the `Event` objects, through
  the non-blocking `Recorder`; the synchronous store write is shown beside it for comparison.
- `Metrics.observe_request` and `OtlpExporter.submit`, the other calls on the request path.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from elixir_coder.telemetry.events import Event, EventKind, new_request_id
from elixir_coder.telemetry.export import OtlpExporter
from elixir_coder.telemetry.metrics import Metrics
from elixir_coder.telemetry.store import FeedbackStore

REPORT = Path(__file__).resolve().parent.parent / "docs" / "reports" / "telemetry.md"
TARGET_P95_MS = 1.0

# A completion's context as the server sees it: ~2 KB of prefix, ~1 KB of suffix, one shown line.
PREFIX = "defmodule Shop.Cart do\n  @moduledoc false\n" + "  def total(items), do: Enum.sum(items)\n" * 50
SUFFIX = "\n  def empty?(cart), do: cart.items == []\nend\n" * 20
SHOWN = "Enum.reduce(items, 0, fn item, acc -> acc + item.price * item.quantity end)"
PATH = "/home/dev/projects/shop/lib/shop/cart.ex"


def _shown(request_id: str) -> Event:
    return Event(
        EventKind.COMPLETION_SHOWN,
        request_id,
        model_version="v3",
        adapter="phoenix",
        language_id="elixir",
        path=PATH,
        text=SHOWN,
        prefix=PREFIX,
        suffix=SUFFIX,
        latency_ms=21.5,
    )


def _accepted(request_id: str) -> Event:
    return Event(
        EventKind.COMPLETION_ACCEPTED,
        request_id,
        model_version="v3",
        adapter="phoenix",
        language_id="elixir",
        path=PATH,
        accepted_chars=len(SHOWN),
    )


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def q(p: float) -> float:
        # nearest-rank percentile: a value that was actually measured
        return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))]

    return {"p50": q(50), "p95": q(95), "p99": q(99), "max": ordered[-1], "mean": statistics.fmean(ordered)}


# --- throughput ----------------------------------------------------------------------------------


def _write(db: str, n: int, batch: int, start_gate: Any, results: Any) -> None:
    """Worker: write `n` events in transactions of `batch`; report (start, end) on the monotonic clock."""
    store = FeedbackStore(Path(db))
    pid = os.getpid()
    start_gate.wait()
    t0 = time.monotonic()
    for i in range(0, n, batch):
        events = [_shown(f"{pid}-{i + j}") for j in range(min(batch, n - i))]
        if batch == 1:
            store.record(events[0])
        else:
            store.record_many(events)
    t1 = time.monotonic()
    store.close()
    results.put((t0, t1, n))


def throughput(db: Path, events: int, batch: int, processes: int) -> float:
    """Events per second for `processes` writers sharing one database file, `events` in all."""
    FeedbackStore(db).close()  # migrations done before the clock starts
    ctx = mp.get_context("spawn")
    gate, results = ctx.Event(), ctx.Queue()
    per = events // processes
    procs = [ctx.Process(target=_write, args=(str(db), per, batch, gate, results)) for _ in range(processes)]
    for p in procs:
        p.start()
    time.sleep(0.5 + 0.5 * processes)  # let every worker open the store before the gate opens
    gate.set()
    spans = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(60)
        if p.exitcode != 0:
            raise RuntimeError(f"writer process exited with {p.exitcode}")
    wall = max(s[1] for s in spans) - min(s[0] for s in spans)
    written = sum(s[2] for s in spans)
    store = FeedbackStore(db)
    try:
        if store.count() < written:
            raise RuntimeError(f"lost events: wrote {written}, found {store.count()}")
    finally:
        store.close()
    return written / wall


# --- added latency per completion ----------------------------------------------------------------


def _time_calls(n: int, call: Callable[[int], None], pace_s: float) -> list[float]:
    samples: list[float] = []
    for i in range(n):
        t0 = time.perf_counter_ns()
        call(i)
        samples.append((time.perf_counter_ns() - t0) / 1e6)
        if pace_s:
            time.sleep(pace_s)
    return samples


def completion_latency(db: Path, completions: int, pace_s: float) -> dict[str, dict[str, float]]:
    """Per-completion cost of recording shown + accepted: through the recorder, and written directly."""
    from elixir_coder.telemetry.recorder import Recorder

    out: dict[str, dict[str, float]] = {}

    def events_only(_: int) -> None:
        rid = new_request_id()
        _shown(rid)
        _accepted(rid)

    # The baseline: building the events without recording them, at the same pace.
    _time_calls(50, events_only, pace_s)
    out["events_only"] = _percentiles(_time_calls(completions, events_only, pace_s))

    recorder = Recorder(lambda: FeedbackStore(db))
    recorder.flush(30)  # the writer thread has opened (and migrated) the store

    def via_recorder(_: int) -> None:
        rid = new_request_id()
        recorder.record(_shown(rid))
        recorder.record(_accepted(rid))

    _time_calls(50, via_recorder, pace_s)  # warm-up
    out["recorder"] = _percentiles(_time_calls(completions, via_recorder, pace_s))
    if not recorder.flush(60):
        raise RuntimeError("recorder did not drain within 60 s")
    out["recorder"]["dropped"] = float(recorder.dropped)
    recorder.close()

    store = FeedbackStore(db)

    def direct(_: int) -> None:
        rid = new_request_id()
        store.record_many([_shown(rid), _accepted(rid)])

    _time_calls(20, direct, pace_s)
    out["direct"] = _percentiles(_time_calls(max(200, completions // 5), direct, pace_s))
    store.close()
    return out


def request_path_calls(n: int) -> dict[str, dict[str, float]]:
    """Cost of the metric calls a request makes, and of handing a snapshot to a hung-up OTLP exporter."""
    logging.getLogger("elixir_coder.telemetry.export").setLevel(logging.ERROR)  # the failures are intended
    metrics = Metrics()
    out = {"observe_request": _percentiles(_time_calls(n, lambda i: metrics.observe_request("completion", i % 97), 0))}
    # Nothing listens on the discard port: every send fails, and submit must not care.
    exporter = OtlpExporter("http://127.0.0.1:9", max_queue=64, timeout_s=1, max_retries=0)
    snap = metrics.snapshot()
    out["otlp_submit"] = _percentiles(_time_calls(n, lambda i: exporter.submit(snap), 0))
    exporter.close(timeout_s=0.5)
    return out


# --- report --------------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _row(name: str, p: dict[str, float]) -> str:
    return f"| {name} | {p['p50']:.3f} | {p['p95']:.3f} | {p['p99']:.3f} | {p['max']:.3f} | {p['mean']:.3f} |"


def render(results: dict[str, Any], command: str) -> str:
    """The markdown report."""
    t = results["throughput"]
    lat = results["latency"]
    paced = lat["paced"]["recorder"]
    verdict = "meets" if paced["p95"] < TARGET_P95_MS else "misses"
    lines = [
        "# Telemetry: feedback store throughput and added latency per completion",
        "",
        f"Generated by `{command}` on {results['date']}.",
        "",
        f"- Machine: {results['cores']} cores ({results['cpu']}), Python {results['python']}, "
        f"SQLite {results['sqlite']}; the cores are shared with a training job and other work.",
        f"- Load average (1/5/15 min) at start: {results['load_start']}; at end: {results['load_end']}.",
        "- Database: a real SQLite file in a temp folder, opened by `FeedbackStore` (WAL, "
        "`synchronous=NORMAL`, busy timeout 5 s); every event is scrubbed, its path hashed and its "
        "prefix/suffix (~2 KB / ~1 KB) digested, as in the server.",
        "",
        "## Write throughput (events/s)",
        "",
        "| writers | one event per transaction | batches of 100 |",
        "|---|---|---|",
        f"| 1 process | {t['1x1']:,.0f} | {t['1x100']:,.0f} |",
        f"| 4 processes, one file | {t['4x1']:,.0f} | {t['4x100']:,.0f} |",
        "",
        f"{results['events']:,} events per cell, building each `Event` included. With 4 processes the "
        f"aggregate is {t['4x1'] / t['1x1']:.2f}x the one-process figure for single events and "
        f"{t['4x100'] / t['1x100']:.2f}x for batches. SQLite admits one writer at a time (WAL): only "
        "the Python work before each transaction (scrubbing, hashing, digests) can overlap, a writer "
        "that finds the lock taken sleeps in SQLite's busy handler before retrying, and here 4 "
        f"processes share {results['cores']} busy cores. No event was lost in any run (checked by "
        "counting rows).",
        "",
        "## Added latency per completion (ms)",
        "",
        "What the request path spends recording the events one completion produces (shown, then "
        "accepted), building the two `Event` objects included. `Recorder.record` only queues; the "
        "writer thread does the SQLite work.",
        "",
        "| path | p50 | p95 | p99 | max | mean |",
        "|---|---|---|---|---|---|",
        _row(f"Recorder, one completion every {results['pace_ms']:g} ms", paced),
        _row("Recorder, completions back to back", lat["burst"]["recorder"]),
        _row("direct `record_many` (synchronous, for comparison)", lat["paced"]["direct"]),
        _row("building the two events only, paced (baseline)", lat["paced"]["events_only"]),
        _row("building the two events only, back to back (baseline)", lat["burst"]["events_only"]),
        "",
        f"{results['completions']:,} completions per recorder row; dropped by the recorder: "
        f"{paced['dropped']:.0f} paced, {lat['burst']['recorder']['dropped']:.0f} back to back.",
        f"Target: < {TARGET_P95_MS:g} ms p95 added per completion: the recorder path **{verdict}** it "
        f"(p95 {paced['p95']:.3f} ms). Back to back, the caller shares the interpreter lock with the "
        "writer thread, which shows in the tail; real completions arrive tens to hundreds of "
        "milliseconds apart. Paced calls cost more than back-to-back ones even without recording "
        "(the baseline rows), most likely because the caller wakes from a sleep each time (cold "
        "caches, an idle CPU); most of the paced recorder figure is that, not the queue.",
        "",
        "## Other calls on the request path (ms)",
        "",
        "| call | p50 | p95 | p99 | max | mean |",
        "|---|---|---|---|---|---|",
        _row("`Metrics.observe_request`", results["calls"]["observe_request"]),
        _row("`OtlpExporter.submit` (collector unreachable)", results["calls"]["otlp_submit"]),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the figures, write the report."""
    parser = argparse.ArgumentParser(prog="python -m elixir_coder.benchmarks.telemetry", description=__doc__)
    parser.add_argument("--events", type=int, default=4000, help="events per throughput cell (default 4000)")
    parser.add_argument("--completions", type=int, default=2000, help="completions per latency row")
    parser.add_argument("--pace-ms", type=float, default=5.0, help="gap between paced completions")
    parser.add_argument("--no-report", action="store_true", help="print only; leave docs/reports alone")
    args = parser.parse_args(argv)
    if args.events < 400 or args.completions < 100:
        parser.error("--events must be at least 400 and --completions at least 100")

    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_start": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "events": args.events,
        "completions": args.completions,
        "pace_ms": args.pace_ms,
    }
    with tempfile.TemporaryDirectory(prefix="ec-telemetry-bench-") as tmp:
        root = Path(tmp)
        t: dict[str, float] = {}
        for procs in (1, 4):
            for batch in (1, 100):
                key = f"{procs}x{batch}"
                t[key] = throughput(root / f"tp-{key}.sqlite3", args.events, batch, procs)
                print(f"throughput {procs} process(es), batch {batch}: {t[key]:,.0f} events/s", flush=True)
        results["throughput"] = t
        results["latency"] = {
            "paced": completion_latency(root / "lat-paced.sqlite3", args.completions, args.pace_ms / 1000),
            "burst": completion_latency(root / "lat-burst.sqlite3", args.completions, 0.0),
        }
        for mode, rows in results["latency"].items():
            for name, p in rows.items():
                print(
                    f"per completion, {mode}, {name}: p50 {p['p50']:.3f} ms  p95 {p['p95']:.3f} ms  "
                    f"p99 {p['p99']:.3f} ms  max {p['max']:.3f} ms",
                    flush=True,
                )
    results["calls"] = request_path_calls(5000)
    for name, p in results["calls"].items():
        print(f"{name}: p50 {p['p50'] * 1000:.1f} us  p95 {p['p95'] * 1000:.1f} us  p99 {p['p99'] * 1000:.1f} us")
    results["load_end"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at start {results['load_start']}, at end {results['load_end']}")
    if not args.no_report:
        command = "python -m elixir_coder.benchmarks.telemetry" + (" " + " ".join(argv) if argv else "")
        if argv is None and len(sys.argv) > 1:
            command = "python -m elixir_coder.benchmarks.telemetry " + " ".join(sys.argv[1:])
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(render(results, command), encoding="utf-8")
        print(f"wrote {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
