"""Summaries of the feedback log: acceptance rates with confidence intervals, latency percentiles, volume."""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default); (0, 1) when there are no trials."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass(frozen=True)
class AcceptanceRow:
    """Acceptance of shown completions for one model version and adapter."""

    model_version: str
    adapter: str
    shown: int
    accepted: int
    rate: float
    low: float
    high: float


def acceptance_by_model(rows: Iterable[dict[str, Any]]) -> list[AcceptanceRow]:
    """Share of shown completions that were accepted, per (model version, adapter), with Wilson 95% CIs."""
    shown: dict[tuple[str, str], set[str]] = defaultdict(set)
    accepted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        key = (row.get("model_version") or "?", row.get("adapter") or "base")
        if row["kind"] == "completion_shown":
            shown[key].add(row["request_id"])
        elif row["kind"] == "completion_accepted":
            accepted[key].add(row["request_id"])
    out = []
    for key in sorted(shown):
        n = len(shown[key])
        k = len(accepted[key] & shown[key])
        low, high = wilson_interval(k, n)
        out.append(AcceptanceRow(key[0], key[1], n, k, k / n if n else 0.0, low, high))
    return out


def latency_percentiles(rows: Iterable[dict[str, Any]]) -> dict[str, float | None]:
    """p50 / p90 / p95 / p99 of `latency_ms` over completion_shown events."""
    values = [r["latency_ms"] for r in rows if r["kind"] == "completion_shown" and r.get("latency_ms") is not None]
    return {f"p{q}": percentile(values, q) for q in (50, 90, 95, 99)}


def events_per_day(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Event counts per UTC day (YYYY-MM-DD)."""
    days: Counter[str] = Counter(time.strftime("%Y-%m-%d", time.gmtime(r["ts"])) for r in rows)
    return dict(sorted(days.items()))


def format_stats(rows: list[dict[str, Any]]) -> str:
    """The text `elixir-coder feedback stats` prints."""
    lines = ["Acceptance of shown completions (95% Wilson interval):"]
    table = acceptance_by_model(rows)
    if not table:
        lines.append("  no completions recorded")
    for r in table:
        lines.append(
            f"  {r.model_version} / {r.adapter}: {r.accepted}/{r.shown} = {r.rate:.1%} [{r.low:.1%}, {r.high:.1%}]"
        )
    lat = latency_percentiles(rows)
    if lat["p50"] is not None:
        lines.append("Completion latency (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in lat.items() if v is not None))
    lines.append("Events per day:")
    for day, n in events_per_day(rows).items():
        lines.append(f"  {day}: {n}")
    return "\n".join(lines) + "\n"
