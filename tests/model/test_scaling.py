"""The scaling study: one size trained for a CPU budget, exported, evaluated on held-out repositories and timed
through the real server; the ship-size rule and the report."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from elixir_coder.training.config import load_preset  # noqa: E402
from elixir_coder.training.corpus import CorpusOptions, build_corpus, default_sources, read_documents  # noqa: E402
from elixir_coder.training.scaling import choose, loss_at, render, study, wilson  # noqa: E402
from elixir_coder.training.tokenizer import save_tokenizer, train_tokenizer  # noqa: E402


def _run(em: float, p95: float | None) -> dict:
    row = {"held_out": {"line_start": {"exact_match": em, "edit_similarity": em}}}
    if p95 is not None:
        row["latency"] = {"p95_ms": p95}
    return row


def test_the_ship_size_is_the_best_one_within_the_latency_target():
    runs = {"small": _run(0.05, 40.0), "deep-15m": _run(0.07, 48.0), "deep-30m": _run(0.09, 120.0)}
    assert choose(runs)["preset"] == "deep-15m"
    assert choose(runs)["within_latency_target"] == ["deep-15m", "small"]
    slow = {"small": _run(0.05, 80.0), "deep-30m": _run(0.09, 200.0)}
    assert choose(slow)["preset"] == "deep-30m" and "no size met" in choose(slow)["reason"]


def test_loss_at_a_cpu_mark_and_wilson_interval():
    curve = [{"cpu_min": 1.0, "val_loss": 5.0}, {"cpu_min": 2.5, "val_loss": 4.0}]
    assert loss_at(curve, 0.5) is None and loss_at(curve, 2.0) == 5.0 and loss_at(curve, 3.0) == 4.0
    low, high = wilson(5, 100)
    assert 0.0 < low < 0.05 < high < 0.12
    assert wilson(0, 0) == (0.0, 0.0)


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("scaling")
    corpus = root / "corpus"
    build_corpus(default_sources(include_debian=False), corpus, CorpusOptions(), log=lambda *_: None)
    # The study evaluates on the test split; this small corpus has none, so its validation files stand in.
    (corpus / "test.jsonl").write_text((corpus / "valid.jsonl").read_text())
    texts = [r["text"] for r in read_documents(corpus, "train")]
    save_tokenizer(train_tokenizer(texts, vocab_size=load_preset("tiny").tokenizer.vocab_size), root / "tok")
    return root


def test_a_study_trains_exports_evaluates_and_times_through_the_server(tiny_build):
    root = tiny_build
    result = study(root / "work", root / "corpus", root / "tok", ["tiny"], cpu_limit_min=0.02, eval_cases=12,
                   latency_cases=4, seed=3, threads=1)
    run = result["runs"]["tiny"]
    assert run["steps"] > 0 and run["cpu_min"] >= 0.02
    assert (root / "work" / "tiny" / "int8" / "model.bin").is_file()
    for where in ("line_start", "mid_line"):
        assert run["held_out"][where]["cases"] > 0
        low, high = run["held_out"][where]["ci95"]
        assert low <= run["held_out"][where]["exact_match"] <= high
    assert run["latency"]["n"] >= 1 and run["latency"]["p95_ms"] > 0
    assert result["choice"]["preset"] == "tiny"
    saved = json.loads((root / "work" / "scaling.json").read_text())
    assert saved["runs"]["tiny"]["params"] == run["params"]
    # A second study reuses the finished run instead of training again.
    # With a reference model (here the run's own export) measured the same way, for scale.
    again = study(root / "work", root / "corpus", root / "tok", ["tiny"], cpu_limit_min=0.02, eval_cases=12,
                  latency_cases=4, seed=3, threads=1, measure_latency=False,
                  reference=root / "work" / "tiny" / "int8")
    assert again["runs"]["tiny"]["steps"] == run["steps"]
    assert again["reference"]["held_out"] == run["held_out"]
    assert (root / "work" / "reference").is_dir() and not list((root / "work" / "tiny" / "int8").glob("held_out*"))
    assert "(reference, longer training)" in render(again, "elixir-coder train scaling")
    report = render(result, "elixir-coder train scaling --presets tiny")
    assert "| tiny | 2 x 64 |" in report and "Chosen: **tiny**" in report
