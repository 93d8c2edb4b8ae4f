"""Scaling study: model sizes trained for the same CPU budget on the same corpus and tokenizer, compared on
what decides which one ships: validation loss over the budget, exact match on the held-out test
repositories (line starts and mid-line, prompted as the server prompts them), and the single-line p95 of
inline completion through the real server.

Every size gets the same CPU seconds (the process's, all threads), not the same wall-clock time: on a
shared machine a run slowed by other work would otherwise see fewer tokens than its neighbour. Each stage
is cached in the work directory (a finished pretraining run is not redone), so an interrupted study resumes.

    elixir-coder train scaling --corpus-dir <build>/corpus --tokenizer <build>/tokenizer \\
        --work-dir <scaling-dir> --cpu-limit-min 30
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elixir_coder.training.build_default import build_manifest, exact_match, machine_info
from elixir_coder.training.config import load_preset
from elixir_coder.training.corpus import read_documents
from elixir_coder.training.eval_cases import mid_line_cases, next_line_cases

STUDY_PRESETS = ("small", "deep-15m", "deep-30m")
REPORT = Path(__file__).resolve().parent.parent / "docs" / "reports" / "scaling.md"
LATENCY_TARGET_MS = 50.0


def loss_curve(log_path: Path) -> list[dict[str, float]]:
    """Validation loss against CPU minutes and tokens seen, from a pretraining log."""
    points = []
    for line in Path(log_path).read_text().splitlines():
        row = json.loads(line)
        if row.get("event") == "eval" and "cpu_s" in row:
            points.append({"step": row["step"], "cpu_min": round(row["cpu_s"] / 60, 2),
                           "tokens": row.get("tokens", 0), "val_loss": row["val_loss"]})
    return points


def loss_at(curve: list[dict[str, float]], cpu_min: float) -> float | None:
    """The last validation loss measured at or before a CPU-minute mark (None before the first evaluation)."""
    seen = [p["val_loss"] for p in curve if p["cpu_min"] <= cpu_min]
    return seen[-1] if seen else None


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion."""
    if n == 0:
        return 0.0, 0.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def pretrain_run(preset_name: str, corpus_dir: Path, tokenizer_dir: Path, run_dir: Path, cpu_limit_min: float,
                 threads: int) -> dict:
    """One size's pretraining under the CPU budget (resumed from its checkpoint when interrupted)."""
    from elixir_coder.training.pretrain import pretrain

    return pretrain(load_preset(preset_name), corpus_dir, tokenizer_dir, run_dir, max_steps=10**7,
                    cpu_limit_s=cpu_limit_min * 60, threads=threads)


def summary_from_log(run_dir: Path) -> dict:
    """The `done` record of a pretraining log (for runs started with `elixir-coder train pretrain`)."""
    done = [json.loads(x) for x in (run_dir / "log.jsonl").read_text().splitlines() if '"done"' in x]
    if not done:
        raise RuntimeError(f"{run_dir.name}: pretraining has not finished")
    return {k: v for k, v in done[-1].items() if k not in ("event", "time")}


def export_int8(preset_name: str, run_dir: Path, n_params: int, vocab: int) -> Path:
    """The run's int8 CTranslate2 export with a manifest the server accepts (SPM FIM prompts)."""
    from elixir_coder.training.export import export_model

    out = run_dir / "int8"
    if (out / "manifest.json").is_file():
        return out
    preset = load_preset(preset_name)
    manifest = build_manifest("base", preset, n_params, vocab, None, "int8", None, {})
    manifest = dataclasses.replace(manifest, version=f"scaling-{preset_name}")
    return export_model(run_dir / "hf", out, quantization="int8", manifest=manifest)


def held_out_quality(model_dir: Path, corpus_dir: Path, n: int, seed: int, cache_dir: Path) -> dict:
    """Exact match (with its 95% interval) and edit similarity on the held-out test repositories; kept in
    cache_dir for the same case count and seed, so a study rerun for latency does not evaluate again."""
    cache = Path(cache_dir) / f"held_out-{n}-{seed}.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    if cache.is_file():
        return json.loads(cache.read_text())
    texts = [r["text"] for r in read_documents(corpus_dir, "test")]
    out = {}
    for where, make in (("line_start", next_line_cases), ("mid_line", mid_line_cases)):
        res = exact_match(model_dir, make(texts, n, seed), fim=None)
        hits = sum(res["hits"])
        out[where] = {"cases": res["cases"], "exact_match": res["exact_match"],
                      "ci95": wilson(hits, res["cases"]), "edit_similarity": res["edit_similarity"]}
    cache.write_text(json.dumps(out, indent=2))
    return out


def server_latency(model_dir: Path, corpus_dir: Path, n: int, seed: int) -> dict:
    """Single-line inline completion through a fresh `elixir-coder serve` over stdio with the shipped
    defaults (int8, constrained decoding), on cursors from the held-out test repositories."""
    from elixir_coder.benchmarks.completion import load_cases, server_run

    cases = load_cases(corpus_dir, n, 0, seed, "test")
    with tempfile.TemporaryDirectory() as tmp:
        run = asyncio.run(server_run(cases, {"computeType": "int8", "constrainedDecoding": True,
                                             "modelPath": str(model_dir)}, Path(tmp)))
    single = run["latency"].get("single", {})
    return {**single, "load_ms": run["load_ms"], "load_average": round(os.getloadavg()[0], 2)}


def study(work_dir: Path, corpus_dir: Path, tokenizer_dir: Path, presets: list[str], *, cpu_limit_min: float,
          eval_cases: int, latency_cases: int, seed: int, threads: int, measure_latency: bool = True,
          reference: Path | None = None) -> dict:
    """Train (or reuse) each size, then evaluate each; returns the result written to work_dir/scaling.json."""
    from elixir_coder.training.tokenizer import load_tokenizer

    vocab = load_tokenizer(tokenizer_dir).get_vocab_size()
    result: dict[str, Any] = {"cpu_limit_min": cpu_limit_min, "machine": machine_info(), "threads": threads,
                              "started_at": datetime.now(UTC).isoformat(), "runs": {}}
    for name in presets:
        run_dir = Path(work_dir) / name
        # A finished run (the model saved) is reused; its figures come from its log, however it was started.
        if (run_dir / "hf" / "model.safetensors").exists():
            pre = summary_from_log(run_dir)
        else:
            pre = pretrain_run(name, corpus_dir, tokenizer_dir, run_dir, cpu_limit_min, threads)
        preset = load_preset(name)
        m = preset.model
        model_dir = export_int8(name, run_dir, pre["params"], vocab)
        row: dict[str, Any] = {
            "params": pre["params"], "shape": f"{m.num_hidden_layers} x {m.hidden_size}",
            "learning_rate": preset.train.learning_rate, "steps": pre["steps"], "tokens": pre["tokens_seen"],
            "cpu_min": round(pre.get("cpu_s", 0.0) / 60, 2), "wall_min": round(pre["elapsed_s"] / 60, 1),
            "val_loss": pre["val_loss"], "curve": loss_curve(run_dir / "log.jsonl"),
            "int8_mb": round(sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file()) / 1e6, 1),
            "held_out": held_out_quality(model_dir, corpus_dir, eval_cases, seed, run_dir),
        }
        if measure_latency:
            row["latency"] = server_latency(model_dir, corpus_dir, latency_cases, seed)
        result["runs"][name] = row
        print(f"{name}: {json.dumps({k: v for k, v in row.items() if k != 'curve'})}", flush=True)
    if reference is not None:
        # The shipped model measured the same way, for scale: it is not a candidate of this budget.
        from elixir_coder.model.manifest import read_manifest

        m = read_manifest(reference)
        ref: dict[str, Any] = {"version": m.version, "params": m.parameters,
                               "held_out": held_out_quality(reference, corpus_dir, eval_cases, seed,
                                                            Path(work_dir) / "reference")}
        if measure_latency:
            ref["latency"] = server_latency(reference, corpus_dir, latency_cases, seed)
        result["reference"] = ref
    result["choice"] = choose(result["runs"])
    (Path(work_dir) / "scaling.json").write_text(json.dumps(result, indent=2))
    return result


def choose(runs: dict[str, dict]) -> dict:
    """The size to ship: the best held-out line-start exact match among those whose single-line p95 through
    the server meets the target (edit similarity breaks ties)."""
    fits = {n: r for n, r in runs.items() if r.get("latency", {}).get("p95_ms", math.inf) <= LATENCY_TARGET_MS}
    pool = fits or runs
    best = max(pool, key=lambda n: (pool[n]["held_out"]["line_start"]["exact_match"],
                                    pool[n]["held_out"]["line_start"]["edit_similarity"]))
    return {"preset": best, "within_latency_target": sorted(fits),
            "reason": "best held-out line-start exact match within the latency target" if fits else
            "no size met the latency target on this machine; best held-out exact match"}


def _measured_cells(row: dict) -> str:
    """The report's held-out and latency cells of one model: line-start exact match with its interval, edit
    similarity, mid-line exact match, single-line p50 / p95."""
    ls, ml = row["held_out"]["line_start"], row["held_out"]["mid_line"]
    lat = row.get("latency", {})
    lat_txt = f"{lat.get('p50_ms', '-')} / {lat.get('p95_ms', '-')} ms" if lat else "not measured"
    return (f"{ls['exact_match']:.1%} ({ls['ci95'][0]:.1%}-{ls['ci95'][1]:.1%}) | {ls['edit_similarity']:.3f} | "
            f"{ml['exact_match']:.1%} | {lat_txt}")


def render(result: dict, command: str) -> str:
    """The markdown report."""
    runs = result["runs"]
    budget = result["cpu_limit_min"]
    marks = [m for m in (2, 5, 10, 15, 20, 25, 30, 45, 60) if m <= budget] or [budget]
    lines = [
        "# Scaling study: model size for a fixed CPU budget",
        "",
        f"Generated by `{command}` on {result['started_at'][:10]}. Machine: {result['machine'].get('cpu', '')}, "
        f"{result['machine'].get('cores', '')} cores; each run used {result['threads']} torch thread(s).",
        "",
        f"Every size trained from scratch on the same corpus (training split of the shared corpus; validation and "
        f"test repositories held out) with the same tokenizer and batch, for the same budget of **{budget:g} CPU "
        "minutes** (process CPU time, all threads). CPU time rather than wall-clock time because the runs shared "
        "the machine with each other and with other work: equal wall-clock time would have given the run with "
        "the busiest neighbours less compute. Exact match and edit similarity: greedy next line on the held-out "
        "test repositories, prompted as the server prompts (SPM FIM), int8 CTranslate2. Latency: single-line "
        "inline completion through a fresh `elixir-coder serve` over stdio (int8, constrained decoding), cursors "
        "from the held-out repositories.",
        "",
        "| preset | shape (layers x width) | parameters | steps | tokens | wall min | val loss | line start EM (95% CI) "
        "| line start edit sim | mid-line EM | single-line p50 / p95 | int8 size |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in runs.items():
        lines.append(f"| {name} | {r['shape']} | {r['params'] / 1e6:.1f}M | {r['steps']} | {r['tokens'] / 1e6:.2f}M | "
                     f"{r['wall_min']} | {r['val_loss']} | {_measured_cells(r)} | {r['int8_mb']} MB |")
    ref = result.get("reference")
    if ref:
        lines.append(f"| shipped {ref['version']} (reference, longer training) | - | {ref['params'] / 1e6:.1f}M | "
                     f"- | - | - | - | {_measured_cells(ref)} | - |")
    lines += ["", "## Validation loss against CPU minutes", "",
              "| preset | " + " | ".join(f"{m:g} min" for m in marks) + " |",
              "|---|" + "---|" * len(marks)]
    for name, r in runs.items():
        vals = [loss_at(r["curve"], m) for m in marks]
        lines.append(f"| {name} | " + " | ".join("-" if v is None else f"{v:.3f}" for v in vals) + " |")
    load = {n: r.get("latency", {}).get("load_average") for n, r in runs.items()}
    choice = result["choice"]
    lines += ["", "(`-`: no evaluation yet at that mark; evaluations run every 100 steps.)", "",
              "## Decision", "",
              f"Ship-size rule: the best held-out line-start exact match among the sizes whose single-line p95 "
              f"through the server is <= {LATENCY_TARGET_MS:g} ms. Within the target: "
              f"{', '.join(choice['within_latency_target']) or 'none'}. Chosen: **{choice['preset']}** "
              f"({choice['reason']}).",
              "", "Load average (1 min) when each latency run ended: "
              + ", ".join(f"{n} {v}" for n, v in load.items()) + ".", ""]
    return "\n".join(lines) + "\n"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `elixir-coder train scaling`."""
    p.add_argument("--corpus-dir", type=Path, required=True, help="a built corpus (train/valid/test.jsonl)")
    p.add_argument("--tokenizer", type=Path, required=True, help="the tokenizer directory every size shares")
    p.add_argument("--work-dir", type=Path, required=True, help="one sub-directory per size")
    p.add_argument("--presets", default=",".join(STUDY_PRESETS))
    p.add_argument("--cpu-limit-min", type=float, default=30.0, help="CPU minutes per size")
    p.add_argument("--eval-cases", type=int, default=300)
    p.add_argument("--latency-cases", type=int, default=80)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-latency", action="store_true", help="skip the through-the-server latency runs")
    p.add_argument("--reference", type=Path, help="a shipped model directory measured the same way, for scale")
    p.add_argument("--report", default=str(REPORT), help="markdown report path ('' to skip)")


def run_from_args(args) -> int:
    """Run the study from parsed arguments and write the report."""
    try:
        result = study(args.work_dir, args.corpus_dir, args.tokenizer,
                       [p.strip() for p in args.presets.split(",") if p.strip()], cpu_limit_min=args.cpu_limit_min,
                       eval_cases=args.eval_cases, latency_cases=args.latency_cases, seed=args.seed,
                       threads=args.threads, measure_latency=not args.no_latency, reference=args.reference)
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"scaling: error: {exc}", file=sys.stderr)
        return 1
    if args.report:
        # Placeholders instead of this machine's folders: reports name no machine paths.
        command = (f"elixir-coder train scaling --corpus-dir <build>/corpus --tokenizer <build>/tokenizer "
                   f"--work-dir <scaling-dir> --presets {args.presets} --cpu-limit-min {args.cpu_limit_min:g} "
                   f"--eval-cases {args.eval_cases} --latency-cases {args.latency_cases} --seed {args.seed} "
                   f"--threads {args.threads}")
        Path(args.report).write_text(render(result, command))
    return 0
