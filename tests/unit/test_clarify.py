"""Clarification and generate-check-repair: clusters and entropy against known values, questions, and the
repair loop's termination. Candidates run in real Elixir; the model is a scripted stand-in (a class that
returns fixed completions and records its prompts), because a real tiny model cannot be steered."""

from __future__ import annotations

import math
import shutil

import pytest

from elixir_coder.assist.clarify import (
    assess_candidates,
    ast_similarity,
    clarification_comment,
    cluster_candidates,
    decide,
    derive_inputs,
    semantic_entropy,
    type_pool,
)
from elixir_coder.assist.generate import Candidate, find_site, generate_checked, repair_prompt, what_line
from elixir_coder.model.engine import Completion, GenerationRequest

needs_elixir = pytest.mark.skipif(shutil.which("elixir") is None, reason="needs Elixir")

SPEC = '''defmodule Lists do
  @doc """
  Returns the average of `numbers`.
  """
  @spec average([integer()]) :: float()
  def average(numbers) do
  end
end
'''


def fn(body: str) -> Candidate:
    return Candidate(f"  def average(numbers) do\n{body}\n  end\n")


RAISE = fn("    Enum.sum(numbers) / length(numbers)")
ZERO = fn("    if numbers == [], do: 0.0, else: Enum.sum(numbers) / length(numbers)")
ZERO_AGAIN = fn("    case numbers do\n      [] -> 0.0\n      xs -> Enum.sum(xs) / Enum.count(xs)\n    end")
TUPLE = fn("    if numbers == [], do: {:error, :empty}, else: {:ok, Enum.sum(numbers) / length(numbers)}")


class ScriptedModel:
    """A scripted stand-in for a model: answers each call with the next list of texts, records prompts."""

    def __init__(self, rounds: list[list[str]]) -> None:
        self.rounds = rounds
        self.prompts: list[str] = []

    def generate(self, req: GenerationRequest) -> list[Completion]:
        self.prompts.append(req.prefix)
        texts = self.rounds[min(len(self.prompts) - 1, len(self.rounds) - 1)]
        return [Completion(t, log_prob=-float(i)) for i, t in enumerate(texts)][: req.num_hypotheses]


def site():  # noqa: ANN201
    found = find_site(SPEC, 2)
    assert found is not None
    return found


def test_semantic_entropy_known_values() -> None:
    assert semantic_entropy([8]) == 0.0
    assert semantic_entropy([4, 4]) == pytest.approx(math.log(2))
    assert semantic_entropy([7, 1]) == pytest.approx(-(7 / 8) * math.log(7 / 8) - (1 / 8) * math.log(1 / 8))
    assert semantic_entropy([3, 3, 2]) == pytest.approx(1.0822, abs=1e-4)
    assert semantic_entropy([1] * 8) == pytest.approx(math.log(8))
    assert semantic_entropy([]) == 0.0


def test_decide_thresholds() -> None:
    assert not decide(0.0, 1, 0.5, 3)
    assert not decide(0.377, 2, 0.5, 3)  # 7 against 1: proceed
    assert decide(0.562, 2, 0.5, 3)  # 6 against 2: ask
    assert decide(0.4, 3, 0.5, 3)  # three clusters: ask
    assert not decide(0.9, 1, 0.5, 3)


def test_site_and_inputs_from_spec_and_doc() -> None:
    s = site()
    assert (s.kind, s.name, s.arity, s.params, s.module) == ("empty", "average", 1, ("numbers",), "Lists")
    inputs = derive_inputs(s)
    assert inputs[0] == "[[3, 1, 2]]"
    assert {"[[]]", "[nil]", "[[-4, 0, 7]]"} <= set(inputs)  # empty list, nil, negatives
    assert type_pool("integer()")[:3] == ("5", "0", "-3")
    assert '""' in type_pool("String.t()")
    doc_site = find_site('defmodule T do\n  @doc "Next of `:green` or `:red`."\n  @spec next(atom()) :: atom()\n'
                         '  def next(light) do\n  end\nend\n', 1)
    assert doc_site is not None
    assert {"[:green]", "[:red]", "[nil]"} <= set(derive_inputs(doc_site))


@needs_elixir
def test_behaviour_clusters_group_equivalent_code_and_split_different_behaviour() -> None:
    clustering = cluster_candidates(site(), [RAISE, RAISE, RAISE, ZERO, ZERO_AGAIN, TUPLE, TUPLE, TUPLE])
    assert clustering.method == "behaviour"
    sizes = sorted((c.size for c in clustering.clusters), reverse=True)
    assert sizes == [3, 3, 2]  # ZERO and ZERO_AGAIN differ in code but not in behaviour
    zero = next(c for c in clustering.clusters if c.size == 2)
    assert {clustering.candidates[i].code for i in zero.members} == {ZERO.code, ZERO_AGAIN.code}


@needs_elixir
def test_assessment_asks_about_error_handling_with_one_option_per_cluster() -> None:
    a = assess_candidates(site(), [RAISE, RAISE, RAISE, ZERO, ZERO, TUPLE, TUPLE, TUPLE])
    assert a.ask and a.entropy == pytest.approx(1.0822, abs=1e-4)
    assert a.question is not None
    assert a.question.category == "error handling"
    assert a.question.text == "What should average([]) do with this input?"
    labels = [o.label for o in a.question.options]
    assert labels == ["Raise ArithmeticError", "Return {:error, reason}", "Return 0.0"]
    assert [round(o.share, 3) for o in a.question.options] == [0.375, 0.375, 0.25]
    assert a.question.options[0].preview == "average([]) -> raise ArithmeticError"
    # Expected value of information: the answer names the cluster, so it removes all the entropy.
    assert a.question.value == pytest.approx(a.entropy)
    assert clarification_comment(site(), a.question.options[1].answer).startswith("  # Clarification: What should")


@needs_elixir
def test_agreeing_samples_proceed_and_edge_case_split_is_classified() -> None:
    a = assess_candidates(site(), [ZERO] * 7 + [ZERO_AGAIN])
    assert not a.ask and a.entropy == 0.0 and a.question is None
    nil_zero = fn("    if numbers in [nil, []], do: 0.0, else: Enum.sum(numbers) / length(numbers)")
    b = assess_candidates(site(), [ZERO] * 4 + [nil_zero] * 4)
    assert b.ask and b.question is not None
    assert b.question.category == "edge case"
    assert "average(nil)" in b.question.text


@needs_elixir
def test_return_shape_split() -> None:
    ok = fn("    {:ok, if(numbers == [], do: 0.0, else: Enum.sum(numbers) / length(numbers))}")
    a = assess_candidates(site(), [ZERO] * 4 + [ok] * 4)
    assert a.question is not None and a.question.category == "return shape"
    assert [o.label for o in a.question.options] == ["Return a float", "Return {:ok, value}"]


def test_ast_fallback_clusters_renamed_variables_together() -> None:
    renamed = Candidate(RAISE.code.replace("numbers", "xs"))
    assert ast_similarity(RAISE.code, renamed.code) == 1.0
    assert ast_similarity(RAISE.code, TUPLE.code) < 0.85
    clustering = cluster_candidates(site(), [RAISE, renamed, TUPLE, fn("    (")], run=False)
    assert clustering.method == "ast" and clustering.dropped == 1  # the unparsable one is dropped
    assert [c.size for c in clustering.clusters] == [2, 1]
    a = assess_candidates(site(), [RAISE, renamed, TUPLE, TUPLE], run=False)
    assert a.ask and a.question is not None and a.question.category == "error handling"


def test_what_line_comes_from_the_check_page() -> None:
    assert what_line("Credo.Check.Readability.LargeNumbers")
    assert what_line("Credo.Check.Readability.LargeNumbers") == what_line("Readability.LargeNumbers")
    assert what_line("DOS.StringToAtom")
    assert what_line("No.Such.Check") == ""


def test_repair_loop_fixes_a_finding() -> None:
    model = ScriptedModel([["numbers |> Enum.sum() |> Kernel.*(100000)\n  end\n"],
                           ["numbers |> Enum.sum() |> Kernel.*(100_000)\n  end\n"]])
    outcome = generate_checked(model, site(), n=1, use_elixir=shutil.which("elixir") is not None)
    assert outcome.ok and outcome.rounds == 2
    assert outcome.candidate is not None and "100_000" in outcome.candidate.code
    assert outcome.tried[0].stage == "credo"
    repair = model.prompts[1]
    assert "# Request: @doc" in repair and "100000" in repair and "Readability.LargeNumbers" in repair
    assert what_line("Readability.LargeNumbers") in repair  # each finding comes with its explanation
    assert outcome.edited_text is not None and "100_000" in outcome.edited_text


def test_repair_loop_gives_up_with_a_clear_failure() -> None:
    model = ScriptedModel([["String.to_atom(numbers)\n  end\n", "(\n  end\n"]])
    outcome = generate_checked(model, site(), n=2, max_repairs=3, use_elixir=False)
    assert not outcome.ok and outcome.candidate is None
    assert outcome.rounds == 4 and len(model.prompts) == 4  # one round and three repairs, then it stops
    assert any("DOS.StringToAtom" in p for p in outcome.remaining)
    assert "no clean implementation after 4 round(s)" in outcome.summary()
    empty = generate_checked(ScriptedModel([[""]]), site(), n=1, max_repairs=1, use_elixir=False)
    assert not empty.ok and empty.rounds == 2 and empty.tried == []
    assert "no usable function" in empty.summary()


def test_repair_prompt_lists_findings() -> None:
    cand = Candidate("  def average(numbers) do\n    String.to_atom(numbers)\n  end\n", problems=[
        "line 2: DOS.StringToAtom: DOS.StringToAtom: Unsafe `String.to_atom` (Sobelow, low confidence)"],
        findings=[("DOS.StringToAtom", "x")], stage="sobelow")
    text = repair_prompt(site(), cand)
    assert text.splitlines()[-1] == "  # Corrected version:"
    assert "  #   - line 2: DOS.StringToAtom" in text
