"""Alternatives for clients that cycle: sampled after a fast greedy proposal, with the shipped model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from elixir_coder.model.engine import Engine
from elixir_coder.server.completion import cursor_context
from elixir_coder.server.features.completion import CompletionStats, propose_with
from elixir_coder.server.settings import Settings

REPO = Path(__file__).resolve().parents[2]
PREFIX = "defmodule Shop.Cart do\n  def total(items) do\n    items |> "
SUFFIX = "\n  end\nend\n"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    e = Engine(REPO / "model" / "default" / "base")
    yield e
    e.close()


def test_alternatives_follow_a_fast_first_proposal(engine: Engine) -> None:
    ctx = cursor_context(PREFIX, SUFFIX)
    stats = CompletionStats()
    settings = replace(Settings(), completion_alternatives=3)
    texts = propose_with(engine, ctx, settings, str, lambda: False, stats, alternatives_budget_ms=60_000)
    assert stats.generations == 2  # the greedy pass, then one batch of two samples
    assert 1 <= len(texts) <= 3 and len(set(texts)) == len(texts)
    greedy = propose_with(engine, ctx, Settings(), str, lambda: False, CompletionStats())
    assert texts[0] == greedy[0]  # the first is still the greedy proposal


def test_no_alternatives_when_the_first_was_slow_or_not_asked(engine: Engine) -> None:
    ctx = cursor_context(PREFIX, SUFFIX)
    stats = CompletionStats()
    propose_with(engine, ctx, replace(Settings(), completion_alternatives=3), str, lambda: False, stats,
                 alternatives_budget_ms=0.0)
    assert stats.generations == 1
    stats = CompletionStats()
    propose_with(engine, ctx, Settings(), str, lambda: False, stats, alternatives_budget_ms=60_000)
    assert stats.generations == 1
