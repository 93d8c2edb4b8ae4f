"""The deployment gate: candidate against current on the same held-out items, one decision, a report.

Metrics (each paired item by item, both models run on the same inputs):

- success: `feedback_exact` (the completion equals the accepted target on the newer, held-out
  feedback), `feedback_first_line` (its first line equals the target's first line) and
  `feedback_similarity` (edit similarity to the target, 0..1; paired bootstrap).
- guardrails: `rejected_reproduced` (writes a completion users rejected; lower is better),
  `syntax_valid` (lexically valid Elixir after the prompt, model/constraints.py),
  `corpus_next_line` (next-line exact match on base-corpus files: forgetting), `elixir_eval`
  (pass@1 of a slice of ElixirEval, when asked for) and `latency_p95` (per-completion latency).

Pass/fail metrics use McNemar's exact test on the discordant pairs, a paired bootstrap
interval on the mean difference and Cohen's h; latency uses a paired bootstrap of the p95
difference against a tolerance. Success p-values are Holm-corrected as one family; guardrails
are tested each at alpha without correction, which makes a regression easier to detect
(the cautious direction for a gate).

Rule: `deploy` only when a success metric improved significantly and no guardrail is
significantly worse; `reject` when a guardrail regressed or the test had enough power and
found no improvement; `need_more_data` when the primary metric leans the right way but the test
lacks power, with the number of paired items needed.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elixir_coder.benchmarks import stats
from elixir_coder.model.registry import BASE, Registry
from elixir_coder.training.retrain import TRAINING_DIR, FimExample, read_eval_set

DECISIONS = ("deploy", "reject", "need_more_data")


class GateError(RuntimeError):
    """The gate cannot run: unknown version, no evaluation items."""


@dataclass(frozen=True)
class GateSettings:
    """Thresholds of the gate.

    Args:
        alpha: significance level for every test (success family Holm-corrected).
        power: the power `need_more_data` sizes the sample for.
        min_effect: smallest improvement in the primary metric worth detecting (used for the
            sample size when the data show no discordant pairs yet).
        latency_tolerance: relative p95 latency increase tolerated before the guardrail counts it.
        latency_tolerance_ms: absolute floor of that tolerance (timer noise on small models).
        max_new_tokens: tokens generated per item.
        corpus_cases: next-line cases from the corpus texts (0: skip the guardrail).
        elixir_eval_problems: ElixirEval problems to run (0: skip; None: the whole suite).
        n_bootstrap / seed: bootstrap resamples and their seed.
    """

    alpha: float = 0.05
    power: float = 0.8
    min_effect: float = 0.05
    latency_tolerance: float = 0.25
    latency_tolerance_ms: float = 2.0
    max_new_tokens: int = 32
    corpus_cases: int = 40
    elixir_eval_problems: int | None = 0
    n_bootstrap: int = 2000
    seed: int = 0


@dataclass
class MetricResult:
    """One paired comparison."""

    name: str
    role: str  # "success" | "guardrail"
    n: int
    current: float
    candidate: float
    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    higher_is_better: bool = True
    p_adjusted: float | None = None
    effect_size: float | None = None
    discordant: tuple[int, int] | None = None  # (current only, candidate only)
    better: bool = False
    worse: bool = False
    note: str = ""


@dataclass
class GateResult:
    """The decision with everything it rests on."""

    decision: str
    candidate: str
    current: str
    reasons: list[str]
    metrics: list[MetricResult]
    sample_size_needed: int | None = None
    seconds: float = 0.0
    report_path: str | None = None
    deployed: bool = False
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)


# ----------------------------------------------------------------------------- paired statistics


def paired_binary(name: str, role: str, current: Sequence[bool], candidate: Sequence[bool], *,
                  higher_is_better: bool = True, n_bootstrap: int = 2000, seed: int = 0) -> MetricResult:
    """McNemar exact test, paired bootstrap interval of the rate difference (candidate - current), Cohen's h."""
    if len(current) != len(candidate) or not current:
        raise GateError(f"{name}: need equally many paired outcomes, at least one")
    mc = stats.mcnemar_from_outcomes(current, candidate)
    a = [float(x) for x in candidate]
    b = [float(x) for x in current]
    interval, _ = stats.paired_bootstrap_diff(a, b, n_resamples=n_bootstrap, seed=seed)
    pa, pb = sum(a) / len(a), sum(b) / len(b)
    diff = pa - pb
    return MetricResult(name, role, len(a), pb, pa, diff, interval.low, interval.high, mc.p_value,
                        higher_is_better, effect_size=stats.cohens_h(pa, pb), discordant=(mc.b, mc.c))


def paired_mean(name: str, role: str, current: Sequence[float], candidate: Sequence[float], *,
                n_bootstrap: int = 2000, seed: int = 0) -> MetricResult:
    """Paired bootstrap of mean(candidate) - mean(current) for a continuous per-item score (higher is better)."""
    if len(current) != len(candidate) or not current:
        raise GateError(f"{name}: need equally many paired values, at least one")
    interval, p = stats.paired_bootstrap_diff(list(candidate), list(current), n_resamples=n_bootstrap, seed=seed)
    mc, ma = sum(current) / len(current), sum(candidate) / len(candidate)
    # A bootstrap p-value of 0 only means "below 1 / resamples".
    return MetricResult(name, role, len(current), mc, ma, ma - mc, interval.low, interval.high,
                        max(p, 1 / n_bootstrap))


def edit_similarity(a: str, b: str) -> float:
    """1 for equal texts, falling towards 0 as they differ (difflib's ratio on the stripped texts)."""
    import difflib

    return difflib.SequenceMatcher(None, a.strip(), b.strip(), autojunk=False).ratio()


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    pos = 0.95 * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def paired_p95(name: str, current: Sequence[float], candidate: Sequence[float], tolerance: float, *,
               n_bootstrap: int = 2000, seed: int = 0) -> MetricResult:
    """Paired bootstrap of p95(candidate) - p95(current) (items resampled together).

    The p-value is one-sided for "the increase exceeds `tolerance`": the share of resampled
    differences at or below the tolerance.
    """
    if len(current) != len(candidate) or not current:
        raise GateError(f"{name}: need equally many paired values, at least one")
    rng = random.Random(seed)
    n = len(current)
    diffs = []
    for _ in range(n_bootstrap):
        idx = [rng.randrange(n) for _ in range(n)]
        diffs.append(_p95([candidate[i] for i in idx]) - _p95([current[i] for i in idx]))
    diffs.sort()
    low, high = diffs[int(0.025 * (n_bootstrap - 1))], diffs[int(0.975 * (n_bootstrap - 1))]
    p = sum(1 for d in diffs if d <= tolerance) / n_bootstrap
    pc, pa = _p95(current), _p95(candidate)
    return MetricResult(name, "guardrail", n, pc, pa, pa - pc, low, high, max(p, 1 / n_bootstrap),
                        higher_is_better=False, note=f"tolerance +{tolerance:.1f} ms")


def decide(metrics: list[MetricResult], settings: GateSettings) -> tuple[str, list[str], int | None]:
    """Apply the gate's rule to computed metrics (marks `better`/`worse` and Holm-adjusted p-values).

    Returns (decision, reasons, sample size needed or None).
    """
    success = [m for m in metrics if m.role == "success"]
    guards = [m for m in metrics if m.role == "guardrail"]
    if not success:
        raise GateError("the gate needs at least one success metric")
    adjusted, _ = stats.holm_bonferroni([m.p_value for m in success], settings.alpha)
    for m, p in zip(success, adjusted, strict=True):
        m.p_adjusted = p
        good = m.diff > 0 if m.higher_is_better else m.diff < 0
        m.better = p <= settings.alpha and good
        m.worse = p <= settings.alpha and not good and m.diff != 0
    for m in guards:
        m.p_adjusted = m.p_value
        if m.name == "latency_p95":
            m.worse = m.p_value <= settings.alpha
        else:
            bad = m.diff < 0 if m.higher_is_better else m.diff > 0
            m.worse = m.p_value <= settings.alpha and bad
            m.better = m.p_value <= settings.alpha and not bad and m.diff != 0  # shown, never decisive
    reasons: list[str] = []
    worse = [m for m in guards + success if m.worse]
    if worse:
        for m in worse:
            reasons.append(f"{m.role} {m.name} significantly worse: {m.current:.3f} -> {m.candidate:.3f} "
                           f"(p={m.p_adjusted:.3g})")
        return "reject", reasons, None
    better = [m for m in success if m.better]
    if better:
        for m in better:
            reasons.append(f"success {m.name} improved: {m.current:.3f} -> {m.candidate:.3f} "
                           f"(Holm-adjusted p={m.p_adjusted:.3g}, 95% CI of the difference "
                           f"[{m.ci_low:+.3f}, {m.ci_high:+.3f}])")
        reasons.append("no guardrail significantly worse")
        return "deploy", reasons, None
    primary = success[0]
    b, c = primary.discordant or (0, 0)
    if c <= b and primary.n > 0 and (b + c) > 0:
        reasons.append(f"primary metric {primary.name} did not improve ({primary.current:.3f} -> "
                       f"{primary.candidate:.3f}, discordant {b} vs {c})")
        return "reject", reasons, None
    # Leaning the right way (or no discordant pairs yet): how many items would settle it?
    alpha = settings.alpha / len(success)  # Holm's first step is Bonferroni: size for the strictest level
    n = max(1, primary.n)
    p10, p01 = b / n, c / n
    if p01 - p10 < settings.min_effect:
        p10, p01 = p10, min(1.0 - p10, p10 + settings.min_effect)
    needed = stats.mcnemar_sample_size(p10, p01, alpha, settings.power)
    have = stats.mcnemar_power(n, p10, p01, alpha)
    if needed <= n and have >= settings.power:
        reasons.append(f"primary metric {primary.name} not significantly better with adequate power "
                       f"({have:.2f} at n={n})")
        return "reject", reasons, None
    reasons.append(f"primary metric {primary.name} leans better ({primary.current:.3f} -> {primary.candidate:.3f}) "
                   f"but the test lacks power ({have:.2f} at n={n}); about {needed} paired items needed")
    return "need_more_data", reasons, needed


# ----------------------------------------------------------------------------- running the models


def syntax_valid(prefix: str, completion: str) -> bool:
    """True when the completion, after the prompt's prefix, is lexically acceptable Elixir."""
    from elixir_coder.model.constraints import CodeState, Verdict

    state = CodeState.from_text(prefix)
    return state.advance(completion) != Verdict.REJECT and state.finish() != Verdict.REJECT


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.split("\n") if ln.strip()), "")


Generated = list[tuple[str, float]]


def generate_all(model_dir: Path, items: Sequence[tuple[str, str]], max_new_tokens: int) -> Generated:
    """Greedy completion of each (prefix, suffix) with the CTranslate2 engine: (text, latency ms)."""
    from elixir_coder.model.engine import Engine, GenerationRequest

    engine = Engine(model_dir)
    try:
        out = []
        for prefix, suffix in items:
            t0 = time.perf_counter()
            comp = engine.generate(GenerationRequest(prefix=prefix, suffix=suffix, max_tokens=max_new_tokens))[0]
            out.append((comp.text, (time.perf_counter() - t0) * 1000))
        return out
    finally:
        engine.close()


def _elixir_eval_outcomes(model_dir: Path, limit: int | None, max_new_tokens: int) -> tuple[list[str], list[bool]]:
    from elixir_coder.benchmarks.elixir_eval import evaluate, load_suite

    problems = load_suite()
    if limit is not None:
        problems = problems[:limit]

    def gen(prompt: str) -> list[str]:
        return [generate_all(model_dir, [(prompt, "")], max_new_tokens * 4)[0][0]]

    result = evaluate(gen, n_samples=1, k_values=(1,), problems=problems, cache=None, n_bootstrap=100,
                      model_id=str(model_dir))
    return [p.problem.id for p in result.problems], [p.c > 0 for p in result.problems]


def evaluate_pair(
    current_dir: Path, candidate_dir: Path, positives: Sequence[FimExample], negatives: Sequence[FimExample],
    settings: GateSettings, corpus_texts: Sequence[str] = (),
) -> list[MetricResult]:
    """Run both models on the same items and compute every paired metric."""
    pos_items = [(e.prefix, e.suffix) for e in positives]
    neg_items = [(e.prefix, e.suffix) for e in negatives]
    corpus_cases: list[tuple[str, str, str]] = []
    if corpus_texts and settings.corpus_cases:
        from elixir_coder.training.eval_cases import next_line_cases

        corpus_cases = next_line_cases(list(corpus_texts), settings.corpus_cases, settings.seed)
    items = pos_items + neg_items + [(p, s) for p, _, s in corpus_cases]
    runs = {name: generate_all(d, items, settings.max_new_tokens)
            for name, d in (("current", current_dir), ("candidate", candidate_dir))}
    kw: dict[str, Any] = {"n_bootstrap": settings.n_bootstrap, "seed": settings.seed}
    npos, nneg = len(pos_items), len(neg_items)
    out: list[MetricResult] = []

    def outcomes(which: str, fn: Callable[[int, str], bool], lo: int, hi: int) -> list[bool]:
        return [fn(i, runs[which][i][0]) for i in range(lo, hi)]

    if npos:
        exact = lambda i, t: t.strip() == positives[i].middle.strip()  # noqa: E731
        first = lambda i, t: _first_line(t) == _first_line(positives[i].middle)  # noqa: E731
        out.append(paired_binary("feedback_exact", "success", outcomes("current", exact, 0, npos),
                                 outcomes("candidate", exact, 0, npos), **kw))
        out.append(paired_binary("feedback_first_line", "success", outcomes("current", first, 0, npos),
                                 outcomes("candidate", first, 0, npos), **kw))
        sims = {w: [edit_similarity(runs[w][i][0], positives[i].middle) for i in range(npos)]
                for w in ("current", "candidate")}
        out.append(paired_mean("feedback_similarity", "success", sims["current"], sims["candidate"], **kw))
    if nneg:
        rep = lambda i, t: t.strip() == negatives[i - npos].middle.strip()  # noqa: E731
        out.append(paired_binary("rejected_reproduced", "guardrail", outcomes("current", rep, npos, npos + nneg),
                                 outcomes("candidate", rep, npos, npos + nneg), higher_is_better=False, **kw))
    nfb = npos + nneg
    if nfb:
        valid = lambda i, t: syntax_valid(items[i][0], t)  # noqa: E731
        out.append(paired_binary("syntax_valid", "guardrail", outcomes("current", valid, 0, nfb),
                                 outcomes("candidate", valid, 0, nfb), **kw))
    if corpus_cases:
        line = lambda i, t: _first_line(t) == corpus_cases[i - nfb][1].strip()  # noqa: E731
        out.append(paired_binary("corpus_next_line", "guardrail", outcomes("current", line, nfb, len(items)),
                                 outcomes("candidate", line, nfb, len(items)), **kw))
    if settings.elixir_eval_problems != 0:
        _, cur = _elixir_eval_outcomes(current_dir, settings.elixir_eval_problems, settings.max_new_tokens)
        _, cand = _elixir_eval_outcomes(candidate_dir, settings.elixir_eval_problems, settings.max_new_tokens)
        out.append(paired_binary("elixir_eval_pass1", "guardrail", cur, cand, **kw))
    lat_cur = [ms for _, ms in runs["current"]]
    lat_cand = [ms for _, ms in runs["candidate"]]
    tol = max(settings.latency_tolerance_ms, settings.latency_tolerance * _p95(lat_cur))
    out.append(paired_p95("latency_p95", lat_cur, lat_cand, tol, **kw))
    return out


# ----------------------------------------------------------------------------- the gate


def run_gate(
    registry: Registry,
    candidate: str,
    *,
    current: str | None = None,
    eval_path: Path | None = None,
    corpus_texts: Sequence[str] = (),
    settings: GateSettings | None = None,
    deploy: bool = False,
    echo: Callable[[str], None] | None = None,
) -> GateResult:
    """Compare `candidate` with the current version, decide, write the report into the registry.

    Args:
        registry: the registry holding both versions.
        candidate: the version to judge.
        current: the version to compare against (default: the one in service).
        eval_path: held-out items (default: the candidate's `training/<candidate>/data/eval.jsonl`).
        corpus_texts: base-corpus files for the next-line guardrail.
        settings: thresholds.
        deploy: promote the candidate when the decision is `deploy`.
        echo: progress lines (None: silent).
    """
    settings = settings or GateSettings()
    say = echo or (lambda _m: None)
    t0 = time.time()
    current = current or registry.current_version()
    if not current:
        raise GateError(f"no current version in {registry.root} to compare against")
    if current == candidate:
        raise GateError(f"candidate {candidate} is already the version compared against")
    try:
        cand_dir = registry.resolve(candidate, BASE)
        cur_dir = registry.resolve(current, BASE)
    except ValueError as exc:
        raise GateError(str(exc)) from exc
    eval_path = eval_path or registry.root / TRAINING_DIR / candidate / "data" / "eval.jsonl"
    positives, negatives = read_eval_set(eval_path)
    if not positives:
        raise GateError(f"{eval_path}: no held-out positive examples to judge on")
    say(f"gate: {candidate} vs {current} on {len(positives)} positive and {len(negatives)} rejected items")
    metrics = evaluate_pair(cur_dir, cand_dir, positives, negatives, settings, corpus_texts)
    decision, reasons, needed = decide(metrics, settings)
    result = GateResult(decision, candidate, current, reasons, metrics, needed, round(time.time() - t0, 2),
                        settings=asdict(settings))
    report_dir = registry.versions_dir / candidate
    report = report_dir / "gate-report.md"
    report.write_text(format_report(result), encoding="utf-8")
    result.report_path = str(report)
    if deploy and decision == "deploy":
        registry.promote(candidate)
        result.deployed = True
    (report_dir / "gate.json").write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    say(f"gate decision: {decision} ({'; '.join(reasons)})")
    return result


def format_report(r: GateResult) -> str:
    """The markdown gate report."""
    lines = [
        f"# Gate report: {r.candidate} vs {r.current}",
        "",
        f"Decision: **{r.decision}** ({datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {r.seconds:.1f} s)",
        "",
        *[f"- {reason}" for reason in r.reasons],
        "",
        "Rule: deploy only when a success metric improved significantly (McNemar exact, Holm-corrected "
        "across success metrics) and no guardrail is significantly worse (each tested at alpha).",
        "",
        "| metric | role | n | current | candidate | diff [95% CI] | effect (h) | discordant cur/cand | p | p adj | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in r.metrics:
        verdict = "better" if m.better else "worse" if m.worse else "no significant change"
        disc = f"{m.discordant[0]}/{m.discordant[1]}" if m.discordant else "-"
        eff = f"{m.effect_size:+.2f}" if m.effect_size is not None else "-"
        padj = f"{m.p_adjusted:.3g}" if m.p_adjusted is not None else "-"
        lines.append(f"| {m.name} | {m.role} | {m.n} | {m.current:.3f} | {m.candidate:.3f} | "
                     f"{m.diff:+.3f} [{m.ci_low:+.3f}, {m.ci_high:+.3f}] | {eff} | {disc} | {m.p_value:.3g} | "
                     f"{padj} | {verdict}{' (' + m.note + ')' if m.note else ''} |")
    if r.sample_size_needed:
        lines += ["", f"Paired items needed for power {r.settings.get('power', 0.8)}: about {r.sample_size_needed}."]
    lines += ["", "Latency in milliseconds; rates are shares of items. `diff` is candidate minus current.", ""]
    return "\n".join(lines)
