"""When to retrain: enough new feedback, a significant drop in acceptance, or drifted prompts.

`check_due` looks at the feedback since the last retraining and answers with a decision and
its reasons; `run_if_due` runs retrain -> gate (-> promote) when due; `watch` repeats that on a
schedule. Every decision, due or not, is appended to `<registry>/retrain_decisions.jsonl`
and logged, so an operator can see why the loop did or did not act.

Tests:
- acceptance drop: one-sided two-proportion z-test (pooled) of the acceptance rate of shown
  completions since the last run against the window before it; it fires only when p < alpha
  *and* the drop is at least `min_effect` (a significant but tiny drop is not worth a run).
- drift: two-sample Kolmogorov-Smirnov test on prompt features (prefix and suffix length,
  prefix line count, indentation of the cursor line), Bonferroni-corrected across features.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any

from elixir_coder.model.registry import Registry, atomic_write_json

log = logging.getLogger(__name__)

STATE_FILE = "retrain_state.json"
DECISIONS_FILE = "retrain_decisions.jsonl"


@dataclass(frozen=True)
class TriggerSettings:
    """When retraining is due.

    Args:
        min_new_events: feedback events since the last run that make a run due on their own.
        alpha / min_effect: the acceptance-drop test's level and the smallest absolute drop that counts.
        min_window: shown completions needed in each window before the statistical tests run.
        baseline_window: shown completions before the last run used as the baseline.
        ks_alpha: family-wise level of the drift tests.
        interval_s: how often `watch` checks.
    """

    min_new_events: int = 500
    alpha: float = 0.05
    min_effect: float = 0.05
    min_window: int = 50
    baseline_window: int = 2000
    ks_alpha: float = 0.01
    interval_s: float = 3600.0


@dataclass
class TriggerDecision:
    """Whether a run is due, why, and the figures behind it."""

    due: bool
    reasons: list[str]
    checks: dict[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)


# ----------------------------------------------------------------------------- statistics


def two_proportion_drop(k_base: int, n_base: int, k_new: int, n_new: int) -> tuple[float, float]:
    """(drop = base rate - new rate, one-sided p-value for "the new rate is lower") by the pooled z-test."""
    if n_base <= 0 or n_new <= 0:
        raise ValueError("both windows need at least one trial")
    p1, p2 = k_base / n_base, k_new / n_new
    pooled = (k_base + k_new) / (n_base + n_new)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_base + 1 / n_new))
    if se == 0:
        return p1 - p2, 1.0 if p1 <= p2 else 0.0
    return p1 - p2, 1.0 - NormalDist().cdf((p1 - p2) / se)


def ks_two_sample(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic D and its asymptotic two-sided p-value.

    The p-value uses the Kolmogorov distribution with Stephens' small-sample correction,
    Q((sqrt(ne) + 0.12 + 0.11 / sqrt(ne)) D) with ne = n m / (n + m).
    """
    if not a or not b:
        raise ValueError("ks_two_sample needs two non-empty samples")
    xs, ys = sorted(a), sorted(b)
    n, m = len(xs), len(ys)
    i = j = 0
    d = 0.0
    while i < n and j < m:
        v = min(xs[i], ys[j])
        while i < n and xs[i] == v:
            i += 1
        while j < m and ys[j] == v:
            j += 1
        d = max(d, abs(i / n - j / m))
    ne = math.sqrt(n * m / (n + m))
    lam = (ne + 0.12 + 0.11 / ne) * d
    return d, _kolmogorov_q(lam)


def _kolmogorov_q(lam: float) -> float:
    if lam < 1e-3:
        return 1.0
    total = sum((-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 101))
    return min(1.0, max(0.0, 2 * total))


def prompt_features(row: dict[str, Any]) -> dict[str, float] | None:
    """Features of a shown completion's prompt, from the context the server recorded (None without it)."""
    detail = row.get("detail") or {}
    prefix = detail.get("context_prefix") if isinstance(detail, dict) else None
    if not isinstance(prefix, str):
        return None
    suffix = detail.get("context_suffix") or ""
    cursor_line = prefix.rsplit("\n", 1)[-1]
    return {"prefix_chars": float(len(prefix)), "suffix_chars": float(len(suffix)),
            "prefix_lines": float(prefix.count("\n") + 1),
            "cursor_indent": float(len(cursor_line) - len(cursor_line.lstrip()))}


# ----------------------------------------------------------------------------- the decision


def _acceptance(rows: list[dict[str, Any]]) -> tuple[int, int]:
    shown = {r["request_id"] for r in rows if r["kind"] == "completion_shown"}
    accepted = {r["request_id"] for r in rows if r["kind"] == "completion_accepted"} & shown
    return len(accepted), len(shown)


def check_due(rows: Sequence[dict[str, Any]], last_run_ts: float | None, settings: TriggerSettings) -> TriggerDecision:
    """Decide whether retraining is due from feedback rows and the time of the last run.

    Without a previous run, the older half of the shown completions is the baseline.
    """
    rows = sorted(rows, key=lambda r: (r["ts"], r.get("id") or 0))
    if last_run_ts is not None:
        new = [r for r in rows if r["ts"] > last_run_ts]
        old = [r for r in rows if r["ts"] <= last_run_ts]
    else:
        shown_ts = [r["ts"] for r in rows if r["kind"] == "completion_shown"]
        mid = shown_ts[len(shown_ts) // 2] if shown_ts else 0.0
        new, old = [r for r in rows if r["ts"] >= mid], [r for r in rows if r["ts"] < mid]
    old_shown = [r for r in old if r["kind"] == "completion_shown"][-settings.baseline_window:]
    if old_shown:
        keep = {r["request_id"] for r in old_shown}
        old = [r for r in old if r["request_id"] in keep]
    reasons: list[str] = []
    n_new_events = len([r for r in rows if last_run_ts is None or r["ts"] > last_run_ts])
    checks: dict[str, Any] = {"new_events": n_new_events, "min_new_events": settings.min_new_events}
    if n_new_events >= settings.min_new_events:
        reasons.append(f"{n_new_events} new feedback events (>= {settings.min_new_events})")
    k_old, n_old = _acceptance(old)
    k_new, n_new = _acceptance(new)
    checks["acceptance"] = {"baseline": [k_old, n_old], "recent": [k_new, n_new]}
    if min(n_old, n_new) >= settings.min_window:
        drop, p = two_proportion_drop(k_old, n_old, k_new, n_new)
        checks["acceptance"].update(drop=round(drop, 4), p_value=p)
        if p < settings.alpha and drop >= settings.min_effect:
            reasons.append(f"acceptance dropped {k_old / n_old:.1%} -> {k_new / n_new:.1%} "
                           f"(one-sided p={p:.3g} < {settings.alpha}, drop >= {settings.min_effect:.0%})")
    else:
        checks["acceptance"]["skipped"] = f"fewer than {settings.min_window} shown completions in a window"
    feats_old = [f for r in old if r["kind"] == "completion_shown" and (f := prompt_features(r))]
    feats_new = [f for r in new if r["kind"] == "completion_shown" and (f := prompt_features(r))]
    drift: dict[str, Any] = {}
    if min(len(feats_old), len(feats_new)) >= settings.min_window:
        names = list(feats_old[0])
        level = settings.ks_alpha / len(names)
        for name in names:
            d, p = ks_two_sample([f[name] for f in feats_old], [f[name] for f in feats_new])
            drift[name] = {"D": round(d, 4), "p_value": p}
            if p < level:
                reasons.append(f"prompt drift in {name} (KS D={d:.3f}, p={p:.3g} < {level:.3g})")
    else:
        drift["skipped"] = f"fewer than {settings.min_window} prompts with recorded context in a window"
    checks["drift"] = drift
    return TriggerDecision(bool(reasons), reasons or ["nothing due"], checks)


# ----------------------------------------------------------------------------- state and the loop


def read_state(registry: Registry) -> dict[str, Any]:
    """The loop's state (`last_run_ts`, last candidate and decision); {} before the first run."""
    try:
        data = json.loads((registry.root / STATE_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, json.JSONDecodeError):
        return {}


def log_decision(registry: Registry, record: dict[str, Any]) -> None:
    """Append one decision to the registry's decision log and to the process log."""
    registry.root.mkdir(parents=True, exist_ok=True)
    with open(registry.root / DECISIONS_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, default=str) + "\n")
    log.info("retrain decision: %s", record.get("summary"))


def run_if_due(
    registry: Registry,
    rows: Sequence[dict[str, Any]],
    *,
    trigger: TriggerSettings | None = None,
    retrain_settings: Any = None,
    gate_settings: Any = None,
    base_hf: Path | None = None,
    replay_texts: Sequence[str] = (),
    eval_texts: Sequence[str] | None = None,
    deploy: bool = True,
    force: bool = False,
    echo: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Check the trigger; when due (or forced) retrain, gate and, on `deploy`, promote. Returns the logged record.

    `replay_texts` feed the replay sample; `eval_texts` (default: the same) the gate's next-line guardrail,
    best a held-out split of the base corpus.
    """
    trigger = trigger or TriggerSettings()
    state = read_state(registry)
    decision = check_due(rows, state.get("last_run_ts"), trigger)
    record: dict[str, Any] = {"ts": decision.ts, "due": decision.due or force, "reasons": decision.reasons,
                              "checks": decision.checks}
    if not (decision.due or force):
        record["summary"] = "not due: " + "; ".join(decision.reasons)
        log_decision(registry, record)
        return record
    from elixir_coder.training.gate import run_gate
    from elixir_coder.training.retrain import retrain

    started = time.time()
    try:
        result = retrain(registry, rows, retrain_settings, base_hf=base_hf, replay_texts=replay_texts, echo=echo)
        gate = run_gate(registry, result.candidate, current=result.parent,
                        corpus_texts=replay_texts if eval_texts is None else eval_texts,
                        settings=gate_settings, deploy=deploy, echo=echo)
    except Exception as exc:
        record.update(summary=f"due ({'; '.join(decision.reasons)}) but the run failed: {exc}", error=str(exc))
        log_decision(registry, record)
        raise
    record.update(candidate=result.candidate, parent=result.parent, counts=result.dataset.counts,
                  gate=gate.decision, gate_reasons=gate.reasons, deployed=gate.deployed, report=gate.report_path,
                  seconds=round(time.time() - started, 1),
                  summary=f"due ({'; '.join(decision.reasons)}); candidate {result.candidate}: {gate.decision}"
                          + (" and promoted" if gate.deployed else ""))
    atomic_write_json(registry.root / STATE_FILE, {"last_run_ts": decision.ts, "last_candidate": result.candidate,
                                                   "last_decision": gate.decision})
    log_decision(registry, record)
    return record


def watch(run_once: Callable[[], dict[str, Any]], interval_s: float, stop: threading.Event) -> int:
    """Call `run_once` every `interval_s` seconds until `stop` is set; a failed run is logged, not fatal.

    Returns the number of runs made.
    """
    runs = 0
    while not stop.is_set():
        try:
            record = run_once()
            print(record.get("summary"), flush=True)
        except Exception as exc:  # noqa: BLE001 - the loop outlives one bad run; the record holds the error
            log.warning("scheduled retraining failed: %s", exc)
        runs += 1
        stop.wait(interval_s)
    return runs


def decision_summary(decision: TriggerDecision) -> dict[str, Any]:
    """JSON-friendly form of a trigger decision."""
    return asdict(decision)
