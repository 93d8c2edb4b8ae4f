"""Keeping the cyclic garbage collector's long pauses off the completion path.

A collection of the oldest generation walks every container object the process holds: with the
analyzer's indexes, the standard library's API table and the protocol's converters that is
50-110 ms on one core, and no other Python thread runs meanwhile. Through the real server two
such pauses landed in a run of 120 completion requests, each making one answer ~70 ms slower.

CPython's `gc.freeze` moves every object alive into a permanent generation that collections
skip. The keeper does that when the editor has been quiet for a moment (nothing typed, no
completion in flight): it collects what the session made since the last time, then freezes what
is left, so the collections that happen while the user types only walk the few objects made since.
Frozen objects are still freed by reference counting when they die; only reference cycles among
them wait, until the next complete collection (unfrozen first), which runs in a quiet moment at
most every `full_every_s`.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class HeapStats:
    """What the keeper did, for `elixirCoder/status`."""

    settles: int = 0
    full: int = 0
    last_pause_ms: float = 0.0
    max_pause_ms: float = 0.0


def _collections() -> int:
    """Collections of any generation so far: it changes only when objects were made."""
    return sum(generation["collections"] for generation in gc.get_stats())


class HeapKeeper:
    """Collects and freezes the heap in quiet moments.

    Args:
        quiet_s: seconds without typing or completions before the keeper works.
        full_every_s: seconds between complete collections (frozen objects included).
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, quiet_s: float = 2.0, full_every_s: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet_s = quiet_s
        self.full_every_s = full_every_s
        self._clock = clock
        self._last_full = clock()
        self._seen_collections = -1  # the first quiet moment always settles (the start-up's objects)
        self.stats = HeapStats()

    def settle(self, full: bool = False) -> float:
        """Collect (everything when `full`) and freeze what survives; returns the milliseconds taken."""
        started = time.perf_counter()
        if full:
            gc.unfreeze()
        gc.collect()
        gc.freeze()
        ms = (time.perf_counter() - started) * 1000
        self.stats.settles += 1
        self.stats.full += int(full)
        self.stats.last_pause_ms = round(ms, 2)
        self.stats.max_pause_ms = max(self.stats.max_pause_ms, round(ms, 2))
        if full:
            self._last_full = self._clock()
        self._seen_collections = _collections()
        return ms

    def tick(self, quiet_for_s: float, busy: bool) -> bool:
        """Settle if the editor has been quiet for `quiet_s` and objects were made since the last
        time; True when it did. Called every second or so on the event loop."""
        if busy or quiet_for_s < self.quiet_s or _collections() == self._seen_collections:
            return False
        self.settle(full=self._clock() - self._last_full >= self.full_every_s)
        return True

    def status(self) -> dict[str, float | int]:
        """Settles so far (complete ones among them), the last and longest pause, objects frozen."""
        return {"settles": self.stats.settles, "full": self.stats.full, "lastPauseMs": self.stats.last_pause_ms,
                "maxPauseMs": self.stats.max_pause_ms, "frozenObjects": gc.get_freeze_count()}
