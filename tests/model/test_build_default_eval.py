"""The build's held-out evaluation: cursor cases as an editor has them, and the paired ship decision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from elixir_coder.training.build_default import gate_against_current, mid_line_cases, next_line_cases  # noqa: E402

TEXT = "defmodule Shop.Cart do\n  def add(cart, sku) do\n    Map.update(cart, sku, 1, &(&1 + 1))\n  end\nend\n"


def test_line_start_cases_split_after_the_indentation():
    cases = next_line_cases([TEXT], 10, seed=1)
    assert cases
    for prefix, target, suffix in cases:
        assert prefix + target + suffix == TEXT
        assert target == target.strip() and (prefix.endswith("\n") or prefix.endswith(" "))


def test_mid_line_cases_cut_between_lexical_units_inside_a_line():
    cases = mid_line_cases([TEXT] * 5, 20, seed=3)
    assert cases
    for prefix, target, suffix in cases:
        assert prefix + target + suffix == TEXT
        line_start = prefix.rsplit("\n", 1)[-1]
        assert line_start.strip(), "the cursor sits after the line's first unit"
        assert target.strip() and "\n" not in target
        # never inside a word
        assert not (prefix[-1:].isalnum() and target[:1].isalnum())


def test_gate_keeps_the_shipped_model_when_the_candidate_is_the_same(tiny_model: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rec = {"path": "a/b/lib/cart.ex", "source": "s", "slices": [], "text": TEXT * 3, "repo": "a/b"}
    (corpus / "test.jsonl").write_text(json.dumps(rec) + "\n")
    decision = gate_against_current(tiny_model, tiny_model, corpus, n=8, seed=0)
    assert decision["decision"] == "keep current"
    assert decision["difference"] == 0 and decision["current_exact_match"] == decision["candidate_exact_match"]
