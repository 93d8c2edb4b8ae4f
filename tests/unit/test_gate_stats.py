"""Statistics of the retraining loop against known values: McNemar, bootstrap coverage, mSPRT under peeking,
KS and the drop test, the gate's rule, and the A/B controller's assignment, rollout and rollback."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import pytest

from elixir_coder.benchmarks import stats
from elixir_coder.model.ab import (
    ABController,
    ABError,
    ABSettings,
    ArmStats,
    always_valid_p,
    arm_stats,
    msprt_lambda,
)
from elixir_coder.model.registry import Registry
from elixir_coder.training.gate import GateSettings, decide, paired_binary, paired_p95
from elixir_coder.training.schedule import ks_two_sample, two_proportion_drop


def test_mcnemar_exact_against_hand_computed_value() -> None:
    # b=1, c=9: P[X <= 1] for X ~ Bin(10, 1/2) is (1 + 10) / 1024, doubled for two sides.
    assert stats.mcnemar_exact(1, 9) == pytest.approx(22 / 1024)
    # b=0, c=6: 2 / 64.
    assert stats.mcnemar_exact(0, 6) == pytest.approx(2 / 64)
    m = paired_binary("x", "success", [True, False, False, False, True], [True, True, True, True, False])
    assert m.discordant == (1, 3) and m.p_value == pytest.approx(stats.mcnemar_exact(1, 3))
    assert m.diff == pytest.approx(0.4) and m.effect_size == pytest.approx(stats.cohens_h(0.8, 0.4))


def test_paired_bootstrap_interval_covers_the_true_difference_about_95_percent() -> None:
    rng = random.Random(7)
    true_diff, hits, sims = 0.1, 0, 300
    for s in range(sims):
        # Paired items: a shared per-item difficulty, plus noise; candidate better by true_diff on average.
        base = [rng.gauss(0, 1) for _ in range(40)]
        a = [x + true_diff + rng.gauss(0, 0.5) for x in base]
        b = [x + rng.gauss(0, 0.5) for x in base]
        iv = stats.bootstrap_ci([x - y for x, y in zip(a, b, strict=True)], n_resamples=400, seed=s)
        hits += iv.low <= true_diff <= iv.high
    coverage = hits / sims
    # Percentile intervals undercover a little at n=40; the binomial SE over 300 runs is about 1.3 points.
    assert 0.90 <= coverage <= 0.985, coverage


def test_msprt_false_positive_rate_under_continuous_peeking() -> None:
    rng = np.random.default_rng(2026)
    experiments, horizon, every, alpha = 1000, 4000, 10, 0.05
    a = rng.random((experiments, horizon)) < 0.3
    b = rng.random((experiments, horizon)) < 0.3  # the null: both arms accept 30%
    ka = np.cumsum(a, axis=1)[:, every - 1 :: every]
    kb = np.cumsum(b, axis=1)[:, every - 1 :: every]
    n = np.broadcast_to(np.arange(every, horizon + 1, every), ka.shape)
    lam = np.where(n >= 100, msprt_lambda(ka, n, kb, n), 1.0)
    # Rejecting at any of the 400 looks where the always-valid p-value (1/Lambda) reaches alpha.
    false_positive_rate = (lam >= 1 / alpha).any(axis=1).mean()
    assert false_positive_rate <= alpha
    # And it does detect a real 5-point difference most of the time.
    b_better = rng.random((experiments, horizon)) < 0.35
    kb2 = np.cumsum(b_better, axis=1)[:, every - 1 :: every]
    power = (np.where(n >= 100, msprt_lambda(ka, n, kb2, n), 1.0) >= 1 / alpha).any(axis=1).mean()
    assert power > 0.8


def test_always_valid_p_is_a_running_minimum() -> None:
    p = always_valid_p([0, 30, 60, 61], [50, 100, 200, 210], [0, 50, 100, 100], [50, 100, 200, 210], burn_in=100)
    assert p[0] == 1.0  # before the burn-in
    assert all(x >= y for x, y in zip(p, p[1:], strict=False))
    assert msprt_lambda(0, 0, 5, 10) == 1.0  # no trials on one arm: no evidence


def test_ks_and_drop_test_against_known_values() -> None:
    d, p = ks_two_sample([1, 2, 3, 4], [5, 6, 7, 8])
    assert d == 1.0
    d2, p2 = ks_two_sample(list(range(100)), list(range(100)))
    assert d2 == 0.0 and p2 == 1.0
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = random.Random(3)
    x = [rng.gauss(0, 1) for _ in range(300)]
    y = [rng.gauss(0.3, 1) for _ in range(250)]
    d3, p3 = ks_two_sample(x, y)
    ref = scipy_stats.ks_2samp(x, y, method="asymp")
    assert d3 == pytest.approx(ref.statistic)
    assert p3 == pytest.approx(ref.pvalue, rel=0.15)
    # 60/100 vs 45/100: z = 0.15 / sqrt(0.525 * 0.475 * 0.02) = 2.1237; one-sided p = 0.01685.
    drop, p_drop = two_proportion_drop(60, 100, 45, 100)
    assert drop == pytest.approx(0.15) and p_drop == pytest.approx(0.01685, abs=2e-4)


def _metric(name: str, role: str, cur: list[bool], cand: list[bool], higher: bool = True):  # noqa: ANN202
    return paired_binary(name, role, cur, cand, higher_is_better=higher, n_bootstrap=200)


def test_gate_rule_deploy_reject_and_need_more_data() -> None:
    settings = GateSettings()
    n = 40
    better = _metric("feedback_exact", "success", [False] * n, [True] * 20 + [False] * 20)
    guard_ok = _metric("syntax_valid", "guardrail", [True] * n, [True] * n)
    lat = paired_p95("latency_p95", [5.0] * n, [5.1] * n, tolerance=2.0, n_bootstrap=200)
    decision, reasons, _ = decide([better, guard_ok, lat], settings)
    assert decision == "deploy" and any("feedback_exact improved" in r for r in reasons)

    # The same improvement with a guardrail significantly worse is rejected.
    guard_bad = _metric("syntax_valid", "guardrail", [True] * n, [True] * 25 + [False] * 15)
    decision, reasons, _ = decide([better, guard_bad, lat], settings)
    assert decision == "reject" and "syntax_valid" in reasons[0]

    # Latency far beyond tolerance is a breach even with better completions.
    slow = paired_p95("latency_p95", [5.0] * n, [50.0] * n, tolerance=2.0, n_bootstrap=200)
    assert decide([better, guard_ok, slow], settings)[0] == "reject"

    # A small lead on few items: not significant, underpowered -> need_more_data with a size.
    lean = _metric("feedback_exact", "success", [False] * 12, [True, True] + [False] * 10)
    decision, reasons, needed = decide([lean, guard_ok], settings)
    assert decision == "need_more_data" and needed is not None and needed > 12
    assert needed == stats.mcnemar_sample_size(0.0, 2 / 12, 0.05, 0.8)

    # Worse on the primary metric and nothing else: reject.
    worse = _metric("feedback_exact", "success", [True, True, True] + [False] * 9, [False] * 12)
    assert decide([worse, guard_ok], settings)[0] == "reject"


def _placeholder_model(root: Path, version: str) -> None:
    # Placeholder files: the registry checks only presence and valid JSON, and these tests never load a model.
    d = root / "versions" / version / "base"
    d.mkdir(parents=True)
    (d / "model.bin").write_bytes(b"placeholder")
    (d / "config.json").write_text("{}")
    (d / "tokenizer.json").write_text("{}")
    (d / "manifest.json").write_text(json.dumps({
        "name": "base", "version": version, "architecture": "llama", "parameters": 1, "vocabulary_size": 1,
        "prompt_format": "plain", "quantization": "int8"}))


@pytest.fixture()
def registry(tmp_path: Path) -> Registry:
    reg = Registry(tmp_path / "models")
    for v in ("v1", "v2"):
        _placeholder_model(reg.root, v)
    reg.promote("v1")
    return reg


def test_ab_assignment_is_stable_and_monotone(registry: Registry) -> None:
    ab = ABController(registry)
    ab.start("v2", steps=(0.1, 0.5, 1.0))
    keys = [(f"user{u}", f"lib/f{f}.ex") for u in range(40) for f in range(10)]
    first = {k: ab.choose(*k) for k in keys}
    assert first == {k: ab.choose(*k) for k in keys}  # same user and file, same version
    share = sum(v == "v2" for v in first.values()) / len(keys)
    # 400 hashed keys at 10%: standard deviation 1.5 points; the assignment salt is per registry, so the
    # bounds are 4 deviations (2.7 failed about once in a hundred runs)
    assert 0.04 <= share <= 0.16
    ab.evaluate({"v1": ArmStats(1000, 300), "v2": ArmStats(200, 60)})  # enough exposure: advance to 50%
    second = {k: ab.choose(*k) for k in keys}
    assert all(second[k] == "v2" for k in keys if first[k] == "v2")  # nobody moves back to control
    assert 0.4 <= sum(v == "v2" for v in second.values()) / len(keys) <= 0.6


def test_ab_rollout_promotes_then_rollback_on_guardrail(registry: Registry) -> None:
    ab = ABController(registry, ABSettings(min_per_step=50))
    ab.start("v2", steps=(0.2, 1.0))
    assert ab.evaluate({"v1": ArmStats(400, 120), "v2": ArmStats(100, 40)})[0] == "advance"
    action, reason = ab.evaluate({"v1": ArmStats(2000, 600), "v2": ArmStats(2000, 800)})
    assert action == "promote" and registry.current_version() == "v2", reason
    assert ab.choose("u", "f") is None  # experiment over

    # A second experiment whose treatment is slower than tolerated is rolled back at once.
    registry.promote("v1")
    ab.start("v2", steps=(0.2, 1.0))
    action, reason = ab.evaluate({"v1": ArmStats(100, 30, latency_p95=10.0), "v2": ArmStats(50, 15, latency_p95=30.0)})
    assert action == "rollback" and "latency" in reason
    assert ab.state().fraction == 0.0 and registry.current_version() == "v1"  # type: ignore[union-attr]

    # Acceptance significantly lower (always-valid p) is a breach too.
    ab.start("v2", steps=(0.5, 1.0))
    assert ab.evaluate({"v1": ArmStats(3000, 1200), "v2": ArmStats(3000, 900)})[0] == "rollback"
    with pytest.raises(ABError):
        ab.evaluate({})
    with pytest.raises(ABError):
        ab.start("v2", steps=(0.5, 0.2))


def test_arm_stats_from_feedback_rows() -> None:
    rows = [{"ts": 1.0, "kind": "completion_shown", "request_id": f"r{i}", "model_version": "v1" if i % 2 else "v2",
             "latency_ms": float(i)} for i in range(20)]
    rows += [{"ts": 2.0, "kind": "completion_accepted", "request_id": f"r{i}", "model_version": None}
             for i in range(0, 20, 4)]
    s = arm_stats(rows)
    assert s["v2"].shown == 10 and s["v2"].accepted == 5 and s["v1"].accepted == 0
    assert s["v1"].latency_p95 == 19.0 and not math.isnan(s["v2"].latency_p95 or 0)


def test_cli_errors_are_one_line(registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from elixir_coder.training.cli_commands import main

    db = str(tmp_path / "fb.sqlite3")
    assert main(["gate", "v9", "--registry", str(registry.root), "--db", db]) == 1
    assert "gate: error:" in capsys.readouterr().err
    assert main(["trainer", "ab", "check", "--registry", str(registry.root), "--db", db]) == 1
    assert "no A/B experiment" in capsys.readouterr().err
    assert main(["trainer", "ab", "start", "v2", "--registry", str(registry.root), "--db", db]) == 0
    assert "v2 gets 5%" in capsys.readouterr().out
    # Not due: 0 events against the default threshold; the decision is logged with its reason.
    assert main(["retrain", "--if-due", "--registry", str(registry.root), "--db", db]) == 0
    assert "not due" in capsys.readouterr().out
    assert "nothing due" in (registry.root / "retrain_decisions.jsonl").read_text()
