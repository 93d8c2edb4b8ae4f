"""Load benchmark of the shared inference server: throughput and latency against concurrency.

Starts `elixir-coder serve-model` as a separate process on loopback (in each of `MODES`:
one request at a time, unbatched on every core, batching with one worker, batching with the
default workers), drives it with N concurrent clients that each send
requests back to back over a kept-alive connection, and writes a markdown report. Bounded:
a fixed number of requests per level, loopback only.

    python -m elixir_coder.benchmarks.serving --out docs/reports/serving.md
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "model" / "default" / "base"
PROMPTS = [
    "defmodule Foo do\n  def bar(x) do",
    "Enum.map(list, fn x ->",
    "defmodule Greeter do\n  use GenServer\n\n  def init(state) do\n    ",
    "case File.read(path) do\n  {:ok, data} ->",
    "  @spec add(integer, integer) ::",
    "  def handle_call(:get, _from, state) do\n    {:reply,",
    "  def start_link(opts) do\n    GenServer.start_link(__MODULE__",
    "defp parse(<<",
]


@dataclass(frozen=True)
class LevelResult:
    """One (mode, concurrency) measurement."""

    mode: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    tokens: int
    p50_ms: float
    p95_ms: float

    @property
    def throughput(self) -> float:
        """Completed requests per second."""
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(model: Path, batching: bool, port: int, extra: list[str] | None = None) -> subprocess.Popen:
    """Start serve-model on 127.0.0.1:port and wait for /health (raises RuntimeError on failure)."""
    cmd = [sys.executable, "-m", "elixir_coder.cli", "serve-model", "--port", str(port),
           "--model", f"default={model}", "--max-queue", "1024", *(extra or [])]
    if not batching:
        cmd.append("--no-batching")
    env = {k: v for k, v in os.environ.items() if k != "ELIXIR_CODER_API_KEYS"}
    # The server logs a line per request: a file, not a pipe nobody reads, so it never blocks.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode(errors='replace')[-500:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("server did not become healthy within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM (graceful) and wait."""
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_level(port: int, concurrency: int, total: int, max_tokens: int, mode: str) -> LevelResult:
    """`concurrency` clients share `total` requests; each client keeps one connection."""
    latencies: list[float] = []
    tokens = [0]
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(total))
    start_gate = threading.Barrier(concurrency + 1)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start_gate.wait()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            body = json.dumps({"prompt": PROMPTS[i % len(PROMPTS)], "max_tokens": max_tokens, "temperature": 0})
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/v1/completions", body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                data = json.loads(resp.read())
                ok = resp.status == 200
            except (OSError, http.client.HTTPException, ValueError):
                ok, data = False, {}
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if ok:
                    latencies.append(ms)
                    tokens[0] += int(data.get("usage", {}).get("completion_tokens", 0))
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    lat = sorted(latencies) or [0.0]
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
    return LevelResult(mode, concurrency, total, errors[0], seconds, tokens[0], statistics.median(lat), p95)


# (label, batching, workers): workers None is serve-model's default (one per core, up to 4).
MODES = [
    ("one at a time", False, 1),
    ("unbatched, all workers", False, None),
    ("batching, 1 worker", True, 1),
    ("batching", True, None),
]


def run(
    model: Path, levels: list[int], requests: int, max_tokens: int, warmup: int = 16,
    server_args: list[str] | None = None, rounds: int = 1,
) -> list[LevelResult]:
    """Every mode at every concurrency level; with `rounds` > 1, the median round of each (by throughput).

    `server_args` go to every server. Rounds interleave the modes, so a burst of load from
    elsewhere on the machine does not fall on one mode only.
    """
    runs: dict[tuple[str, int], list[LevelResult]] = {}
    for _ in range(max(1, rounds)):
        for mode, batching, workers in MODES:
            port = _free_port()
            extra = [*(server_args or []), *(["--workers", str(workers)] if workers else [])]
            proc = start_server(model, batching, port, extra)
            try:
                run_level(port, 4, warmup, max_tokens, mode)
                for c in levels:
                    result = run_level(port, c, max(requests, 2 * c), max_tokens, mode)
                    runs.setdefault((mode, c), []).append(result)
                    print(f"{mode:24s} c={c:3d} {result.throughput:7.1f} req/s", file=sys.stderr)
            finally:
                stop_server(proc)
    return [sorted(rs, key=lambda r: r.throughput)[len(rs) // 2] for rs in runs.values()]


def render(results: list[LevelResult], model: Path, max_tokens: int, command: str, rounds: int = 1) -> str:
    """The markdown report."""
    serial = [r for r in results if r.mode == "one at a time"]
    base = max(serial, key=lambda r: r.throughput, default=None)
    try:
        shown = model.resolve().relative_to(Path(__file__).resolve().parents[1])
    except ValueError:
        shown = model
    lines = [
        "# Serving benchmark",
        "",
        f"`elixir-coder serve-model` on loopback, model `{shown}`, greedy, `max_tokens` {max_tokens},",
        f"{len(PROMPTS)} Elixir prompts in rotation; clients are threads with kept-alive connections in a separate",
        f"process on the same machine ({os.cpu_count()} cores, {platform.machine()}). "
        + (f"Each row is the median of {rounds} rounds (by throughput), the modes interleaved." if rounds > 1
           else "One round."),
        "Produced by:",
        "",
        f"    {command}",
        "",
        "| mode | clients | requests | errors | req/s | tokens/s | p50 ms | p95 ms | vs best one at a time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.throughput / base.throughput:.2f}x" if base and base.throughput else "-"
        lines.append(
            f"| {r.mode} | {r.concurrency} | {r.requests} | {r.errors} | {r.throughput:.1f} | "
            f"{r.tokens / r.seconds:.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | {ratio} |"
        )

    def at16(mode: str) -> LevelResult | None:
        return next((r for r in results if r.mode == mode and r.concurrency == 16), None)

    batched16, one_worker16, parallel16 = at16("batching"), at16("batching, 1 worker"), at16("unbatched, all workers")
    serial16 = at16("one at a time")
    if serial16 and batched16 and base:
        same_load = batched16.throughput / serial16.throughput
        strict = batched16.throughput / base.throughput
        verdict = "met" if same_load >= 3 else "NOT met"
        lines += [
            "",
            f"Target (with batching, throughput at 16 clients >= 3x that of one-at-a-time): {verdict}. "
            f"Under the same 16 clients: {batched16.throughput:.1f} vs {serial16.throughput:.1f} req/s, "
            f"**{same_load:.2f}x**; against the best one-at-a-time figure at any concurrency "
            f"({base.throughput:.1f} req/s, {base.concurrency} clients): {strict:.2f}x.",
        ]
        if one_worker16 and parallel16:
            lines.append(
                f"Where the gain comes from, at 16 clients against one at a time: batching on one worker "
                f"{one_worker16.throughput / serial16.throughput:.2f}x, a second worker without batching "
                f"{parallel16.throughput / serial16.throughput:.2f}x, both {same_load:.2f}x."
            )
    lines += [
        "",
        "Reading the figures: \"one at a time\" is `--no-batching --workers 1` (every request its own",
        "CTranslate2 call, one after the other); \"unbatched, all workers\" lets one request per core run",
        "at once; \"batching\" is the default (2 ms window, up to 16 requests per `generate_batch`, the",
        "window skipped after a batch of one, one worker per core, each with its own CTranslate2 replica",
        "on one thread, so one batch gathers and decodes while another decodes). Without batching more",
        "clients only add queueing; with it throughput grows with concurrency until batches are full.",
        "A batch of 16 alone decodes ~2.9x faster per sequence than 16 single calls for this",
        "5.8M-parameter int8 model; a single worker then idles while a batch's answers go out and the",
        "next requests come in, which the second worker covers.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model directory to serve")
    parser.add_argument("--levels", default="1,4,16,32", help="comma-separated client counts")
    parser.add_argument("--requests", type=int, default=96, help="requests per level (at least 2 per client)")
    parser.add_argument("--max-tokens", type=int, default=32, help="max_tokens per request")
    parser.add_argument("--out", type=Path, help="write the markdown report here")
    parser.add_argument("--server-args", default="", help="extra serve-model options for every server")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the whole run; report the median round")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    results = run(args.model, levels, args.requests, args.max_tokens, server_args=args.server_args.split(),
                  rounds=args.rounds)
    command = "python -m elixir_coder.benchmarks.serving " + " ".join(argv if argv is not None else sys.argv[1:])
    report = render(results, args.model, args.max_tokens, command.strip(), args.rounds)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
