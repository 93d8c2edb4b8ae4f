"""Benchmark statistics: pass@k against enumeration, McNemar on known tables, bootstrap, power."""

from __future__ import annotations

import itertools
import math

import pytest

from elixir_coder.benchmarks import stats


def brute_force_pass_at_k(n: int, c: int, k: int) -> float:
    """Share of all k-subsets of n samples (c of them passing) that contain a pass."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(samples[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize("n", [1, 2, 5, 8, 10])
def test_pass_at_k_matches_enumeration(n: int) -> None:
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert stats.pass_at_k(n, c, k) == pytest.approx(brute_force_pass_at_k(n, c, k), abs=1e-12)


def test_pass_at_k_closed_forms_and_stability() -> None:
    assert stats.pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert stats.pass_at_k(10, 0, 10) == 0.0
    assert stats.pass_at_k(10, 1, 10) == 1.0
    # large n: the product form agrees with exact big-integer binomials
    n, c, k = 1000, 7, 100
    exact = 1 - math.comb(n - c, k) / math.comb(n, k)
    assert stats.pass_at_k(n, c, k) == pytest.approx(exact, rel=1e-12)
    assert stats.mean_pass_at_k([(10, 10), (10, 0)], 1) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        stats.pass_at_k(5, 6, 1)
    with pytest.raises(ValueError):
        stats.pass_at_k(5, 1, 6)


def test_mcnemar_exact_known_tables() -> None:
    assert stats.mcnemar_exact(0, 0) == 1.0
    assert stats.mcnemar_exact(3, 3) == 1.0
    # b=0, c=5: two-sided p = 2 * 0.5**5
    assert stats.mcnemar_exact(0, 5) == pytest.approx(0.0625)
    # b=1, c=9: 2 * (1 + 10) / 1024
    assert stats.mcnemar_exact(1, 9) == pytest.approx(22 / 1024)
    assert stats.mcnemar_exact(9, 1) == stats.mcnemar_exact(1, 9)
    # b=2, c=8: 2 * (1 + 10 + 45) / 1024
    assert stats.mcnemar_exact(2, 8) == pytest.approx(112 / 1024)
    r = stats.mcnemar_from_outcomes([True, True, False, False, True], [True, False, True, False, False])
    assert (r.b, r.c, r.n_both, r.n_neither) == (2, 1, 1, 1)
    assert r.p_value == pytest.approx(1.0)


def test_bootstrap_is_deterministic_and_brackets_the_mean() -> None:
    values = [1.0] * 30 + [0.0] * 70
    a = stats.bootstrap_ci(values, seed=7)
    b = stats.bootstrap_ci(values, seed=7)
    c = stats.bootstrap_ci(values, seed=8)
    assert a == b
    assert abs(a.low - c.low) <= 0.03  # another seed: a different but close interval
    smooth = [(i * 37 % 101) / 101 for i in range(60)]
    assert stats.bootstrap_ci(smooth, seed=1) != stats.bootstrap_ci(smooth, seed=2)
    assert a.estimate == pytest.approx(0.3)
    assert a.low < 0.3 < a.high
    assert 0.18 < a.low and a.high < 0.42
    assert stats.bootstrap_ci([0.5]) == stats.Interval(0.5, 0.5, 0.5)


def test_paired_bootstrap_diff() -> None:
    a = [1.0] * 40 + [0.0] * 60
    b = [1.0] * 20 + [0.0] * 80
    interval, p = stats.paired_bootstrap_diff(a, b, seed=3)
    assert interval.estimate == pytest.approx(0.2)
    assert interval.low > 0 and p < 0.01
    assert stats.paired_bootstrap_diff(a, b, seed=3) == (interval, p)
    same, p_same = stats.paired_bootstrap_diff(a, a)
    assert same.estimate == 0.0 and p_same == 1.0


def test_effect_sizes() -> None:
    assert stats.cohens_h(0.5, 0.5) == 0.0
    assert stats.cohens_h(1.0, 0.0) == pytest.approx(math.pi)
    assert stats.cohens_h(0.3, 0.5) == pytest.approx(-stats.cohens_h(0.5, 0.3))
    assert stats.paired_odds_ratio(6, 3) == 2.0
    assert stats.paired_odds_ratio(4, 0) == pytest.approx(4.5 / 0.5)


def test_holm_bonferroni() -> None:
    adjusted, rejected = stats.holm_bonferroni([0.01, 0.04, 0.03, 0.005])
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert rejected == [True, False, False, True]
    assert stats.holm_bonferroni([]) == ([], [])


def test_power_and_sample_size_agree() -> None:
    n = stats.mcnemar_sample_size(0.15, 0.05, alpha=0.05, power=0.8)
    assert 100 < n < 200
    assert stats.mcnemar_power(n, 0.15, 0.05) >= 0.8
    assert stats.mcnemar_power(n - 5, 0.15, 0.05) < 0.8
    assert stats.mcnemar_power(10_000, 0.15, 0.05) > 0.999
    with pytest.raises(ValueError):
        stats.mcnemar_sample_size(0.1, 0.1)
