"""The test-generation suite: items validate, the reference run passes and scores in real Elixir."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from elixir_coder.benchmarks import test_gen
from elixir_coder.benchmarks.schema import SuiteError
from elixir_coder.benchmarks.test_gen import extract_tests, load_suite, validate_item

needs_elixir = pytest.mark.skipif(shutil.which("elixir") is None, reason="needs `elixir` on PATH")


def test_fifty_items_validate_and_are_varied() -> None:
    items = load_suite()
    assert len(items) == 50
    assert [i.id for i in items] == [f"TG{n:03d}" for n in range(1, 51)]
    topics = Counter(i.topic for i in items)
    assert set(topics) == set(test_gen.TOPICS)
    assert topics["genserver"] >= 3
    assert set(Counter(i.level for i in items)) == set(test_gen.LEVELS)
    assert set(Counter(i.difficulty for i in items)) == set(test_gen.DIFFICULTIES)
    for i in items:
        assert i.prompt.endswith(f"defmodule {i.module_name}Test do\n  use ExUnit.Case\n")


def test_malformed_items_are_reported_all_at_once(tmp_path: Path) -> None:
    good = json.loads((test_gen.SUITE_DIR / "TG001.json").read_text())
    (tmp_path / "TG001.json").write_text(json.dumps({**good, "level": "galaxy"}))
    (tmp_path / "TG002.json").write_text("{not json")
    (tmp_path / "TG003.json").write_text(json.dumps({**good, "id": "TG003", "tests": "defmodule X do\nend\n"}))
    with pytest.raises(SuiteError) as info:
        load_suite(tmp_path)
    text = "\n".join(info.value.errors)
    assert "TG001.json: level 'galaxy'" in text
    assert "TG002.json: unreadable JSON" in text
    assert "TG003.json: tests must be the module ShapesTest" in text
    assert validate_item([1]) == ["<item>: expected a JSON object, got list"]


def test_extract_tests_salvages_a_cut_completion() -> None:
    item = load_suite()[0]
    completion = (
        '  test "square" do\n    assert Shapes.area({:square, 2}) == 4\n  end\n\n'
        '  test "half" do\n    assert Shapes.area({:rect'
    )
    tests = extract_tests(item, completion)
    assert tests == (item.test_head + '  test "square" do\n    assert Shapes.area({:square, 2}) == 4\n  end\n\nend\n')
    # a complete module followed by chatter is cut at the next defmodule / fence
    full = '  test "t" do\n    assert true\n  end\nend\n```\nmore'
    assert extract_tests(item, full) == item.test_head + '  test "t" do\n    assert true\n  end\nend\n'
    assert extract_tests(item, "%%%%") == item.test_head + "end\n"


def test_repeated_test_names_keep_only_the_first() -> None:
    item = load_suite()[0]
    completion = ('  test "a" do\n    assert 1 == 1\n  end\n\n  test "a" do\n    assert 2 == 2\n  end\n\n'
                  '  test "b" do\n    assert 3 == 3\n  end\nend\n')
    tests = extract_tests(item, completion)
    assert tests.count('test "a"') == 1 and "assert 2 == 2" not in tests
    assert 'test "b"' in tests and "assert 1 == 1" in tests


@needs_elixir
def test_reference_run_on_three_items_passes_with_scores() -> None:
    items = [i for i in load_suite() if i.id in ("TG001", "TG036", "TG048")]
    result = test_gen.run(items, jobs=2)
    assert result["mode"] == "reference"
    gt = result["summary"]["ground_truth"]
    assert gt["suites_passing"] == 3
    for row in result["items"]:
        assert row["ground_truth"]["outcome"] == "passed"
        assert row["mutants"] > 0
        assert 0.5 <= row["ground_truth"]["mutation_score"] <= 1.0
        assert row["ground_truth"]["killed"] + row["ground_truth"]["survived"] + row["ground_truth"]["stillborn"] \
            == row["mutants"]
    assert 0.5 <= gt["mean_mutation_score"] <= 1.0


@needs_elixir
def test_model_mode_scores_generated_tests_against_the_ground_truth() -> None:
    # a generate function that writes the first ground-truth test (a real completion text,
    # no model needed): its suite must pass and score at most the full ground truth's score
    item = next(i for i in load_suite() if i.id == "TG042")
    body = item.tests.split("use ExUnit.Case\n", 1)[1]
    first_test = body.split("\n\n  test", 1)[0] + "\nend\n"

    result = test_gen.run([item], lambda prompt: first_test, model_id="fixed-text", jobs=1)
    row = result["items"][0]
    gen, gt = row["generated"], row["ground_truth"]
    assert gen["outcome"] == "passed"
    assert gen["tests_total"] == 1
    assert 0 < gen["mutation_score"] <= gt["mutation_score"]
    assert result["summary"]["generated"]["pass_rate"] == 1.0

    broken = test_gen.run([item], lambda prompt: '  test "x" do\n    assert FizzBuzz.say(3) == "Buzz"\n  end\n',
                          model_id="wrong", jobs=1)
    g = broken["items"][0]["generated"]
    assert g["outcome"] == "assertion_failure"
    assert g["mutation_score"] == 0.0
    assert g["killed"] == 0


@needs_elixir
def test_vacuous_and_self_nesting_tests_kill_nothing() -> None:
    # what the shipped small model tends to write: an empty test, and a test that defines
    # another test module whose test has the same name (it must not be confused with ours)
    item = next(i for i in load_suite() if i.id == "TG029")
    completion = (
        '  test "empty" do\n  end\n\n'
        '  test "nested" do\n    defmodule InnerTest do\n      use ExUnit.Case\n\n'
        '      test "nested" do\n        assert 1 == 2\n      end\n    end\n  end\nend\n'
    )
    result = test_gen.run([item], lambda prompt: completion, model_id="vacuous", jobs=1)
    gen = result["items"][0]["generated"]
    assert gen["outcome"] == "passed"
    assert gen["assertions"] == 1  # only the inner module's
    assert gen["killed"] == 0
    assert gen["mutation_score"] == 0.0
    assert result["summary"]["generated"]["suites_passing"] == 1
