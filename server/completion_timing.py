"""Where a completion request's time goes: per-stage milliseconds, kept for the recent requests.

A request's stages (server/features/completion.py and its handler) are timed with a `Stopwatch`;
`StageTimes` keeps the last requests' figures so that `elixirCoder/status` can report each
stage's median and 95th percentile (what benchmarks/context.py reads through the real server).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

# Requests remembered per stage: enough for a stable 95th percentile, small enough to be free.
KEEP = 500


class Stopwatch:
    """Milliseconds per named stage of one request (a stage timed twice adds up)."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, (time.perf_counter() - started) * 1000)

    def add(self, name: str, ms: float) -> None:
        self.ms[name] = self.ms.get(name, 0.0) + ms


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[rank]


class StageTimes:
    """The recent requests' stage times (thread-safe: recorded on request threads, read by status)."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._stages: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def record(self, ms: dict[str, float]) -> None:
        with self._lock:
            for name, value in ms.items():
                self._stages.setdefault(name, deque(maxlen=self._keep)).append(value)

    def summary(self) -> dict[str, dict[str, float]]:
        """Per stage: requests that had it (`n`, at most `keep`), median and 95th percentile in ms."""
        with self._lock:
            stages = {name: sorted(values) for name, values in self._stages.items()}
        return {name: {"n": len(values), "p50": round(_percentile(values, 50), 2),
                       "p95": round(_percentile(values, 95), 2)}
                for name, values in stages.items() if values}
