"""`elixir-coder bench elixir-eval [--reference] [--model VERSION] [--samples N] [--jobs N] [--output FILE]`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path


def _progress(label: str):  # noqa: ANN202 - a small closure
    def report(*args: object) -> None:
        *phase, done, total = args
        name = f"{label} {phase[0]}" if phase else label
        if sys.stderr.isatty() or done == total:
            end = "\n" if done == total else "\r"
            print(f"{name}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return report


def _limits(args: argparse.Namespace):  # noqa: ANN202
    from .execution import ExecutionLimits

    return ExecutionLimits(wall_time_s=args.wall_time, memory_mb=args.memory_mb)


def _cache(args: argparse.Namespace):  # noqa: ANN202
    from .execution import ResultCache

    if args.no_cache:
        return None
    return ResultCache(Path(args.cache_dir) if args.cache_dir else None)


def _select(args: argparse.Namespace):  # noqa: ANN202
    from .elixir_eval import load_suite

    problems = load_suite(Path(args.suite) if args.suite else None)
    if args.problems:
        wanted = [p.strip() for p in args.problems.split(",") if p.strip()]
        problems = [p for p in problems if any(p.id.startswith(w) for w in wanted)]
    return problems


def _write(path: str | None, doc: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)


def _cmd_reference(args: argparse.Namespace) -> int:
    from .elixir_eval import machine_info, run_reference

    problems = _select(args)
    # the reference run is a check of the suite itself: never answer it from the cache
    report = run_reference(problems, jobs=args.jobs, limits=_limits(args), progress=_progress("reference"))
    by_id = {p.id: p for p in problems}
    passed = [by_id[pid] for pid, r in report.results.items() if r.passed]
    print(f"ElixirEval reference: {len(passed)}/{len(problems)} passed in {report.duration_s:.1f} s "
          f"({report.jobs} parallel jobs)")
    for attr in ("level", "difficulty", "topic"):
        total = Counter(getattr(p, attr) for p in problems)
        ok = Counter(getattr(p, attr) for p in passed)
        print(f"  by {attr}: " + ", ".join(f"{k} {ok[k]}/{n}" for k, n in sorted(total.items())))
    for pid, r in report.failures.items():
        print(f"  FAIL {pid}: {r.outcome} - {r.detail}")
    _write(args.output, {
        "suite": "elixir_eval", "mode": "reference", "passed": len(passed), "total": len(problems),
        "duration_s": round(report.duration_s, 2), "jobs": report.jobs, "machine": machine_info(),
        "results": {pid: {"outcome": r.outcome, "duration_s": r.duration_s, "tests": r.tests_total, "detail": r.detail}
                    for pid, r in report.results.items()},
    })
    return 0 if report.ok else 1


def _model_generate_fn(args: argparse.Namespace):  # noqa: ANN202
    """Load a registry version through the Engine; returns (generate_fn, model_id)."""
    from elixir_coder.model.engine import Engine, GenerationRequest
    from elixir_coder.model.registry import Registry

    registry = Registry(Path(args.registry) if args.registry else None)
    if args.quality:
        quality = registry.quality_dir()
        if quality is None:
            raise ValueError("no quality model registered (`elixir-coder model set-quality DIR`)")
        engine = Engine(quality)
    else:
        engine = Engine(registry.resolve(args.model, args.adapter))
    temperature = args.temperature if args.temperature is not None else (0.0 if args.samples == 1 else 0.8)
    # half the model's context for the completion unless told otherwise, the rest for the prompt
    max_tokens = args.max_tokens or max(64, int(getattr(engine, "context_length", 1024)) // 2)
    names = {f.name for f in dataclasses.fields(GenerationRequest)}
    count_field = "num_hypotheses" if "num_hypotheses" in names else "num_samples"

    def generate(prompt: str, n: int, seed: int) -> list[str]:
        kwargs: dict = {"prefix": prompt, "max_tokens": max_tokens, "temperature": temperature,
                        count_field: n, "stop": ("\ndefmodule ", "\n```")}
        if args.prompt_budget:
            kwargs["prompt_budget"] = args.prompt_budget
        if "seed" in names:
            kwargs["seed"] = seed
        else:  # the engine has no per-request seed: seed CTranslate2's sampler instead
            import ctranslate2

            ctranslate2.set_random_seed(seed)
        return [c.text for c in engine.generate(GenerationRequest(**kwargs))]

    model_id = engine.version + (f"+{engine.manifest.adapter}" if getattr(engine.manifest, "adapter", None) else "")
    return generate, model_id


def _cmd_model(args: argparse.Namespace) -> int:
    from .elixir_eval import evaluate

    try:
        generate, model_id = _model_generate_fn(args)
    except ImportError as exc:
        print(f"elixir-coder: the model engine is unavailable ({exc})", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:  # ModelDirectoryError is a ValueError
        print(f"elixir-coder: cannot load model {args.model or '(current)'}: {exc}", file=sys.stderr)
        return 1
    result = evaluate(
        generate, n_samples=args.samples, k_values=args.k or [1, 10], seed=args.seed, model_id=model_id,
        problems=_select(args), jobs=args.jobs, limits=_limits(args), cache=_cache(args),
        progress=_progress("elixir-eval"),
    )
    print(f"ElixirEval {model_id}: {len(result.problems)} problems x {result.n_samples} samples, "
          f"seed {result.seed}, {result.duration_s:.1f} s")
    for k, iv in result.pass_at_k.items():
        print(f"  pass@{k}: {iv.estimate:.3f}  (95% CI {iv.low:.3f}-{iv.high:.3f})")
    for attr in ("level", "difficulty"):
        for name, row in result.breakdown[attr].items():
            figures = ", ".join(f"pass@{k} {row[f'pass@{k}']:.3f}" for k in result.k_values)
            print(f"  {attr} {name} ({row['problems']}): {figures}")
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(result.outcomes.items())))
    _write(args.output, result.to_dict())
    return 0


def _cmd_elixir_eval(args: argparse.Namespace) -> int:
    from .schema import SuiteError

    try:
        if args.reference:
            return _cmd_reference(args)
        return _cmd_model(args)
    except SuiteError as exc:
        print(f"elixir-coder: {exc}", file=sys.stderr)
        return 1


def _cmd_detection(args: argparse.Namespace) -> int:
    from .detection import run_and_report

    return run_and_report([args.detection_suite], write=not args.no_report, output=args.output)


def _cmd_clarification(args: argparse.Namespace) -> int:
    from .clarification import SuiteError, evaluate, load_suite, run_reference, write_report

    try:
        items = load_suite(Path(args.suite) if args.suite else None)
    except SuiteError as exc:
        print(f"elixir-coder: {exc}", file=sys.stderr)
        return 1
    if args.problems:
        wanted = [p.strip() for p in args.problems.split(",") if p.strip()]
        items = [i for i in items if any(i.id.startswith(w) for w in wanted)]
    if args.reference:
        outcomes = run_reference(items)
        failed = {k: v for k, v in outcomes.items() if v != "passed"}
        print(f"clarification reference: {len(outcomes) - len(failed)}/{len(outcomes)} passed")
        for k, v in failed.items():
            print(f"  FAIL {k}: {v}")
        return 1 if failed else 0
    from elixir_coder.server.models import ModelService
    from elixir_coder.server.settings import Settings

    service = ModelService()
    service.configure(Settings(model_path=args.model_path, remote_url=args.remote_url, remote_model=args.remote_model))
    model = service.load(args.adapter)
    result = evaluate(model, items, model.version, n=args.samples, temperature=args.temperature,
                      entropy_threshold=args.entropy, clusters_threshold=args.clusters, max_repairs=args.repairs,
                      progress=_progress("clarification"))
    f = result.figures()
    print(f"clarification {result.model}: asked {f['asked']}/{f['items']}, precision {f['precision']:.2f}, "
          f"recall {f['recall']:.2f}; pass@1 on ambiguous prompts {f['pass1_without_answer']:.2f} without the "
          f"answer, {f['pass1_with_answer']:.2f} with it ({result.duration_s:.0f} s)")
    if not args.no_report:
        write_report(result)
    _write(args.output, result.to_dict())
    return 0


def _cmd_end_to_end(args: argparse.Namespace) -> int:
    from .end_to_end import main

    argv = ["--samples", str(args.samples)]
    argv += ["--limit", str(args.limit)] if args.limit else []
    argv += ["--model-path", args.model_path] if args.model_path else []
    return main(argv)


def _cmd_completion(args: argparse.Namespace) -> int:
    from .completion import main

    return main(list(args.rest))


def _cmd_test_gen(args: argparse.Namespace) -> int:
    from . import test_gen
    from .schema import SuiteError

    try:
        items = test_gen.load_suite(Path(args.suite) if args.suite else None)
    except SuiteError as exc:
        print(f"elixir-coder: {exc}", file=sys.stderr)
        return 1
    if args.problems:
        wanted = [p.strip() for p in args.problems.split(",") if p.strip()]
        items = [i for i in items if any(i.id.startswith(w) for w in wanted)]
    generate = None
    model_id = "reference"
    if not args.reference:
        try:
            fn, model_id = _model_generate_fn(args)
        except ImportError as exc:
            print(f"elixir-coder: the model engine is unavailable ({exc})", file=sys.stderr)
            return 1
        except (OSError, ValueError) as exc:
            print(f"elixir-coder: cannot load model {args.model or '(current)'}: {exc}", file=sys.stderr)
            return 1

        def generate(prompt: str) -> str:
            return fn(prompt, 1, args.seed)[0]

    result = test_gen.run(items, generate, model_id=model_id, jobs=args.jobs,
                          limits=_limits(args), progress=_progress("test-gen"))
    gt = result["summary"]["ground_truth"]
    print(f"test-gen {result['mode']} ({model_id}): {len(items)} items, {result['summary']['mutants']} mutants, "
          f"{result['duration_s']:.1f} s")
    print(f"  ground truth: {gt['suites_passing']}/{gt['items']} suites pass on the original; mutation score "
          f"mean {gt['mean_mutation_score']:.3f}, pooled {gt['pooled_mutation_score']:.3f}")
    if "generated" in result["summary"]:
        g = result["summary"]["generated"]
        print(f"  generated: {g['suites_passing']}/{g['items']} suites pass on the original, tests "
              f"{g['tests_passed']}/{g['tests_total']}; mutation score mean {g['mean_mutation_score']:.3f}, "
              f"pooled {g['pooled_mutation_score']:.3f}")
    failing = [i["id"] for i in result["items"] if i["ground_truth"]["outcome"] != "passed"]
    for item_id in failing:
        print(f"  FAIL ground truth {item_id}", file=sys.stderr)
    default_out = test_gen.REPORT_DIR / f"test_gen_{result['mode']}.json"
    _write(args.output or (None if args.no_report else str(default_out)), result)
    if not args.no_report and not args.problems:
        docs = {m: json.loads(p.read_text(encoding="utf-8")) if p.exists() else None
                for m, p in (("reference", test_gen.REPORT_DIR / "test_gen_reference.json"),
                             ("model", test_gen.REPORT_DIR / "test_gen_model.json"))}
        print(f"wrote {test_gen.write_report(docs['reference'], docs['model'])}", file=sys.stderr)
    return 1 if args.reference and failing else 0


def _add_run_options(p: argparse.ArgumentParser, jobs: str, per: str, example: str, suite: str) -> None:
    """How a suite that executes Elixir runs: parallelism, limits per run, which items, which suite."""
    p.add_argument("--jobs", type=int, help=f"{jobs} (default: CPU cores)")
    p.add_argument("--wall-time", type=float, default=20.0, help=f"seconds per {per} (default 20)")
    p.add_argument("--memory-mb", type=int, default=2048, help="address-space limit per process (default 2048)")
    p.add_argument("--problems", help=f"comma-separated id prefixes to run (e.g. {example})")
    p.add_argument("--suite", help=f"{suite} directory (default: the shipped suite)")


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    """Which model a suite runs, and its generation lengths (the same for every model-driven suite)."""
    parser.add_argument("--model", help="registry version to evaluate (default: the one in service)")
    parser.add_argument("--adapter", help="adapter of that version (default: base)")
    parser.add_argument("--registry", help="registry directory (default: $ELIXIR_CODER_HOME/models)")
    parser.add_argument("--quality", action="store_true",
                        help="evaluate the registry's quality model (`elixir-coder model set-quality`)")
    parser.add_argument("--max-tokens", type=int, help="new tokens per completion (default: half the model's context)")
    parser.add_argument("--prompt-budget", type=int, help="prompt tokens kept (default: the engine's)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `bench` command group: every suite's subcommand."""
    bench = subparsers.add_parser("bench", help="benchmarks: ElixirEval, detection, test generation, clarification, "
                                                   "end to end, completion")
    sub = bench.add_subparsers(dest="bench_command", metavar="SUITE", required=True)
    ee = sub.add_parser("elixir-eval", help="ElixirEval: 120 Elixir problems run against ExUnit in real Elixir")
    ee.add_argument("--reference", action="store_true", help="run the reference solutions (all must pass)")
    ee.add_argument("--samples", type=int, default=10, help="samples per problem (default 10)")
    ee.add_argument("-k", type=int, action="append", help="k for pass@k (repeatable; default 1 and 10)")
    ee.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    ee.add_argument("--temperature", type=float, help="default: 0 for one sample, else 0.8")
    _add_model_options(ee)
    _add_run_options(ee, jobs="parallel Elixir processes", per="sample", example="EE00,EE101", suite="problem")
    ee.add_argument("--cache-dir", help="result cache (default: $ELIXIR_CODER_HOME/cache/elixir-eval)")
    ee.add_argument("--no-cache", action="store_true", help="execute every sample again")
    ee.add_argument("--output", help="write the JSON result here")
    ee.set_defaults(func=_cmd_elixir_eval, k=None)
    tg = sub.add_parser("test-gen", help="test generation: model-written ExUnit tests, pass rate and mutation score")
    tg.add_argument("--reference", action="store_true", help="run the ground-truth tests only (all must pass)")
    tg.add_argument("--seed", type=int, default=0, help="generation seed (default 0)")
    tg.add_argument("--temperature", type=float, help="default: 0 (greedy)")
    _add_model_options(tg)
    _add_run_options(tg, jobs="items run in parallel", per="run on the original", example="TG00,TG041", suite="item")
    tg.add_argument("--no-report", action="store_true", help="leave docs/reports alone")
    tg.add_argument("--output", help="write the JSON result here (default: docs/reports/test_gen_MODE.json)")
    tg.set_defaults(func=_cmd_test_gen, samples=1)
    for suite, what in (("credo", "Credo"), ("sobelow", "Sobelow")):
        det = sub.add_parser(suite, help=f"{what} detection: our analyzer against labelled samples (P/R/F1)")
        det.add_argument("--no-report", action="store_true", help="print figures only; leave docs/reports alone")
        det.add_argument("--output", help="also write this run's JSON here")
        det.set_defaults(func=_cmd_detection, detection_suite=suite)
    cl = sub.add_parser("clarification", help="clarification: ask-or-proceed precision/recall, pass@1 with/without answer")
    cl.add_argument("--reference", action="store_true", help="run the reference solutions (all must pass)")
    cl.add_argument("--model-path", help="a model directory (default: the registry's current version)")
    cl.add_argument("--adapter", default="base", help="adapter (default base)")
    cl.add_argument("--remote-url", help="an OpenAI-compatible completion server instead of the local model")
    cl.add_argument("--remote-model", help="model name for the remote server")
    cl.add_argument("--samples", type=int, default=8, help="samples per assessment and round (default 8)")
    cl.add_argument("--temperature", type=float, default=0.8, help="sampling temperature (default 0.8)")
    cl.add_argument("--entropy", type=float, default=0.5, help="clarifyEntropy (default 0.5)")
    cl.add_argument("--clusters", type=int, default=3, help="clarifyClusters (default 3)")
    cl.add_argument("--repairs", type=int, default=1, help="repair rounds per generation (default 1)")
    cl.add_argument("--problems", help="comma-separated id prefixes (e.g. CL00)")
    cl.add_argument("--suite", help="item directory (default: the shipped suite)")
    cl.add_argument("--no-report", action="store_true", help="leave docs/reports/clarification.md alone")
    cl.add_argument("--output", help="also write the JSON result here")
    cl.set_defaults(func=_cmd_clarification)
    e2e = sub.add_parser("end-to-end", help="the Generate implementation flow over ElixirEval: success, latency, memory")
    e2e.add_argument("--limit", type=int, help="first N problems (default: all)")
    e2e.add_argument("--samples", type=int, default=8, help="samples per round (default 8)")
    e2e.add_argument("--model-path", help="a model directory (default: the registry's current version)")
    e2e.set_defaults(func=_cmd_end_to_end)
    comp = sub.add_parser("completion", help="completion latency through the real server, quality on held-out files")
    comp.add_argument("rest", nargs=argparse.REMAINDER, help="options of python -m elixir_coder.benchmarks.completion")
    comp.set_defaults(func=_cmd_completion)

