"""Statistics for code-generation benchmarks: pass@k, intervals, paired tests, power.

Pure functions over plain Python numbers (no numpy), deterministic given their seeds, so
benchmark reports and the deployment gate compute identical figures everywhere.

Conventions: a *problem-level* value is one number per benchmark problem (e.g. that
problem's pass@1 estimate); intervals resample problems, because problems, not samples,
are the unit that generalises. Paired functions take two equally long sequences aligned
by problem.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist, fmean

_NORMAL = NormalDist()


# --------------------------------------------------------------------------- pass@k


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k estimate for one problem: 1 - C(n-c, k) / C(n, k).

    `n` samples were drawn, `c` of them passed; the estimate is the probability that at
    least one of `k` samples drawn without replacement from those `n` passes. Computed as
    the product 1 - prod_{i=n-c+1..n} (1 - k/i), which never forms the (huge) binomial
    coefficients and stays accurate for large `n`.

    Raises ValueError unless 0 <= c <= n and 1 <= k <= n.
    """
    if not (0 <= c <= n) or not (1 <= k <= n):
        raise ValueError(f"pass_at_k needs 0 <= c <= n and 1 <= k <= n (got n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def mean_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float:
    """Mean over problems of `pass_at_k(n, c, k)`, for `counts` = [(n, c), ...]."""
    if not counts:
        raise ValueError("mean_pass_at_k needs at least one problem")
    return fmean(pass_at_k(n, c, k) for n, c in counts)


# --------------------------------------------------------------------------- bootstrap


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval."""

    estimate: float
    low: float
    high: float
    confidence: float = 0.95

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "confidence": self.confidence}


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (q in [0, 1]) of already sorted values."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def bootstrap_ci(
    values: Sequence[float],
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    statistic: Callable[[Sequence[float]], float] = fmean,
) -> Interval:
    """Percentile bootstrap interval of `statistic` over `values` (resampled with replacement).

    Deterministic for a given seed. With a single value the interval collapses to it.
    """
    if not values:
        raise ValueError("bootstrap_ci needs at least one value")
    rng = random.Random(seed)
    data = list(values)
    n = len(data)
    stats = sorted(statistic([data[rng.randrange(n)] for _ in range(n)]) for _ in range(n_resamples))
    alpha = (1.0 - confidence) / 2.0
    return Interval(statistic(data), _percentile(stats, alpha), _percentile(stats, 1.0 - alpha), confidence)


def paired_bootstrap_diff(
    a: Sequence[float],
    b: Sequence[float],
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[Interval, float]:
    """Paired bootstrap of mean(a) - mean(b), resampling problems (pairs) together.

    Returns the interval and a two-sided bootstrap p-value for "no difference" (twice the
    smaller share of resampled differences on either side of 0, capped at 1).
    """
    if len(a) != len(b):
        raise ValueError("paired_bootstrap_diff needs sequences of equal length")
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    interval = bootstrap_ci(diffs, n_resamples=n_resamples, confidence=confidence, seed=seed)
    rng = random.Random(seed)
    n = len(diffs)
    below = above = 0
    for _ in range(n_resamples):
        m = fmean(diffs[rng.randrange(n)] for _ in range(n))
        if m <= 0:
            below += 1
        if m >= 0:
            above += 1
    p = min(1.0, 2.0 * min(below, above) / n_resamples)
    return interval, p


# --------------------------------------------------------------------------- paired tests


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's exact test on paired pass/fail outcomes.

    `b`: pairs where A passed and B failed; `c`: A failed and B passed; `n_both` and
    `n_neither` are the concordant counts (they do not enter the test).
    """

    b: int
    c: int
    p_value: float
    n_both: int = 0
    n_neither: int = 0


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts `b` and `c`.

    Under the null each discordant pair is A-better with probability 1/2, so the p-value
    is the two-sided binomial tail: min(1, 2 * P[X <= min(b, c)]) with X ~ Bin(b + c, 1/2).
    With no discordant pairs the p-value is 1.
    """
    if b < 0 or c < 0:
        raise ValueError("discordant counts must be non-negative")
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2.0**n
    return min(1.0, 2.0 * tail)


def mcnemar_from_outcomes(a: Sequence[bool], b: Sequence[bool]) -> McNemarResult:
    """McNemar's exact test from paired per-problem outcomes of systems A and B."""
    if len(a) != len(b):
        raise ValueError("mcnemar_from_outcomes needs sequences of equal length")
    pairs = list(zip(a, b, strict=True))
    b_count = sum(1 for x, y in pairs if x and not y)
    c_count = sum(1 for x, y in pairs if y and not x)
    both = sum(1 for x, y in pairs if x and y)
    neither = len(pairs) - b_count - c_count - both
    return McNemarResult(b_count, c_count, mcnemar_exact(b_count, c_count), both, neither)


# --------------------------------------------------------------------------- effect sizes


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h between two proportions: 2·asin(√p1) − 2·asin(√p2).

    Rough reading (Cohen): |h| ≈ 0.2 small, 0.5 medium, 0.8 large.
    """
    for p in (p1, p2):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"proportions must lie in [0, 1] (got {p})")
    return 2.0 * math.asin(math.sqrt(p1)) - 2.0 * math.asin(math.sqrt(p2))


def paired_odds_ratio(b: int, c: int, *, correction: float = 0.5) -> float:
    """Conditional (McNemar) odds ratio b / c, with `correction` added to both when either is 0."""
    if b == 0 or c == 0:
        return (b + correction) / (c + correction)
    return b / c


# --------------------------------------------------------------------------- multiple testing


def holm_bonferroni(p_values: Sequence[float], alpha: float = 0.05) -> tuple[list[float], list[bool]]:
    """Holm's step-down correction.

    Returns (adjusted p-values, rejected) in the input order. The adjusted p-value of the
    i-th smallest p is max over j <= i of min(1, (m - j) · p_(j)) (0-based j), and a
    hypothesis is rejected when its adjusted p-value is <= alpha.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted, [p <= alpha for p in adjusted]


# --------------------------------------------------------------------------- power


def mcnemar_power(n: int, p10: float, p01: float, alpha: float = 0.05) -> float:
    """Approximate power of the two-sided McNemar test with `n` paired problems.

    `p10`: probability a problem is solved by A but not B; `p01`: by B but not A. Uses the
    normal approximation of Connor (1987): with ψ = p10 + p01 and δ = p10 − p01,
    power = Φ((|δ|·√n − z_{1−α/2}·√ψ) / √(ψ − δ²)).
    """
    _check_discordant(p10, p01)
    if n <= 0:
        return 0.0
    psi = p10 + p01
    delta = abs(p10 - p01)
    if delta == 0:
        return alpha
    z_alpha = _NORMAL.inv_cdf(1.0 - alpha / 2.0)
    spread = math.sqrt(max(psi - delta * delta, 1e-12))
    return _NORMAL.cdf((delta * math.sqrt(n) - z_alpha * math.sqrt(psi)) / spread)


def mcnemar_sample_size(p10: float, p01: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Paired problems needed for the McNemar test to reach `power` (Connor 1987, rounded up).

    n = (z_{1−α/2}·√ψ + z_{power}·√(ψ − δ²))² / δ², with ψ = p10 + p01 and δ = p10 − p01.
    Raises ValueError when p10 == p01 (no difference to detect).
    """
    _check_discordant(p10, p01)
    delta = abs(p10 - p01)
    if delta == 0:
        raise ValueError("p10 == p01: no difference to detect")
    psi = p10 + p01
    z_alpha = _NORMAL.inv_cdf(1.0 - alpha / 2.0)
    z_beta = _NORMAL.inv_cdf(power)
    n = (z_alpha * math.sqrt(psi) + z_beta * math.sqrt(psi - delta * delta)) ** 2 / (delta * delta)
    return math.ceil(n - 1e-9)


def _check_discordant(p10: float, p01: float) -> None:
    if p10 < 0 or p01 < 0 or p10 + p01 > 1:
        raise ValueError(f"need p10, p01 >= 0 and p10 + p01 <= 1 (got {p10}, {p01})")
