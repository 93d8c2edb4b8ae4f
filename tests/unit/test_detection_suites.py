"""Credo and Sobelow detection suites: sample schema, the P/R/F1 scorer, and full runs of our analyzer."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from elixir_coder.analysis.sobelow.base import FINDING_TYPES
from elixir_coder.benchmarks.detection import (
    CREDO_CATEGORIES,
    DATA,
    SOBELOW_CWE,
    Counts,
    Found,
    Label,
    SuiteError,
    averages,
    group_counts,
    known_checks,
    load_suite,
    match,
    parse_sample,
    run_and_report,
    run_suite,
    tally,
    write_report,
)

# --- the sample files ------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["credo", "sobelow"])
def test_every_sample_file_is_valid(suite: str) -> None:
    samples = load_suite(suite)  # raises SuiteError on any schema problem, bad line or unknown check
    assert len(samples) >= 100
    assert len({s.id for s in samples}) == len(samples)
    kinds = Counter(s.kind for s in samples)
    assert kinds["positive"] >= 60 and kinds["negative"] + kinds["near_miss"] >= 20
    for s in samples:
        lines = {f.path: f.source.splitlines() for f in s.files}
        assert 5 <= len(lines[s.path]) <= 60 or s.path.endswith("mix.lock"), s.id
        for label in s.labels:
            assert label.check in known_checks(suite)
            if label.line:
                assert 1 <= label.line <= len(lines[label.file])


def test_credo_suite_covers_all_categories_and_enabled_checks() -> None:
    samples = load_suite("credo")
    checks = {lb.check for s in samples for lb in s.labels}
    categories = known_checks("credo")
    assert {categories[c] for c in checks} == set(CREDO_CATEGORIES)
    # every check Credo enables by default has a labelled finding, except LongQuoteBlocks (150+ lines)
    from elixir_coder.analysis.checks import load_checks

    enabled = {n for n, cls in load_checks().items() if cls.enabled_by_default}
    assert enabled - checks == {"Credo.Check.Refactor.LongQuoteBlocks"}
    paths = {s.path.split("/")[0] for s in samples}
    assert {"lib", "test", "config"} <= paths


def test_sobelow_suite_covers_every_type_and_confidence() -> None:
    samples = load_suite("sobelow")
    types = {lb.check for s in samples for lb in s.labels}
    assert types == set(SOBELOW_CWE)
    assert {t.module for t in FINDING_TYPES} == set(SOBELOW_CWE)
    assert {lb.confidence for s in samples for lb in s.labels} == {"high", "medium", "low"}
    assert any(lb.line == 0 for s in samples for lb in s.labels)  # whole-config and dependency findings


def test_sample_files_name_their_id() -> None:
    for suite in ("credo", "sobelow"):
        for path in (DATA / suite).glob("*.json"):
            assert json.loads(path.read_text())["id"] == path.stem


GOOD = {"id": "x", "suite": "credo", "kind": "positive", "description": "d", "path": "lib/a.ex",
        "source": "defmodule A do\n  @moduledoc false\n  @x 100000\nend\n",
        "expected": [{"check": "Credo.Check.Readability.LargeNumbers", "line": 3}]}


@pytest.mark.parametrize(("change", "message"), [
    ({"expected": [{"check": "Credo.Check.Readability.Nope", "line": 2}]}, "unknown check"),
    ({"expected": [{"check": "Credo.Check.Readability.LargeNumbers", "line": 9}]}, "outside"),
    ({"expected": [{"check": "Credo.Check.Readability.LargeNumbers", "line": 3, "file": "lib/b.ex"}]}, "not part"),
    ({"kind": "negative"}, "kind 'negative'"),
    ({"kind": "odd"}, "kind 'odd'"),
    ({"path": "../escape.ex"}, "inside the project"),
    ({"suite": "sobelow"}, "suite is"),
    ({"enable": ["Credo.Check.Warning.Nope"]}, "cannot enable"),
])
def test_parse_sample_rejects_bad_samples(change: dict, message: str) -> None:
    with pytest.raises(SuiteError, match=message):
        parse_sample({**GOOD, **change}, "credo")
    broken = dict(GOOD)
    del broken["source"]
    with pytest.raises(SuiteError, match="missing field 'source'"):
        parse_sample(broken, "credo")


def test_sobelow_labels_need_a_confidence() -> None:
    doc = {"id": "s", "suite": "sobelow", "kind": "positive", "path": "lib/a.ex", "source": "x\n",
           "expected": [{"type": "XSS.Raw", "line": 1}]}
    with pytest.raises(SuiteError, match="confidence"):
        parse_sample(doc, "sobelow")
    doc["expected"][0]["confidence"] = "low"
    assert parse_sample(doc, "sobelow").labels == (Label("XSS.Raw", "lib/a.ex", 1, "low"),)


def test_load_suite_reports_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SuiteError, match="bad.json"):
        load_suite("credo", tmp_path)
    with pytest.raises(SuiteError, match="no sample directory"):
        load_suite("credo", tmp_path / "missing")


# --- the scorer ------------------------------------------------------------------------------------


def test_scorer_on_a_hand_made_example() -> None:
    labels = [Label("A", "f", 1), Label("A", "f", 2), Label("B", "f", 3), Label("D", "f", 4), Label("D", "f", 4)]
    found = [Found("A", "f", 1), Found("A", "f", 5), Found("C", "f", 7), Found("D", "f", 4)]
    outcome = match(labels, found)
    assert sorted(outcome.matched) == [("A", "f", 1), ("D", "f", 4)]
    assert sorted(outcome.false_negatives) == [("A", "f", 2), ("B", "f", 3), ("D", "f", 4)]
    assert outcome.false_positives == [("A", "f", 5), ("C", "f", 7)]
    per = tally([outcome])
    a, b, c, d = per["A"], per["B"], per["C"], per["D"]
    assert (a.tp, a.fp, a.fn, a.precision, a.recall, a.f1) == (1, 1, 1, 0.5, 0.5, 0.5)
    assert (b.precision, b.recall, b.f1) == (None, 0.0, 0.0)
    assert (c.precision, c.recall, c.f1) == (0.0, None, 0.0)
    assert (d.precision, d.recall) == (1.0, 0.5) and d.f1 == pytest.approx(2 / 3)
    avg = averages(per)
    # pooled: TP 2, FP 2, FN 3
    assert avg["micro_precision"] == 0.5 and avg["micro_recall"] == 0.4
    assert avg["micro_f1"] == pytest.approx(round(4 / 9, 4))
    assert avg["macro_precision"] == pytest.approx(round((0.5 + 0.0 + 1.0) / 3, 4))
    assert avg["macro_recall"] == pytest.approx(round((0.5 + 0.0 + 0.5) / 3, 4))
    assert avg["macro_f1"] == pytest.approx(round((0.5 + 0 + 0 + 2 / 3) / 4, 4))
    groups = group_counts(per, {"A": "g1", "B": "g1", "C": "g2"})
    assert (groups["g1"].tp, groups["g1"].fn, groups["g2"].fp, groups["other"].tp) == (1, 2, 1, 1)


def test_scorer_edge_cases() -> None:
    assert match([], []).exact
    assert Counts().f1 is None and averages({})["micro_f1"] is None
    conf = match([Label("XSS.Raw", "f", 3, "high")], [Found("XSS.Raw", "f", 3, "low")])
    assert conf.exact and conf.confidence_mismatches == [("XSS.Raw", 3, "high", "low")]


# --- full runs of our analyzer ---------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["credo", "sobelow"])
def test_suite_runs_end_to_end_and_matches_the_labels(suite: str) -> None:
    result = run_suite(suite)
    assert result.errors == {}
    doc = result.to_dict()
    assert doc["samples"] == len(load_suite(suite))
    # the labels follow the real tools; a disagreement is an analyzer regression or a label to revisit
    assert doc["disagreements"] == []
    assert doc["check_averages"]["micro_f1"] == 1.0
    if suite == "credo":
        assert set(doc["by_category"]) == set(CREDO_CATEGORIES)
    else:
        assert {"CWE-79", "CWE-89", "CWE-78", "CWE-22", "CWE-400", "CWE-94", "CWE-502", "CWE-352"} <= set(doc["by_cwe"])
        assert doc["confidence_agreement"] == 1.0


def test_a_wrong_label_shows_up_as_a_disagreement() -> None:
    sample = parse_sample({**GOOD, "expected": [{"check": "Credo.Check.Readability.LargeNumbers", "line": 1}]},
                          "credo")
    result = run_suite("credo", [sample])
    [d] = result.to_dict()["disagreements"]
    assert d["missed"] == [["Credo.Check.Readability.LargeNumbers", "lib/a.ex", 1]]
    assert d["extra"] == [["Credo.Check.Readability.LargeNumbers", "lib/a.ex", 3]]
    assert result.per_check["Credo.Check.Readability.LargeNumbers"].f1 == 0.0


def test_report_files(tmp_path: Path) -> None:
    results = [run_suite("credo", load_suite("credo")[:5]), run_suite("sobelow", load_suite("sobelow")[:5])]
    md, js = write_report(results, tmp_path)
    text = md.read_text()
    assert "## Credo 1.7" in text and "## Sobelow 0.13" in text and "By CWE" in text
    doc = json.loads(js.read_text())
    assert set(doc["suites"]) == {"credo", "sobelow"}
    assert doc["cwe_mapping"]["Misc.BinToTerm"] == "CWE-502"


def test_cli_entry_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_and_report(["sobelow"], write=False) == 0
    out = capsys.readouterr().out
    assert out.startswith("sobelow: ") and "micro P/R/F1" in out and "CWEs" in out
