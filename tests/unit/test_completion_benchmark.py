"""The completion benchmark's case builder and quality measures (the server runs are exercised by the e2e tests)."""

from __future__ import annotations

import random

from elixir_coder.benchmarks.completion import (
    error_nodes,
    multi_line_cases,
    percentile,
    quality,
    single_line_cases,
)

SOURCE = """defmodule Shop do
  def total(items) do
    items
    |> Enum.map(& &1.price)
    |> Enum.sum()
  end

  def empty?(items), do: items == []
end
"""


def test_cases_remove_the_expected_text_and_keep_the_rest():
    rng = random.Random(1)
    for case in single_line_cases("shop.ex", SOURCE, rng, 10) + multi_line_cases("shop.ex", SOURCE, rng, 10):
        rebuilt = case.document[: case.offset] + case.expected + case.document[case.offset :]
        assert rebuilt == SOURCE
    (multi,) = multi_line_cases("shop.ex", SOURCE, rng, 10)
    assert multi.expected == "\n    items\n    |> Enum.map(& &1.price)\n    |> Enum.sum()"


def test_quality_counts_exact_matches_and_new_syntax_errors():
    rng = random.Random(2)
    cases = single_line_cases("shop.ex", SOURCE, rng, 2)
    outputs = [cases[0].expected, "Enum.map(items, fn x -> (x end"]
    q = quality(cases, outputs)["single"]
    assert q["cases"] == 2 and q["exact_match"] == 0.5
    assert q["syntax_errors"] == 1 and q["syntax_valid"] == 0.5
    assert error_nodes(SOURCE) == 0 and error_nodes("def f(, do: 1") > 0


def test_percentile_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50 and percentile(values, 95) == 95 and percentile([7.0], 95) == 7.0
