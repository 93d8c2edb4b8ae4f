"""ElixirEval: the suite's schema, the execution runner's outcome classes (real Elixir), the cache.

The full reference run (all 120 problems: 37 s on 2 idle cores, about a minute on a busy
machine) is marked `slow`; it runs by default, and `-m "not slow"` or ELIXIR_EVAL_FULL=0
skips it. `elixir-coder bench elixir-eval --reference` does the same from the command line.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from elixir_coder.benchmarks import elixir_eval
from elixir_coder.benchmarks.elixir_eval import (
    Problem,
    build_solution,
    load_suite,
    validate_problem,
)
from elixir_coder.benchmarks.execution import (
    ExecutionJob,
    ExecutionLimits,
    ResultCache,
    classify_output,
    run_many,
    run_solution,
    sample_digest,
)
from elixir_coder.benchmarks.schema import SuiteError

needs_elixir = pytest.mark.skipif(shutil.which("elixir") is None, reason="needs the elixir executable")

SUITE = load_suite()

TESTS = """\
defmodule CalcTest do
  use ExUnit.Case

  test "adds" do
    assert Calc.add(1, 2) == 3
  end

  test "adds negatives" do
    assert Calc.add(-1, -2) == -3
  end
end
"""

SOLUTIONS = {
    "passed": "defmodule Calc do\n  def add(a, b), do: a + b\nend\n",
    "assertion_failure": "defmodule Calc do\n  def add(a, b), do: a - b\nend\n",
    "syntax_error": "defmodule Calc do\n  def add(a, b) do\n    a +\nend\n",
    "compile_error": "defmodule Calc do\n  def add(a, b), do: plus(a, b)\nend\n",
    "exception": "defmodule Calc do\n  def add(_a, _b), do: raise(ArgumentError, \"no\")\nend\n",
    "raises_at_load": "defmodule Calc do\n  def add(a, b), do: a + b\nend\nraise \"boom\"\n",
}


# --------------------------------------------------------------------------- the suite


def test_suite_size_and_mix() -> None:
    assert len(SUITE) >= 120
    levels = Counter(p.level for p in SUITE)
    assert levels == {"function": 70, "module": 20, "otp": 18, "phoenix_style": 12}
    assert set(Counter(p.topic for p in SUITE)) == set(elixir_eval.TOPICS)
    assert set(Counter(p.difficulty for p in SUITE)) == set(elixir_eval.DIFFICULTIES)
    assert len({p.id for p in SUITE}) == len(SUITE)


@pytest.mark.parametrize("problem", SUITE, ids=lambda p: p.id)
def test_every_problem_is_valid(problem: Problem) -> None:
    doc = {f: getattr(problem, f) for f in elixir_eval.FIELDS}
    assert validate_problem(doc, problem.id) == []
    assert build_solution(problem, problem.canonical_completion) == problem.reference
    assert problem.prompt.rstrip().endswith("do")


def _doc(**overrides: object) -> dict:
    doc = {f: getattr(SUITE[0], f) for f in elixir_eval.FIELDS}
    doc.update(overrides)
    return doc


def test_schema_errors_are_specific() -> None:
    assert validate_problem([], "x.json") == ["x.json: expected a JSON object, got list"]
    errors = validate_problem({k: v for k, v in _doc(extra=1).items() if k != "tests"}, "x.json")
    assert "x.json: missing field(s) tests" in errors
    assert "x.json: unknown field(s) extra" in errors
    assert any("level 'lib'" in e for e in validate_problem(_doc(level="lib"), "x"))
    assert any("topic 'genserver' belongs to level 'otp'" in e for e in validate_problem(_doc(topic="genserver"), "x"))
    assert any("entry_point" in e for e in validate_problem(_doc(entry_point="next_light"), "x"))
    assert any("must start with the prompt" in e for e in validate_problem(_doc(reference="defmodule X do\nend\n"), "x"))
    assert any("ExUnit module" in e for e in validate_problem(_doc(tests="IO.puts 1"), "x"))


def test_load_suite_reports_every_bad_file(tmp_path: Path) -> None:
    good = _doc()
    (tmp_path / f"{good['id']}.json").write_text(json.dumps(good))
    (tmp_path / "EE998.json").write_text(json.dumps(_doc(id="EE998", difficulty="extreme")))
    (tmp_path / "EE999.json").write_text("{not json")
    with pytest.raises(SuiteError) as info:
        load_suite(tmp_path)
    assert len(info.value.errors) == 2
    assert "EE998.json: difficulty 'extreme'" in str(info.value)
    assert "EE999.json: unreadable JSON" in str(info.value)
    with pytest.raises(SuiteError, match="no problem files"):
        load_suite(tmp_path / "empty")


def test_truncation_cuts_tests_and_fences() -> None:
    completion = "    :ok\n  end\nend\n\ndefmodule TrafficTest do\n  use ExUnit.Case\nend\n"
    assert elixir_eval.truncate_completion(completion) == "    :ok\n  end\nend\n\n"
    assert elixir_eval.truncate_completion("x\nend\n```\nmore") == "x\nend\n"
    assert elixir_eval.truncate_completion("x\nend\nExUnit.start()\n") == "x\nend\n"
    assert elixir_eval.truncate_completion("  defmodule Inner do\nend\n") == "  defmodule Inner do\nend\n"


# --------------------------------------------------------------------------- classification (pure)


def test_classify_output_rules() -> None:
    tag = "T"
    loaded = "T solution_loaded\nT tests_loaded\n"
    ok = classify_output(loaded + 'T test passed :"test a"\nT summary total=1 failures=0\n', 0, tag)
    assert ok.outcome == "passed" and ok.tests_passed == 1
    mixed = loaded + 'T test assertion_failure :"test a"\nT test exception :"test b"\nT summary total=2 failures=2\n'
    assert classify_output(mixed, 2, tag).outcome == "exception"
    assert classify_output("** (SyntaxError) main.exs:3:1: syntax error", 1, tag).outcome == "syntax_error"
    assert classify_output("T solution_loaded\n** (CompileError) main.exs:9: unknown struct", 1, tag).outcome == "syntax_error"
    assert classify_output("** (RuntimeError) boom", 1, tag).outcome == "exception"
    assert classify_output(loaded, None, tag, timed_out=True).outcome == "timeout"
    # forged tags without the nonce do not count
    assert classify_output("X solution_loaded\nX tests_loaded\nX summary total=1 failures=0\n", 0, tag).outcome == "exception"


# --------------------------------------------------------------------------- real Elixir


@needs_elixir
@pytest.mark.elixir
@pytest.mark.parametrize("kind", sorted(SOLUTIONS))
def test_runner_classifies_outcomes(kind: str) -> None:
    result = run_solution(SOLUTIONS[kind], TESTS, ExecutionLimits(wall_time_s=30))
    expected = {"compile_error": "syntax_error", "raises_at_load": "exception"}.get(kind, kind)
    assert result.outcome == expected, result.output_tail
    if kind in ("passed", "assertion_failure", "exception"):
        assert result.tests_total == 2
        assert result.tests_passed == (2 if kind == "passed" else 0)
    assert result.passed == (kind == "passed")


@needs_elixir
@pytest.mark.elixir
def test_runner_times_out_infinite_loops() -> None:
    looping = "defmodule Calc do\n  def add(a, b), do: loop(a + b)\n  defp loop(x), do: loop(x)\nend\n"
    result = run_solution(looping, TESTS, ExecutionLimits(wall_time_s=3))
    assert result.outcome == "timeout"
    assert result.duration_s < 10
    # ExUnit's own per-test timeout (shorter than the wall time) also counts as a timeout
    result = run_solution(looping, TESTS, ExecutionLimits(wall_time_s=30, test_timeout_ms=500))
    assert result.outcome == "timeout"
    assert result.duration_s < 10


@needs_elixir
@pytest.mark.elixir
def test_runner_sandbox() -> None:
    probe = """\
defmodule Calc do
  def add(a, b), do: a + b
  def env, do: {System.get_env("HOME"), File.cwd!(), System.get_env("HTTP_PROXY"), System.get_env("SECRET_TOKEN")}
end
"""
    tests = """\
defmodule CalcTest do
  use ExUnit.Case
  test "sandbox" do
    {home, cwd, proxy, secret} = Calc.env()
    assert home == cwd
    assert proxy == nil and secret == nil
    assert String.contains?(cwd, "elixir-eval-")
  end
end
"""
    os.environ["SECRET_TOKEN"] = "do-not-leak"
    os.environ["HTTP_PROXY"] = "http://proxy.invalid:1"
    try:
        result = run_solution(probe, tests, ExecutionLimits(wall_time_s=30))
    finally:
        del os.environ["SECRET_TOKEN"], os.environ["HTTP_PROXY"]
    assert result.outcome == "passed", result.output_tail
    # a memory hog dies against the address-space limit instead of taking the machine down
    hog = "defmodule Calc do\n  def add(_, _), do: byte_size(:binary.copy(\"a\", 4_000_000_000))\nend\n"
    assert run_solution(hog, TESTS, ExecutionLimits(wall_time_s=30, memory_mb=1536)).outcome == "exception"


@needs_elixir
@pytest.mark.elixir
def test_struct_defined_by_solution_is_visible_to_tests() -> None:
    solution = "defmodule Pt do\n  defstruct x: 0\n  def new(x), do: %Pt{x: x}\nend\n"
    tests = 'defmodule PtTest do\n  use ExUnit.Case\n  test "s" do\n    assert %Pt{x: 2} = Pt.new(2)\n  end\nend\n'
    assert run_solution(solution, tests).outcome == "passed"
    # a solution that lacks the struct fails to compile the tests: a compile error, not a crash
    missing = "defmodule Pt do\n  def new(x), do: x\nend\n"
    assert run_solution(missing, tests).outcome == "syntax_error"


@needs_elixir
@pytest.mark.elixir
def test_cache_hits_and_keys(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    jobs = [ExecutionJob("P1", SOLUTIONS["passed"], TESTS), ExecutionJob("P1", SOLUTIONS["assertion_failure"], TESTS)]
    first = run_many(jobs, model_version="m1", cache=cache, max_workers=2)
    assert [r.outcome for r in first] == ["passed", "assertion_failure"]
    assert not any(r.cached for r in first)
    second = run_many(jobs, model_version="m1", cache=cache)
    assert [r.outcome for r in second] == ["passed", "assertion_failure"]
    assert all(r.cached for r in second)
    # another model version or changed tests miss the cache
    digest = sample_digest(SOLUTIONS["passed"], TESTS)
    assert cache.get("m2", "P1", digest) is None
    assert cache.get("m1", "P1", sample_digest(SOLUTIONS["passed"], TESTS + "\n")) is None
    assert cache.get("m1", "P1", digest).outcome == "passed"
    # a corrupt entry is a miss, not an error
    cache.path("m1", "P1", digest).write_text("{oops")
    assert cache.get("m1", "P1", digest) is None


@needs_elixir
@pytest.mark.elixir
def test_evaluate_with_fake_models(tmp_path: Path) -> None:
    problems = [p for p in SUITE if p.id in ("EE001", "EE011", "EE091")]
    calls: list[tuple[str, int, int]] = []

    def oracle(prompt: str, n: int, seed: int) -> list[str]:
        calls.append((prompt, n, seed))
        problem = next(p for p in problems if p.prompt == prompt)
        return [problem.canonical_completion, "    :wrong\n  end\nend\n"] + ["garbage ((("] * (n - 2)

    result = elixir_eval.evaluate(oracle, n_samples=3, k_values=(1, 2, 10), seed=5, model_id="fake",
                                  problems=problems, cache=ResultCache(tmp_path), n_bootstrap=200)
    assert result.k_values == [1, 2]
    assert len(calls) == 3 and all(n == 3 for _, n, _ in calls)
    for pr in result.problems:
        assert pr.c == 1
        assert pr.results[0].outcome == "passed"
        assert pr.results[2].outcome == "syntax_error"
    assert result.pass_at_k[1].estimate == pytest.approx(1 / 3)
    assert result.pass_at_k[2].estimate == pytest.approx(2 / 3)
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["seed"] == 5 and doc["model_id"] == "fake"
    assert doc["breakdown"]["level"]["otp"]["problems"] == 1
    # a one-argument backend works too, and seeds are stable
    again = elixir_eval.evaluate(lambda prompt: [""], n_samples=1, k_values=(1,), problems=problems[:1],
                                 n_bootstrap=50)
    assert again.pass_at_k[1].estimate == 0.0
    assert elixir_eval.problem_seed(5, "EE001") == elixir_eval.problem_seed(5, "EE001")


@needs_elixir
@pytest.mark.elixir
def test_reference_sample_runs() -> None:
    """A few references of every level, through the same path as model samples."""
    sample = [p for p in SUITE if p.id in ("EE005", "EE040", "EE081", "EE094", "EE112", "EE120")]
    report = elixir_eval.run_reference(sample)
    assert report.ok, {pid: r.output_tail for pid, r in report.failures.items()}


@needs_elixir
@pytest.mark.elixir
@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("ELIXIR_EVAL_FULL") == "0", reason="ELIXIR_EVAL_FULL=0")
def test_every_reference_passes() -> None:
    report = elixir_eval.run_reference()
    assert report.ok, {pid: f"{r.outcome}: {r.detail}" for pid, r in report.failures.items()}


def test_tagged_lines_after_exunit_progress_dots_are_read() -> None:
    from elixir_coder.benchmarks.execution import classify_output

    tag = "__T__"
    out = f"{tag} solution_loaded\n{tag} tests_loaded\n..{tag} test passed :a\n{tag} test passed :b\n{tag} summary total=2 failures=0\n"
    result = classify_output(out, 0, tag)
    assert result.tests_passed == 2 and result.test_outcomes == {":a": "passed", ":b": "passed"}
