"""ElixirEval: 120 original Elixir problems, executed against ExUnit tests in real Elixir.

Each problem (one JSON file under `data/elixir_eval/problems/`) has a `prompt` (module
head, docs, spec and the head of the function to write), a `reference` solution that
starts with the prompt, and an ExUnit `tests` module. A model completes the prompt; the
completion is cut at the first line that starts test code or a Markdown fence
(`truncate_completion`) and `prompt + completion` runs against the tests (see
`execution.py` for the sandbox and the outcome classes).

    from elixir_coder.benchmarks.elixir_eval import load_suite, run_reference, evaluate
    report = run_reference()                       # every reference must pass
    result = evaluate(my_generate, n_samples=10)   # my_generate(prompt, n, seed) -> [str]
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import platform
import re
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import stats
from .execution import ExecutionJob, ExecutionLimits, ExecutionResult, ResultCache, default_jobs, run_many
from .schema import load_documents, string_fields_errors

SUITE_DIR = Path(__file__).resolve().parent / "data" / "elixir_eval" / "problems"
LEVELS = ("function", "module", "otp", "phoenix_style")
DIFFICULTIES = ("easy", "medium", "hard")
TOPICS = (
    "pattern_matching", "recursion", "enum_stream", "string", "map", "binaries", "control_flow",
    "structs", "protocols", "behaviours", "genserver", "agent", "task", "supervisor", "registry", "ets",
    "controller", "context", "changeset_validation",
)
# Topics that belong to one level only (the others may appear at function or module level).
_TOPIC_LEVEL = {
    **{t: "otp" for t in ("genserver", "agent", "task", "supervisor", "registry", "ets")},
    **{t: "phoenix_style" for t in ("controller", "context", "changeset_validation")},
}
FIELDS = ("id", "level", "topic", "difficulty", "entry_point", "prompt", "reference", "tests")
_ID = re.compile(r"^EE\d{3}$")
_ENTRY = re.compile(r"^(?P<module>[A-Z][A-Za-z0-9_]*(?:\.[A-Z][A-Za-z0-9_]*)*)\.(?P<fun>[a-z_][A-Za-z0-9_]*[?!]?)/(?P<arity>\d+)$")
# A completion ends where the model starts writing tests, a script or Markdown.
_STOP = re.compile(r"^(?:```|defmodule \S+Test\b|ExUnit\.|IO\.puts|Mix\.)", re.MULTILINE)

GenerateFn = Callable[..., Sequence[str]]


@dataclass(frozen=True)
class Problem:
    """One benchmark problem (see the module doc)."""

    id: str
    level: str
    topic: str
    difficulty: str
    entry_point: str
    prompt: str
    reference: str
    tests: str

    @property
    def canonical_completion(self) -> str:
        """The part of the reference after the prompt: what a perfect model would write."""
        return self.reference[len(self.prompt):]


# --------------------------------------------------------------------------- loading


def validate_problem(doc: object, source: str = "<problem>") -> list[str]:
    """Every schema error of one problem document, as `"source: message"` lines (empty if valid)."""
    errors = string_fields_errors(doc, FIELDS, source)
    if errors or not isinstance(doc, dict):
        return errors
    pid = doc["id"]
    if not _ID.match(pid):
        errors.append(f"{source}: id {pid!r} must look like EE001")
    if doc["level"] not in LEVELS:
        errors.append(f"{source}: level {doc['level']!r} is not one of {', '.join(LEVELS)}")
    if doc["topic"] not in TOPICS:
        errors.append(f"{source}: topic {doc['topic']!r} is not one of {', '.join(TOPICS)}")
    elif doc["topic"] in _TOPIC_LEVEL and doc["level"] != _TOPIC_LEVEL[doc["topic"]]:
        errors.append(f"{source}: topic {doc['topic']!r} belongs to level {_TOPIC_LEVEL[doc['topic']]!r}")
    if doc["difficulty"] not in DIFFICULTIES:
        errors.append(f"{source}: difficulty {doc['difficulty']!r} is not one of {', '.join(DIFFICULTIES)}")
    m = _ENTRY.match(doc["entry_point"])
    if not m:
        errors.append(f"{source}: entry_point {doc['entry_point']!r} must look like Module.fun/arity")
    else:
        if not re.search(rf"^\s*(?:def|defmacro)\s+{re.escape(m['fun'])}(?![\w?!])", doc["prompt"], re.MULTILINE):
            errors.append(f"{source}: the prompt does not define {m['fun']} (the entry point)")
        if f"{m['module'].split('.')[0]}" not in doc["reference"]:
            errors.append(f"{source}: the reference never mentions module {m['module']}")
    if not doc["prompt"].endswith("\n"):
        errors.append(f"{source}: the prompt must end with a newline")
    if not doc["reference"].startswith(doc["prompt"]):
        errors.append(f"{source}: the reference must start with the prompt (reference = prompt + completion)")
    if "use ExUnit.Case" not in doc["tests"] or not re.search(r"^\s*test\s+\"", doc["tests"], re.MULTILINE):
        errors.append(f"{source}: tests must be an ExUnit module (`use ExUnit.Case`) with at least one test")
    if "ExUnit.start" in doc["tests"] or "ExUnit.start" in doc["reference"]:
        errors.append(f"{source}: ExUnit.start belongs to the harness, not to the problem")
    return errors


def load_suite(path: Path | None = None) -> list[Problem]:
    """Load and validate every `*.json` problem under `path` (default: the shipped suite).

    Raises SuiteError listing every schema error (all files are checked, not just the
    first bad one). Problems are returned sorted by id.
    """
    root = Path(path) if path is not None else SUITE_DIR
    docs = load_documents(root, validate_problem, "problem", "the ElixirEval suite")
    return [Problem(**{k: doc[k] for k in FIELDS}) for doc in docs]


def suite_digest(problems: Iterable[Problem]) -> str:
    """A short digest of the problems' content: results are comparable only at equal digests."""
    h = hashlib.sha256()
    for p in sorted(problems, key=lambda p: p.id):
        h.update(json.dumps([getattr(p, f) for f in FIELDS]).encode())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- solutions


def truncate_completion(completion: str) -> str:
    """Cut a completion before the first line that starts tests, a script or a Markdown fence."""
    m = _STOP.search(completion)
    return completion[: m.start()] if m else completion


def build_solution(problem: Problem, completion: str) -> str:
    """The source that gets executed: the prompt followed by the (truncated) completion."""
    return problem.prompt + truncate_completion(completion)


# --------------------------------------------------------------------------- reference run


@dataclass
class ReferenceReport:
    """Outcome of running every reference solution."""

    results: dict[str, ExecutionResult]
    duration_s: float
    jobs: int

    @property
    def failures(self) -> dict[str, ExecutionResult]:
        """References that did not pass (must be empty)."""
        return {pid: r for pid, r in self.results.items() if not r.passed}

    @property
    def ok(self) -> bool:
        """True when every reference passed."""
        return not self.failures


def run_reference(
    problems: Sequence[Problem] | None = None,
    *,
    jobs: int | None = None,
    limits: ExecutionLimits | None = None,
    cache: ResultCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReferenceReport:
    """Run each reference through the same path as a model sample (prompt + completion).

    Uncached by default, so a reference run always exercises real Elixir.
    """
    problems = list(problems) if problems is not None else load_suite()
    jobs = jobs or default_jobs()
    started = time.perf_counter()
    results = run_many(
        [ExecutionJob(p.id, build_solution(p, p.canonical_completion), p.tests) for p in problems],
        model_version="reference", limits=limits, max_workers=jobs, cache=cache, progress=progress,
    )
    return ReferenceReport({p.id: r for p, r in zip(problems, results, strict=True)},
                           time.perf_counter() - started, jobs)


# --------------------------------------------------------------------------- evaluation


@dataclass
class ProblemResult:
    """All samples of one problem."""

    problem: Problem
    completions: list[str]
    results: list[ExecutionResult]
    pass_at_k: dict[int, float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Samples drawn."""
        return len(self.results)

    @property
    def c(self) -> int:
        """Samples that passed."""
        return sum(r.passed for r in self.results)

    def codebleu(self) -> dict[str, float] | None:
        """CodeBLEU (`codebleu.py`) of the first sample's full solution against the reference."""
        if not self.completions:
            return None
        from .codebleu import codebleu

        return codebleu(build_solution(self.problem, self.completions[0]), self.problem.reference).to_dict()

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        return {
            "id": self.problem.id, "level": self.problem.level, "topic": self.problem.topic,
            "difficulty": self.problem.difficulty, "n": self.n, "c": self.c,
            "pass_at_k": {str(k): v for k, v in self.pass_at_k.items()},
            "codebleu": self.codebleu(),
            "samples": [
                {"outcome": r.outcome, "tests_passed": r.tests_passed, "tests_total": r.tests_total,
                 "duration_s": r.duration_s, "cached": r.cached, "detail": r.detail, "completion": comp}
                for comp, r in zip(self.completions, self.results, strict=True)
            ],
        }


@dataclass
class EvalResult:
    """An ElixirEval run: per-problem results, pass@k with intervals and breakdowns."""

    model_id: str
    seed: int
    n_samples: int
    k_values: list[int]
    problems: list[ProblemResult]
    pass_at_k: dict[int, stats.Interval]
    breakdown: dict[str, dict[str, dict]]
    outcomes: dict[str, int]
    duration_s: float
    suite_digest: str
    limits: ExecutionLimits
    started_at: str

    def to_dict(self) -> dict:
        """JSON-serialisable result (`json.dumps(result.to_dict())`)."""
        problems = [p.to_dict() for p in self.problems]
        scores = [p["codebleu"]["score"] for p in problems if p["codebleu"]]
        return {
            "suite": "elixir_eval", "suite_digest": self.suite_digest, "model_id": self.model_id,
            "seed": self.seed, "n_samples": self.n_samples, "k_values": self.k_values,
            "started_at": self.started_at, "duration_s": round(self.duration_s, 2),
            "limits": {"wall_time_s": self.limits.wall_time_s, "memory_mb": self.limits.memory_mb},
            "machine": machine_info(),
            "pass_at_k": {str(k): iv.to_dict() for k, iv in self.pass_at_k.items()},
            "breakdown": self.breakdown, "outcomes": self.outcomes,
            "codebleu_mean": round(sum(scores) / len(scores), 4) if scores else None,
            "problems": problems,
        }


def _call_generate(generate_fn: GenerateFn, prompt: str, n: int, seed: int) -> list[str]:
    """Call `generate_fn` as (prompt), (prompt, n) or (prompt, n, seed), by its arity."""
    try:
        params = [p for p in inspect.signature(generate_fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        var = any(p.kind == p.VAR_POSITIONAL for p in inspect.signature(generate_fn).parameters.values())
        arity = 3 if var else len(params)
    except (TypeError, ValueError):
        arity = 3
    args = (prompt, n, seed)[: max(1, min(arity, 3))]
    completions = [str(c) for c in generate_fn(*args)]
    if len(completions) < n:
        raise ValueError(f"generate_fn returned {len(completions)} completion(s); {n} were asked for")
    return completions[:n]


def problem_seed(seed: int, problem_id: str) -> int:
    """A per-problem generation seed derived from the run seed (stable across runs)."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{problem_id}".encode()).digest()[:4], "big") & 0x7FFFFFFF


def evaluate(
    generate_fn: GenerateFn,
    n_samples: int = 10,
    k_values: Sequence[int] = (1, 10),
    seed: int = 0,
    *,
    model_id: str = "unknown",
    problems: Sequence[Problem] | None = None,
    jobs: int | None = None,
    limits: ExecutionLimits | None = None,
    cache: ResultCache | None = None,
    n_bootstrap: int = 2000,
    progress: Callable[[str, int, int], None] | None = None,
) -> EvalResult:
    """Generate `n_samples` completions per problem, execute them and score pass@k.

    Args:
        generate_fn: any model backend; called as `generate_fn(prompt)`,
            `generate_fn(prompt, n)` or `generate_fn(prompt, n, seed)` depending on how many
            positional parameters it takes, and must return at least `n` completions
            (text to append to the prompt).
        n_samples: samples per problem.
        k_values: k for pass@k; values above `n_samples` are dropped.
        seed: the run seed (per-problem generation seeds and the bootstrap derive from it).
        model_id: recorded in the result and part of the cache key.
        problems: default: the whole suite.
        jobs: parallel Elixir processes (default: CPU cores).
        limits: per-sample sandbox limits.
        cache: result cache keyed by (model_id, problem id, sample digest); None disables it.
        n_bootstrap: bootstrap resamples for the intervals.
        progress: called as progress(phase, done, total), phase "generate" or "execute".
    """
    problems = list(problems) if problems is not None else load_suite()
    ks = sorted({k for k in k_values if 1 <= k <= n_samples})
    if not ks:
        raise ValueError(f"no k in {list(k_values)} is between 1 and n_samples={n_samples}")
    limits = limits or ExecutionLimits()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()

    completions: dict[str, list[str]] = {}
    for i, p in enumerate(problems):
        completions[p.id] = _call_generate(generate_fn, p.prompt, n_samples, problem_seed(seed, p.id))
        if progress:
            progress("generate", i + 1, len(problems))

    jobs_list = [ExecutionJob(p.id, build_solution(p, comp), p.tests, j)
                 for p in problems for j, comp in enumerate(completions[p.id])]
    results = run_many(jobs_list, model_version=model_id, limits=limits, max_workers=jobs, cache=cache,
                       progress=(lambda d, t: progress("execute", d, t)) if progress else None)

    per_problem: list[ProblemResult] = []
    for i, p in enumerate(problems):
        rs = results[i * n_samples:(i + 1) * n_samples]
        pr = ProblemResult(p, [truncate_completion(c) for c in completions[p.id]], rs)
        pr.pass_at_k = {k: stats.pass_at_k(pr.n, pr.c, k) for k in ks}
        per_problem.append(pr)

    pass_at = {k: stats.bootstrap_ci([pr.pass_at_k[k] for pr in per_problem], n_resamples=n_bootstrap, seed=seed)
               for k in ks}
    return EvalResult(
        model_id=model_id, seed=seed, n_samples=n_samples, k_values=ks, problems=per_problem,
        pass_at_k=pass_at, breakdown=breakdown(per_problem, ks),
        outcomes=dict(Counter(r.outcome for r in results)), duration_s=time.perf_counter() - started,
        suite_digest=suite_digest(problems), limits=limits, started_at=started_at,
    )


def breakdown(per_problem: Sequence[ProblemResult], ks: Sequence[int]) -> dict[str, dict[str, dict]]:
    """Mean pass@k and problem counts grouped by level, difficulty and topic."""
    out: dict[str, dict[str, dict]] = {}
    for attr in ("level", "difficulty", "topic"):
        groups: dict[str, list[ProblemResult]] = defaultdict(list)
        for pr in per_problem:
            groups[getattr(pr.problem, attr)].append(pr)
        out[attr] = {
            name: {"problems": len(prs), **{f"pass@{k}": sum(pr.pass_at_k[k] for pr in prs) / len(prs) for k in ks}}
            for name, prs in sorted(groups.items())
        }
    return out


# --------------------------------------------------------------------------- environment


def machine_info() -> dict:
    """Where a run happened: OS, CPU, cores, Python and Elixir versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cores": default_jobs(),
            "python": platform.python_version(), "elixir": elixir_version()}


def elixir_version() -> str:
    """`elixir --version`'s Elixir line, or "unavailable"."""
    try:
        out = subprocess.run(["elixir", "--version"], capture_output=True, text=True, timeout=30,
                             env={**os.environ, "ERL_FLAGS": ""}).stdout
    except (OSError, subprocess.SubprocessError):
        return "unavailable"
    m = re.search(r"Elixir [^\n]+", out)
    return m.group(0) if m else "unavailable"
