"""In-process metrics: counters and histograms with labels, rendered in Prometheus' text format.

The server records request latency per feature, successes and failures, model load time,
cache hits and acceptance here; `render_prometheus` writes the exposition text that a file
exporter or an HTTP endpoint serves.
"""

from __future__ import annotations

import bisect
import threading
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


class Metrics:
    """The server's metric set; thread-safe updates through one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = Counter("elixir_coder_requests_total", "Requests handled, by feature and outcome.")
        self.latency = Histogram("elixir_coder_request_latency_ms", "Request latency in milliseconds, by feature.")
        self.model_load = Histogram(
            "elixir_coder_model_load_ms", "Model load time in milliseconds.", (10, 50, 100, 250, 500, 1000, 5000)
        )
        self.cache_hits = Counter("elixir_coder_cache_hits_total", "Cache lookups, by cache and result.")
        self.acceptance = Counter("elixir_coder_completions_total", "Completions shown and accepted, by model.")
        self.rss = Gauge("elixir_coder_resident_memory_bytes", "Resident set size of the server process.")

    def observe_request(self, feature: str, latency_ms: float, ok: bool = True) -> None:
        """Count a request and record its latency."""
        with self._lock:
            self.requests.inc(feature=feature, outcome="ok" if ok else "error")
            self.latency.observe(latency_ms, feature=feature)

    def render_prometheus(self) -> str:
        """The whole metric set in Prometheus' text exposition format."""
        self.rss.set(float(resident_memory_bytes()))
        with self._lock:
            lines: list[str] = []
            for metric in (self.requests, self.latency, self.model_load, self.cache_hits, self.acceptance, self.rss):
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
