"""In-process metrics: counters and histograms with labels, rendered in Prometheus' text format.

The server records request latency per feature, successes and failures, model load time,
cache hits and acceptance here; `render_prometheus` writes the exposition text that a file
exporter or an HTTP endpoint serves.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

DEFAULT_BUCKETS_MS: tuple[float, ...] = (1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)

LabelKey = tuple[tuple[str, str], ...]


def _key(labels: dict[str, str] | None) -> LabelKey:
    return tuple(sorted((labels or {}).items()))


def _fmt_labels(key: LabelKey, extra: tuple[tuple[str, str], ...] = ()) -> str:
    items = key + extra
    if not items:
        return ""
    escaped = (f'{k}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in items)
    return "{" + ",".join(escaped) + "}"


@dataclass
class _Series:
    """A value per label set, rendered as one Prometheus metric of type `kind`."""

    name: str
    help: str
    values: dict[LabelKey, float] = field(default_factory=dict)
    kind = "untyped"

    def render(self) -> list[str]:
        """Exposition lines."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]
        lines += [f"{self.name}{_fmt_labels(k)} {v:g}" for k, v in sorted(self.values.items())]
        return lines


@dataclass
class Counter(_Series):
    """A monotonically increasing count per label set."""

    kind = "counter"

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Add `amount` to the series for these labels."""
        key = _key(labels)
        self.values[key] = self.values.get(key, 0.0) + amount


@dataclass
class Gauge(_Series):
    """A value that goes up and down (memory, queue length, loaded model)."""

    kind = "gauge"

    def set(self, value: float, **labels: str) -> None:
        """Set the series for these labels."""
        self.values[_key(labels)] = value


@dataclass
class Histogram:
    """Cumulative-bucket histogram per label set, as Prometheus expects."""

    name: str
    help: str
    buckets: Sequence[float] = DEFAULT_BUCKETS_MS
    counts: dict[LabelKey, list[int]] = field(default_factory=dict)
    sums: dict[LabelKey, float] = field(default_factory=dict)

    def observe(self, value: float, **labels: str) -> None:
        """Record one observation."""
        key = _key(labels)
        counts = self.counts.setdefault(key, [0] * (len(self.buckets) + 1))
        counts[bisect.bisect_left(self.buckets, value)] += 1
        self.sums[key] = self.sums.get(key, 0.0) + value

    def render(self) -> list[str]:
        """Exposition lines: cumulative buckets, +Inf, sum and count."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for key, counts in sorted(self.counts.items()):
            running = 0
            for bound, n in zip([*self.buckets, float("inf")], counts, strict=True):
                running += n
                le = "+Inf" if bound == float("inf") else f"{bound:g}"
                lines.append(f"{self.name}_bucket{_fmt_labels(key, (('le', le),))} {running}")
            lines.append(f"{self.name}_sum{_fmt_labels(key)} {self.sums[key]:g}")
            lines.append(f"{self.name}_count{_fmt_labels(key)} {running}")
        return lines


@dataclass(frozen=True)
class PointSnapshot:
    """One label set's value (counter, gauge) or buckets (histogram) at snapshot time."""

    labels: LabelKey
    value: float = 0.0
    bucket_counts: tuple[int, ...] = ()
    sum: float = 0.0
    count: int = 0


@dataclass(frozen=True)
class SeriesSnapshot:
    """A copy of one metric: `kind` is counter, gauge or histogram; `bounds` only for histograms."""

    name: str
    help: str
    kind: str
    points: tuple[PointSnapshot, ...]
    bounds: tuple[float, ...] = ()


@dataclass(frozen=True)
class MetricsSnapshot:
    """An immutable copy of the whole metric set, safe to hand to another thread (the exporters)."""

    start_time: float
    time: float
    series: tuple[SeriesSnapshot, ...]


class Metrics:
    """The server's metric set; thread-safe updates through one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Counters are cumulative from here: OTLP's startTimeUnixNano.
        self.start_time = time.time()
        self.requests = Counter("elixir_coder_requests_total", "Requests handled, by feature and outcome.")
        self.latency = Histogram("elixir_coder_request_latency_ms", "Request latency in milliseconds, by feature.")
        self.model_load = Histogram(
            "elixir_coder_model_load_ms", "Model load time in milliseconds.", (10, 50, 100, 250, 500, 1000, 5000)
        )
        self.cache_hits = Counter("elixir_coder_cache_hits_total", "Cache lookups, by cache and result.")
        self.acceptance = Counter("elixir_coder_completions_total", "Completions shown and accepted, by model.")
        self.rss = Gauge("elixir_coder_resident_memory_bytes", "Resident set size of the server process.")
        self.queue_length = Gauge("elixir_coder_queue_length", "Items waiting in an internal queue, by queue.")
        self.export_dropped = Counter(
            "elixir_coder_export_dropped_total", "Metric snapshots the OTLP exporter dropped, by reason."
        )

    def _all(self) -> tuple[Counter | Gauge | Histogram, ...]:
        return (
            self.requests,
            self.latency,
            self.model_load,
            self.cache_hits,
            self.acceptance,
            self.rss,
            self.queue_length,
            self.export_dropped,
        )

    def observe_request(self, feature: str, latency_ms: float, ok: bool = True) -> None:
        """Count a request and record its latency."""
        with self._lock:
            self.requests.inc(feature=feature, outcome="ok" if ok else "error")
            self.latency.observe(latency_ms, feature=feature)

    def observe_model_load(self, load_ms: float, model: str = "") -> None:
        """Record how long loading a model (version or adapter directory) took."""
        with self._lock:
            self.model_load.observe(load_ms, model=model)

    def cache_lookup(self, cache: str, hit: bool) -> None:
        """Count one lookup in a named cache as a hit or a miss."""
        with self._lock:
            self.cache_hits.inc(cache=cache, result="hit" if hit else "miss")

    def completion_shown(self, model_version: str = "", adapter: str = "") -> None:
        """Count a completion shown to the user (the denominator of the acceptance rate)."""
        with self._lock:
            self.acceptance.inc(model_version=model_version, adapter=adapter, outcome="shown")

    def completion_accepted(self, model_version: str = "", adapter: str = "") -> None:
        """Count a completion the user accepted (whole or partly)."""
        with self._lock:
            self.acceptance.inc(model_version=model_version, adapter=adapter, outcome="accepted")

    def set_queue_length(self, queue: str, length: int) -> None:
        """Report how many items wait in a queue (the feedback recorder, the exporter)."""
        with self._lock:
            self.queue_length.set(float(length), queue=queue)

    def count_export_drop(self, reason: str, n: int = 1) -> None:
        """Count snapshots an exporter dropped (queue full, send failed, rejected, shutdown)."""
        with self._lock:
            self.export_dropped.inc(float(n), reason=reason)

    def update_rss(self) -> int:
        """Refresh the resident-memory gauge; returns the value in bytes."""
        rss = resident_memory_bytes()
        with self._lock:
            self.rss.set(float(rss))
        return rss

    def snapshot(self) -> MetricsSnapshot:
        """A consistent copy of every metric (RSS refreshed), for exporters running in other threads."""
        self.update_rss()
        now = time.time()
        series: list[SeriesSnapshot] = []
        with self._lock:
            for metric in self._all():
                if isinstance(metric, Histogram):
                    points = tuple(
                        PointSnapshot(k, bucket_counts=tuple(c), sum=metric.sums[k], count=sum(c))
                        for k, c in sorted(metric.counts.items())
                    )
                    series.append(SeriesSnapshot(metric.name, metric.help, "histogram", points, tuple(metric.buckets)))
                else:
                    points = tuple(PointSnapshot(k, value=v) for k, v in sorted(metric.values.items()))
                    series.append(SeriesSnapshot(metric.name, metric.help, metric.kind, points))
        return MetricsSnapshot(self.start_time, now, tuple(series))

    def render_prometheus(self) -> str:
        """The whole metric set in Prometheus' text exposition format."""
        self.update_rss()
        with self._lock:
            lines: list[str] = []
            for metric in self._all():
                lines += metric.render()
        return "\n".join(lines) + "\n"


def resident_memory_bytes() -> int:
    """Current RSS of this process (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
