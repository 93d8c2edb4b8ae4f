"""CodeBLEU for Elixir: identities, hand-computed partial scores, renaming invariance."""

from __future__ import annotations

import math

import pytest

from elixir_coder.benchmarks.codebleu import (
    ELIXIR_KEYWORDS,
    bleu,
    codebleu,
    data_flow_edges,
    data_flow_match,
    syntax_match,
    tokenize,
    weighted_ngram_match,
)

FUNCTION = """defmodule Acc do
  def total(items, rate) do
    subtotal = Enum.sum(items)
    tax = subtotal * rate
    subtotal + tax
  end
end
"""


def test_identical_code_scores_one() -> None:
    result = codebleu(FUNCTION, FUNCTION)
    assert result.score == pytest.approx(1.0)
    assert (result.ngram, result.weighted_ngram, result.syntax, result.data_flow) == pytest.approx((1, 1, 1, 1))


def test_tokens_are_tree_sitter_leaves_without_comments() -> None:
    assert tokenize("x |> f() # note\n") == ["x", "|>", "f", "(", ")"]
    assert tokenize("if a, do: b") == ["if", "a", ",", "do:", "b"]


def test_hand_computed_small_example() -> None:
    # cand [x, +, 2] vs ref [x, +, 1]: p1 = 2/3, p2 = 1/2, no 3- or 4-gram match (0.1 each)
    expected_bleu = (2 / 3 * 1 / 2 * 0.1 * 0.1) ** 0.25
    assert bleu(tokenize("x + 2"), tokenize("x + 1")) == pytest.approx(expected_bleu)
    result = codebleu("x + 2", "x + 1")
    # no keyword tokens: weighted = plain unigram precision; same tree shape; no data flow on either side
    assert result.weighted_ngram == pytest.approx(2 / 3)
    assert result.syntax == pytest.approx(1.0)
    assert result.data_flow == pytest.approx(1.0)
    assert result.score == pytest.approx(0.25 * (expected_bleu + 2 / 3 + 1 + 1))


def test_keywords_weigh_more() -> None:
    assert {"if", "do", "end", "case", "|>"} <= ELIXIR_KEYWORDS
    # weights if 5, a 1, do 5, c 1, end 5 = 17; only `c` is missing from the reference
    assert weighted_ngram_match(tokenize("if a do c end"), tokenize("if a do b end")) == pytest.approx(16 / 17)
    # a wrong keyword costs more than a wrong name
    assert weighted_ngram_match(tokenize("unless a do b end"), tokenize("if a do b end")) == pytest.approx(12 / 17)


def test_brevity_penalty() -> None:
    ref = tokenize("a + b + c")
    # candidate [a, +, b] is a prefix: every precision is 1 except none for 4-grams; BP = exp(1 - 5/3)
    assert weighted_ngram_match(tokenize("a + b"), ref) == pytest.approx(math.exp(1 - 5 / 3))


def test_data_flow_partial_score() -> None:
    ref = "y = x + 1\nz = y"
    cand = "y = x + 1\nz = x"
    # ref edges: y from (x), z from (y), y used once; cand keeps only "y from (x)"
    assert sum(data_flow_edges(ref).values()) == 3
    assert data_flow_match(cand, ref) == pytest.approx(1 / 3)


def test_renaming_variables_keeps_data_flow_and_syntax() -> None:
    renamed = FUNCTION.replace("items", "xs").replace("rate", "r").replace("subtotal", "s").replace("tax", "t")
    result = codebleu(renamed, FUNCTION)
    assert result.data_flow == pytest.approx(1.0)
    assert result.syntax == pytest.approx(1.0)
    assert result.ngram < 1.0


def test_syntax_match_ignores_leaf_text_but_not_structure() -> None:
    assert syntax_match("foo(1, 2)", "bar(3, 4)") == pytest.approx(1.0)
    assert syntax_match("foo(1)", "bar(3, 4)") < 1.0


def test_broken_code_still_scores_and_bad_weights_are_refused() -> None:
    broken = codebleu("def f(x) do\n  x +\n", FUNCTION)
    assert 0.0 <= broken.score < 0.5
    assert codebleu("", "").score == pytest.approx(1.0)
    assert codebleu("", FUNCTION).score < 0.5
    with pytest.raises(ValueError, match="weights"):
        codebleu("a", "a", weights=(0.5, 0.5, 0.5, 0.5))


def test_elixir_eval_reports_codebleu_of_the_first_sample() -> None:
    from elixir_coder.benchmarks.elixir_eval import ProblemResult, load_suite
    from elixir_coder.benchmarks.execution import ExecutionResult

    problem = load_suite()[0]
    perfect = ProblemResult(problem, [problem.canonical_completion, "junk"], [ExecutionResult("passed")] * 2)
    assert perfect.to_dict()["codebleu"]["score"] == pytest.approx(1.0)
    wrong = ProblemResult(problem, ["    :green\n  end\nend\n"], [ExecutionResult("assertion_failure")])
    assert 0.0 < wrong.to_dict()["codebleu"]["score"] < 1.0
    assert ProblemResult(problem, [], []).to_dict()["codebleu"] is None
