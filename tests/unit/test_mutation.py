"""Our Elixir mutation engine: operators, counts, parseability, and scores in real Elixir."""

from __future__ import annotations

import shutil

import pytest

from elixir_coder.benchmarks.mutation import (
    OPERATORS,
    MutationError,
    count_by_operator,
    generate_mutants,
)
from elixir_coder.benchmarks.syntax import parses

SAMPLE = """defmodule Sample do
  @limit 10
  defstruct count: 0, name: "x"

  def f(0), do: 1

  def f(n) when n > 0 and is_integer(n) do
    x = n * f(n - 1)
    IO.puts("hi")

    if not x, do: :ok, else: false

    case x do
      {:ok, y} when y < 2 -> y |> g() |> h(1)
      _ -> nil
    end
  end

  defp g(x), do: x
  defp h(x, y), do: x && y
end
"""

TINY = """defmodule Tiny do
  def clamp(x) do
    if x > 10, do: 10, else: x + 1
  end
end
"""

STRONG_TESTS = """defmodule TinyTest do
  use ExUnit.Case

  test "above the limit" do
    assert Tiny.clamp(20) == 10
    assert Tiny.clamp(11) == 10
  end

  test "at and below the limit" do
    assert Tiny.clamp(10) == 11
    assert Tiny.clamp(0) == 1
  end
end
"""

WEAK_TESTS = """defmodule TinyTest do
  use ExUnit.Case

  test "above the limit" do
    assert Tiny.clamp(20) == 10
  end
end
"""

needs_elixir = pytest.mark.skipif(shutil.which("elixir") is None, reason="needs `elixir` on PATH")


def test_counts_on_a_known_function() -> None:
    mutants = generate_mutants(SAMPLE)
    assert count_by_operator(mutants) == {
        "arithmetic": 2, "comparison": 4, "boolean": 3, "literal": 10, "call_removal": 4,
        "negate_condition": 3, "pattern_swap": 2,
    }
    assert [m.id for m in mutants[:3]] == ["M001", "M002", "M003"]
    descriptions = {m.description for m in mutants}
    assert {"`*` -> `+`", "guard `y < 2` negated", "`if` condition `not x` negated", "`and` -> `or`",
            "pipeline stage `g()` removed", 'call `IO.puts("hi")` removed', "clauses of f/1 at lines 5 and 7 swapped",
            ":ok -> :ok_mutant", "false -> true"} <= descriptions


@pytest.mark.parametrize("operator", OPERATORS)
def test_each_operator_makes_parseable_distinct_mutants(operator: str) -> None:
    mutants = generate_mutants(SAMPLE, operators=(operator,))
    assert mutants, operator
    sources = [m.source for m in mutants]
    assert len(set(sources)) == len(sources)
    for m in mutants:
        assert m.operator == operator
        assert m.source != SAMPLE
        assert parses(m.source), m.description


def test_module_attributes_and_structs_are_not_mutated() -> None:
    for m in generate_mutants(SAMPLE):
        assert m.line > 3, m.description  # @limit and defstruct sit on lines 2 and 3
    assert generate_mutants("defmodule A do\n  @x 1\n  defstruct a: 2\nend\n") == []


def test_mutant_records_the_edit() -> None:
    m = next(m for m in generate_mutants(TINY) if m.operator == "arithmetic")
    assert (m.line, m.original, m.replacement) == (3, "+", "-")
    assert m.source == TINY.replace("x + 1", "x - 1")
    assert m.to_dict()["description"] == "`+` -> `-`"
    assert "source" in m.to_dict(with_source=True)


def test_bad_input_is_refused_clearly() -> None:
    with pytest.raises(MutationError, match="does not parse"):
        generate_mutants("defmodule A do\n  def f(x) do\n")
    with pytest.raises(MutationError, match="unknown mutation operator"):
        generate_mutants(TINY, operators=("flip",))


@needs_elixir
def test_strong_tests_kill_every_mutant_in_real_elixir() -> None:
    from elixir_coder.benchmarks.test_gen import run_mutants

    mutants = generate_mutants(TINY)
    assert len(mutants) == 7  # none of them is equivalent for clamp/1
    on_original, outcomes = run_mutants(STRONG_TESTS, TINY, mutants)
    assert set(on_original.values()) == {"passed"}
    assert {o.status for o in outcomes.values()} == {"killed"}
    killed = sum(o.status == "killed" for o in outcomes.values())
    assert killed / len(mutants) == 1.0

    _, weak = run_mutants(WEAK_TESTS, TINY, mutants)
    survivors = sorted(m.description for m in mutants if weak[m.id].status == "survived")
    # clamp(20) alone cannot see the `else` branch nor the boundary
    assert survivors == ["1 -> 0", "10 -> 11", "`+` -> `-`", "`>` -> `>=`"]


@needs_elixir
def test_looping_and_crashing_mutants_count_as_killed() -> None:
    from elixir_coder.benchmarks.test_gen import run_mutants

    src = "defmodule Loop do\n  def down(0), do: :done\n  def down(n), do: down(n - 1)\nend\n"
    tests = 'defmodule LoopTest do\n  use ExUnit.Case\n  test "d" do\n    assert Loop.down(3) == :done\n  end\nend\n'
    mutants = generate_mutants(src)
    _, outcomes = run_mutants(tests, src, mutants)
    by_desc = {m.description: outcomes[m.id] for m in mutants}
    assert by_desc["`-` -> `+`"].status == "killed"  # never reaches 0: ExUnit's timeout
    assert by_desc["clauses of down/1 at lines 2 and 3 swapped"].status == "killed"  # loops too
    # `down(1)` as the base case still ends in :done for 3: an equivalent mutant for this test
    assert by_desc["0 -> 1"].status == "survived"


def test_swaps_of_provably_disjoint_clauses_are_skipped() -> None:
    src = """defmodule D do
  def f(:a), do: 1
  def f(:b), do: 2
  def f(x), do: x

  def g(r) do
    case r do
      {:ok, v} -> v
      {:error, _} -> nil
      [_, _ | _] -> :long
      [_] -> :one
      other -> other
    end
  end

  def h([]), do: 0
  def h([_ | t]), do: 1 + h(t)
end
"""
    swaps = [m.description for m in generate_mutants(src, operators=("pattern_swap",))]
    # :a/:b, {:ok,_}/{:error,_}, tuple/list, [_, _ | _]/[_] and []/[_ | t] cannot overlap
    assert swaps == ["clauses of f/1 at lines 3 and 4 swapped", "clauses at lines 11 and 12 swapped"]
