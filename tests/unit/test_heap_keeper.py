"""The heap keeper: collections of the whole heap happen in quiet moments, and later ones skip what it froze."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from elixir_coder.server.heap import HeapKeeper


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_objects() -> list[dict[str, list[int]]]:
    """Enough container objects for the collector to run at least once."""
    return [{"x": [i]} for i in range(5000)]


def test_settling_freezes_the_survivors_and_collects_the_cycles() -> None:
    class Cycle:
        def __init__(self) -> None:
            self.me = self

    keeper = HeapKeeper()
    kept = make_objects()
    Cycle()  # garbage only the cyclic collector can free
    keeper.settle()
    frozen = gc.get_freeze_count()
    assert frozen >= len(kept) and not any(type(o) is Cycle for o in gc.get_objects())
    assert keeper.status()["settles"] == 1 and keeper.status()["frozenObjects"] == frozen
    # A complete settle unfreezes first, so the frozen objects are collected (or kept) again.
    keeper.settle(full=True)
    assert keeper.stats.full == 1 and gc.get_freeze_count() >= len(kept)


def test_it_waits_for_quiet_and_for_new_objects() -> None:
    clock = Clock()
    keeper = HeapKeeper(quiet_s=2.0, full_every_s=600.0, clock=clock)
    assert not keeper.tick(quiet_for_s=0.5, busy=False)  # the user is typing
    assert not keeper.tick(quiet_for_s=5.0, busy=True)  # a completion is in flight
    assert keeper.tick(quiet_for_s=5.0, busy=False)  # quiet: the start-up's objects are settled
    assert keeper.stats.full == 0
    assert not keeper.tick(quiet_for_s=6.0, busy=False)  # nothing made since: nothing to do
    garbage = make_objects()
    assert keeper.tick(quiet_for_s=7.0, busy=False)
    del garbage
    clock.now = 601.0  # long enough since the last complete collection: this one unfreezes first
    made = make_objects()
    assert keeper.tick(quiet_for_s=8.0, busy=False) and keeper.stats.full == 1 and made
