"""End-to-end suite: the whole "Generate implementation" flow over ElixirEval prompts.

For each problem the prompt's function (module head, `@doc`, `@spec`, empty `def`) goes through
what the editor action does: `server.clarify.assess` samples candidates, clusters them by
behaviour in real Elixir and decides whether it would ask; then `server.generate.generate_checked`
generates, checks (syntax, `Code.string_to_quoted`, Credo and Sobelow) and repairs. The delivered
module is run against the problem's ExUnit tests. Reported: latency per request (assess,
generate, total), resident memory of the process, how often the flow would ask, how often it
delivered clean code, repair rounds, and the overall success rate (delivered code passes).

Run: `python -m elixir_coder.benchmarks.end_to_end [--limit N] [--model-path DIR]`; writes
`docs/reports/end_to_end.md` and `.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from elixir_coder.assist.clarify import assess
from elixir_coder.assist.generate import Model, find_site, generate_checked
from elixir_coder.telemetry.metrics import resident_memory_bytes

from .elixir_eval import Problem, load_suite
from .execution import ExecutionLimits, run_solution

REPORT = Path(__file__).resolve().parent.parent / "docs" / "reports" / "end_to_end.md"


@dataclass
class FlowResult:
    """One problem through the flow."""

    id: str
    level: str
    asked: bool
    entropy: float
    clusters: int
    delivered: bool
    rounds: int
    passed: bool
    outcome: str
    assess_ms: float
    generate_ms: float
    rss_mb: float


def problem_document(problem: Problem) -> tuple[str, int]:
    """The prompt closed into a compilable module with an empty function, and the `def` line (0-based)."""
    text = problem.prompt.rstrip("\n") + "\n  end\nend\n"
    line = max(i for i, ln in enumerate(text.split("\n")) if ln.lstrip().startswith(("def ", "defmacro ")))
    return text, line


def run_problem(model: Model, problem: Problem, n: int, limits: ExecutionLimits) -> FlowResult:
    """Assess, generate-check-repair, and test one problem."""
    text, line = problem_document(problem)
    site = find_site(text, line)
    if site is None:
        return FlowResult(problem.id, problem.level, False, 0.0, 0, False, 0, False, "no site", 0.0, 0.0,
                          resident_memory_bytes() / 2**20)
    t0 = time.perf_counter()
    assessment = assess(model, site, n=n)
    t1 = time.perf_counter()
    outcome = generate_checked(model, site, n=n)
    t2 = time.perf_counter()
    passed, label = False, "not delivered"
    if outcome.ok and outcome.edited_text is not None:
        result = run_solution(outcome.edited_text, problem.tests, limits)
        passed, label = result.passed, result.outcome
    return FlowResult(problem.id, problem.level, assessment.ask, round(assessment.entropy, 3),
                      len(assessment.clustering.clusters), outcome.ok, outcome.rounds, passed, label,
                      round((t1 - t0) * 1000, 1), round((t2 - t1) * 1000, 1), round(resident_memory_bytes() / 2**20, 1))


def summarise(results: list[FlowResult]) -> dict[str, Any]:
    """Rates and latency percentiles."""
    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if ordered else 0.0

    total = [r.assess_ms + r.generate_ms for r in results]
    n = max(1, len(results))
    return {
        "problems": len(results),
        "asked_rate": round(sum(r.asked for r in results) / n, 3),
        "delivered_clean_rate": round(sum(r.delivered for r in results) / n, 3),
        "success_rate": round(sum(r.passed for r in results) / n, 3),
        "mean_rounds": round(statistics.mean(r.rounds for r in results), 2) if results else 0.0,
        "assess_ms_p50": pct([r.assess_ms for r in results], 50),
        "generate_ms_p50": pct([r.generate_ms for r in results], 50),
        "total_ms_p50": round(pct(total, 50), 1), "total_ms_p95": round(pct(total, 95), 1),
        "rss_mb_max": max((r.rss_mb for r in results), default=0.0),
        "outcomes": {o: sum(r.outcome == o for r in results) for o in sorted({r.outcome for r in results})},
    }


def render(summary: dict[str, Any], meta: dict[str, Any]) -> str:
    """The markdown report."""
    s = summary
    return "\n".join([
        "# End-to-end: clarification, generation, repair over ElixirEval",
        "",
        f"Command: `{meta['command']}`  ",
        f"Machine: {meta['machine']}; load average {meta['load_start']} at start, {meta['load_end']} at end.  ",
        f"Model: {meta['model']}; {s['problems']} problems, {meta['samples']} samples per round.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| would ask a question | {s['asked_rate']:.1%} |",
        f"| delivered clean code (parses; no Credo or Sobelow finding) | {s['delivered_clean_rate']:.1%} |",
        f"| **success: delivered code passes the problem's tests** | **{s['success_rate']:.1%}** |",
        f"| generation rounds (1 + repairs), mean | {s['mean_rounds']} |",
        f"| assess latency p50 | {s['assess_ms_p50']} ms |",
        f"| generate-check-repair latency p50 | {s['generate_ms_p50']} ms |",
        f"| whole flow latency p50 / p95 | {s['total_ms_p50']} / {s['total_ms_p95']} ms |",
        f"| resident memory, max | {s['rss_mb_max']} MB |",
        "",
        f"Outcomes of the delivered code: {', '.join(f'{k}: {v}' for k, v in s['outcomes'].items())}.",
        "",
        "Assess samples candidates and runs them in one sandboxed `elixir` process; generate-check-repair",
        "samples, checks each candidate (tree-sitter, `Code.string_to_quoted`, our Credo and Sobelow",
        "analyzer) and repairs up to 3 times. Latency includes those Elixir runs. \"Clean\" does not mean",
        "compiled: the test runner's `syntax_error` outcome also counts compile errors such as calls to",
        "undefined functions, which parsing cannot see. The load average is printed because these 2",
        "cores were shared with other jobs during the run: latency figures are upper bounds.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    """Run the suite and write the report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--limit", type=int, help="first N problems (default: all)")
    p.add_argument("--samples", type=int, default=8)
    p.add_argument("--model-path", type=Path, help="a model directory (default: the registry's current)")
    p.add_argument("--report", type=Path, default=REPORT)
    args = p.parse_args(argv)
    from elixir_coder.model.engine import Engine
    from elixir_coder.model.registry import Registry

    engine = Engine(args.model_path or Registry().resolve())
    problems = load_suite()[: args.limit] if args.limit else load_suite()
    load_start = os.getloadavg()[0]
    limits = ExecutionLimits()
    results = []
    for problem in problems:
        results.append(run_problem(engine, problem, args.samples, limits))
        print(json.dumps(asdict(results[-1])), flush=True)
    summary = summarise(results)
    meta = {"command": "python -m elixir_coder.benchmarks.end_to_end " + " ".join(argv or sys.argv[1:]),
            "machine": f"{os.cpu_count()} CPU cores, {platform.machine()}, Python {platform.python_version()}",
            "load_start": round(load_start, 2), "load_end": round(os.getloadavg()[0], 2),
            "model": f"{engine.version} ({engine.model_dir})", "samples": args.samples}
    engine.close()
    args.report.write_text(render(summary, meta))
    args.report.with_suffix(".json").write_text(json.dumps({"meta": meta, "summary": summary,
                                                            "results": [asdict(r) for r in results]}, indent=2))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
