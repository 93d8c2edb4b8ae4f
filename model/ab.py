"""Online A/B of a candidate against the version in service: assignment, sequential test, rollout, rollback.

State lives in `<registry>/ab.json` (written atomically like `current`), so every server process
sharing the registry assigns the same way and the controller can run from the CLI or a timer.

- Assignment is stable per (user, file): the key `salt:user:path` goes through
  `Registry.ab_choice`, whose point on [0, 1) never moves, so raising the treatment's share
  only ever moves users from control to treatment, never back.
- Acceptance rates are compared with a mixture sequential probability ratio test (mSPRT,
  Johari, Pekelis and Walsh) on the difference of the two rates under a normal mixing
  distribution N(0, tau^2). Its p-value is the running minimum of 1 / Lambda, which stays valid
  however often it is looked at, so the controller may check after every event.
- Rollout goes through steps (default 5%, 20%, 50%, 100% of traffic); a step advances when it
  has seen `min_per_step` treatment completions without harm, the treatment is promoted when the
  test says it is better at the last step, and a guardrail breach (acceptance significantly
  worse, latency p95 above tolerance, error rate above tolerance) rolls it back at once.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .registry import Registry, atomic_write_json

AB_FILE = "ab.json"
DEFAULT_STEPS = (0.05, 0.2, 0.5, 1.0)


class ABError(ValueError):
    """An A/B experiment cannot start or be read (bad fractions, unknown version, none running)."""


# ------------------------------------------------------------------------------------- mSPRT


def msprt_lambda(k_a: Any, n_a: Any, k_b: Any, n_b: Any, tau2: float = 0.0025) -> Any:
    """Mixture likelihood ratio for "rate B differs from rate A" (normal approximation), elementwise.

    With theta = p_b - p_a estimated by the sample rates and its variance V by the unpooled
    binomial variance, Lambda = sqrt(V / (V + tau2)) * exp(theta^2 tau2 / (2 V (V + tau2))).
    Arms with no trials, or no variance yet, give Lambda = 1 (no evidence).

    Args:
        k_a / n_a / k_b / n_b: successes and trials per arm (numbers or numpy arrays).
        tau2: variance of the mixing distribution; about the square of the effect size that matters.
    """
    k_a, n_a, k_b, n_b = (np.asarray(x, dtype=float) for x in (k_a, n_a, k_b, n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = np.where(n_a > 0, k_a / np.maximum(n_a, 1), 0.0)
        pb = np.where(n_b > 0, k_b / np.maximum(n_b, 1), 0.0)
        v = pa * (1 - pa) / np.maximum(n_a, 1) + pb * (1 - pb) / np.maximum(n_b, 1)
        theta = pb - pa
        lam = np.sqrt(v / (v + tau2)) * np.exp(np.minimum(theta**2 * tau2 / (2 * v * (v + tau2)), 700.0))
    ok = (n_a > 0) & (n_b > 0) & (v > 0)
    return np.where(ok, lam, 1.0)


def always_valid_p(k_a: Sequence[int], n_a: Sequence[int], k_b: Sequence[int], n_b: Sequence[int],
                   tau2: float = 0.0025, burn_in: int = 100) -> list[float]:
    """Always-valid p-values at each look: running minimum of min(1, 1/Lambda) over looks.

    Looks before both arms have `burn_in` trials are not counted (p stays 1): the normal
    approximation of the variance is poor on a handful of trials.
    """
    lam = msprt_lambda(k_a, n_a, k_b, n_b, tau2)
    ready = (np.asarray(n_a) >= burn_in) & (np.asarray(n_b) >= burn_in)
    p = np.where(ready, np.minimum(1.0, 1.0 / lam), 1.0)
    return [float(x) for x in np.minimum.accumulate(p)]


# ------------------------------------------------------------------------------------- state


@dataclass
class ABSettings:
    """Thresholds of the controller.

    Args:
        alpha: level of the sequential test.
        tau2: mSPRT mixing variance.
        burn_in: trials per arm before the test counts.
        min_per_step: treatment completions a rollout step needs before it advances.
        latency_tolerance: treatment p95 may exceed control's by this share.
        max_error_rate: treatment's failed-request share that counts as a breach.
    """

    alpha: float = 0.05
    tau2: float = 0.0025
    burn_in: int = 100
    min_per_step: int = 200
    latency_tolerance: float = 0.25
    max_error_rate: float = 0.02


@dataclass
class ABState:
    """One experiment as stored in ab.json."""

    control: str
    treatment: str
    steps: list[float]
    step: int = 0
    status: str = "running"  # running | promoted | rolled_back | stopped
    salt: str = ""
    started_at: float = 0.0
    step_started_at: float = 0.0
    p_value: float = 1.0
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        """Share of traffic the treatment gets now (0 once stopped or rolled back)."""
        if self.status in ("rolled_back", "stopped"):
            return 0.0
        if self.status == "promoted":
            return 1.0
        return self.steps[self.step]


@dataclass(frozen=True)
class ArmStats:
    """What the controller needs of one arm over a period."""

    shown: int
    accepted: int
    latency_p95: float | None = None
    errors: int = 0


def arm_stats(rows: Iterable[dict[str, Any]], since: float = 0.0) -> dict[str, ArmStats]:
    """Per model version: shown and accepted completions, latency p95 and failed requests, from feedback rows."""
    shown: dict[str, set[str]] = {}
    accepted: dict[str, set[str]] = {}
    latency: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    version_of: dict[str, str] = {}
    for r in rows:
        if r.get("ts", 0) < since:
            continue
        rid, kind = r.get("request_id"), r.get("kind")
        version = r.get("model_version") or version_of.get(str(rid)) or "?"
        if kind == "completion_shown":
            version_of[str(rid)] = version
            shown.setdefault(version, set()).add(str(rid))
            if r.get("latency_ms") is not None:
                latency.setdefault(version, []).append(float(r["latency_ms"]))
            if (r.get("detail") or {}).get("error"):
                errors[version] = errors.get(version, 0) + 1
        elif kind == "completion_accepted":
            accepted.setdefault(version, set()).add(str(rid))
    out = {}
    for v, ids in shown.items():
        lat = sorted(latency.get(v, []))
        p95 = lat[min(len(lat) - 1, math.ceil(0.95 * len(lat)) - 1)] if lat else None
        out[v] = ArmStats(len(ids), len(accepted.get(v, set()) & ids), p95, errors.get(v, 0))
    return out


class ABController:
    """Runs the experiment stored in `<registry>/ab.json`.

    Args:
        registry: the registry both versions live in.
        settings: thresholds (defaults when None).
    """

    def __init__(self, registry: Registry, settings: ABSettings | None = None) -> None:
        self.registry = registry
        self.settings = settings or ABSettings()
        self.path = Path(registry.root) / AB_FILE

    def start(self, treatment: str, control: str | None = None, steps: Sequence[float] = DEFAULT_STEPS) -> ABState:
        """Begin an experiment: `control` (default: current) keeps most traffic, `treatment` gets the first step."""
        control = control or self.registry.current_version()
        if not control:
            raise ABError("no current version to compare against; promote one first")
        if control == treatment:
            raise ABError("control and treatment are the same version")
        for v in (control, treatment):
            self.registry.resolve(v)  # raises when the version is unusable
        fracs = [float(s) for s in steps]
        if not fracs or any(not 0 < f <= 1 for f in fracs) or fracs != sorted(fracs):
            raise ABError(f"rollout steps must rise within (0, 1], got {fracs}")
        now = time.time()
        state = ABState(control, treatment, fracs, salt=secrets.token_hex(8), started_at=now, step_started_at=now)
        state.history.append({"ts": now, "event": "start", "fraction": fracs[0]})
        self._write(state)
        return state

    def state(self) -> ABState | None:
        """The stored experiment, or None when there is none."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError) as exc:
            raise ABError(f"{self.path}: unreadable A/B state ({exc})") from exc
        try:
            return ABState(**data)
        except TypeError as exc:
            raise ABError(f"{self.path}: malformed A/B state ({exc})") from exc

    def _write(self, state: ABState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.path, asdict(state))

    def choose(self, user: str, path: str, state: ABState | None = None) -> str | None:
        """The version to serve this user in this file, or None when no experiment is running."""
        state = state or self.state()
        if state is None or state.status != "running":
            return None
        f = state.fraction
        weights = {state.control: 1.0 - f, state.treatment: f}
        return self.registry.ab_choice(weights, f"{state.salt}:{user}:{path}")

    def evaluate(self, stats: dict[str, ArmStats]) -> tuple[str, str]:
        """Look at the arms' figures, act, and return (action, reason).

        Actions: `continue`, `advance` (next rollout step), `promote` (treatment becomes current),
        `rollback` (treatment gets no traffic; undone in the registry if it had been promoted).
        """
        state = self.state()
        if state is None or state.status != "running":
            raise ABError("no A/B experiment is running")
        s = self.settings
        ctl = stats.get(state.control, ArmStats(0, 0))
        trt = stats.get(state.treatment, ArmStats(0, 0))
        p = always_valid_p([ctl.accepted], [ctl.shown], [trt.accepted], [trt.shown], s.tau2, s.burn_in)[0]
        state.p_value = min(state.p_value, p)
        diff = (trt.accepted / trt.shown if trt.shown else 0.0) - (ctl.accepted / ctl.shown if ctl.shown else 0.0)
        action, reason = "continue", f"p={state.p_value:.3g}, diff={diff:+.3f}, treatment shown {trt.shown}"
        breach = None
        if state.p_value <= s.alpha and diff < 0:
            breach = f"acceptance significantly lower ({diff:+.3f}, always-valid p={state.p_value:.3g})"
        elif trt.latency_p95 and ctl.latency_p95 and trt.latency_p95 > ctl.latency_p95 * (1 + s.latency_tolerance):
            breach = f"latency p95 {trt.latency_p95:.1f} ms > control {ctl.latency_p95:.1f} ms +{s.latency_tolerance:.0%}"
        elif trt.shown and trt.errors / trt.shown > s.max_error_rate:
            breach = f"error rate {trt.errors / trt.shown:.1%} > {s.max_error_rate:.1%}"
        last = state.step == len(state.steps) - 1
        if breach:
            action, reason = "rollback", breach
            state.status = "rolled_back"
            if self.registry.current_version() == state.treatment:
                self.registry.rollback()
        elif state.p_value <= s.alpha and diff > 0 and last:
            action, reason = "promote", f"treatment better ({diff:+.3f}, always-valid p={state.p_value:.3g})"
            self.registry.promote(state.treatment)
            state.status = "promoted"
        elif not last and (trt.shown >= s.min_per_step or (state.p_value <= s.alpha and diff > 0)):
            state.step += 1
            state.step_started_at = time.time()
            action, reason = "advance", f"step {state.step}: {state.steps[state.step]:.0%} of traffic ({reason})"
        state.history.append({"ts": time.time(), "event": action, "reason": reason, "fraction": state.fraction,
                              "control": asdict(ctl), "treatment": asdict(trt)})
        self._write(state)
        return action, reason

    def stop(self, reason: str = "stopped by operator") -> ABState:
        """End the experiment without promoting: all traffic back to control."""
        state = self.state()
        if state is None:
            raise ABError("no A/B experiment to stop")
        state.status = "stopped"
        state.history.append({"ts": time.time(), "event": "stop", "reason": reason})
        self._write(state)
        return state
