"""Build the optimization variants of a model and write docs/reports/optimization.md.

    elixir-coder train optimize --hf-dir ~/.cache/elixir-coder/build-default/pretrain/hf \\
        --corpus ~/.cache/elixir-coder/build-default/corpus --work-dir /tmp/opt

Stages: 20% magnitude pruning with a masked recovery fine-tune and distillation into a student about a
third the size (both in `optimize.py`, time-limited, optionally in two processes side by side);
CTranslate2 exports (teacher float32 / int8_float32 / int8, pruned int8, student int8); then for each:
directory size, latency, next-line exact match (the build's own cases and scorer), validation
perplexity through CTranslate2 and greedy ElixirEval pass@1; a recommendation; markdown + JSON.
The measuring lives in `benchmarks/optimization.py`; this module adds what needs training code.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elixir_coder.training.build_default import (
    PACKAGE_ROOT,
    _prompt_tokens,
    exact_match,
    machine_info,
    next_line_cases,
)
from elixir_coder.training.optimize import distill, magnitude_prune

DEFAULT_REPORT = PACKAGE_ROOT / "docs" / "reports" / "optimization.md"
DEFAULT_JSON = PACKAGE_ROOT / "docs" / "reports" / "optimization.json"

# (variant, source model, CTranslate2 quantization, description)
VARIANTS = (
    ("teacher-float32", "teacher", "float32", "default model, float32 weights"),
    ("teacher-int8_float32", "teacher", "int8_float32", "default model, int8 weights, float32 compute"),
    ("teacher-int8", "teacher", "int8", "default model, int8 (what ships)"),
    ("pruned-int8", "pruned", "int8", "20% magnitude-pruned + recovery, int8"),
    ("student-int8", "student", "int8", "distilled student (~1/3 size), int8"),
)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _stage_done(out: Path, stamp: str) -> bool:
    """True when a training stage finished for this teacher (a rebuilt teacher invalidates it)."""
    return (out / "summary.json").is_file() and (out / "hf" / "model.safetensors").is_file() and \
        (out / "teacher.sha256").is_file() and (out / "teacher.sha256").read_text().strip() == stamp


def _run_prune(kw: dict) -> dict:
    return magnitude_prune(**kw)


def _run_distill(kw: dict) -> dict:
    return distill(**kw)


def train_variants(hf_dir: Path, corpus_dir: Path, work_dir: Path, *, sparsity: float, prune_steps: int,
                   prune_budget_s: float, distill_steps: int, distill_budget_s: float, temperature: float,
                   alpha: float, parallel: bool, force: bool) -> tuple[dict, dict, list[str]]:
    """Run (or reuse) the pruning and distillation stages; returns their summaries and the reused stages."""
    stamp = _sha256(Path(hf_dir) / "model.safetensors")
    prune_kw = dict(hf_dir=hf_dir, out_dir=work_dir / "pruned", sparsity=sparsity, corpus_dir=corpus_dir,
                    steps=prune_steps, time_limit_s=prune_budget_s, threads=1)
    distill_kw = dict(teacher_hf_dir=hf_dir, out_dir=work_dir / "student", corpus_dir=corpus_dir,
                      temperature=temperature, alpha=alpha, steps=distill_steps, time_limit_s=distill_budget_s,
                      threads=1)
    todo = {name: kw for name, kw in (("pruned", prune_kw), ("student", distill_kw))
            if force or not _stage_done(work_dir / name, stamp)}
    runners = {"pruned": _run_prune, "student": _run_distill}
    if parallel and len(todo) == 2:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Two single-threaded processes: the two cores are used side by side instead of one after the other.
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {name: pool.submit(runners[name], kw) for name, kw in todo.items()}
            for f in futures.values():
                f.result()
    else:
        for name, kw in todo.items():
            runners[name](kw)
    for name in todo:
        (work_dir / name / "teacher.sha256").write_text(stamp + "\n")
    read = {name: json.loads((work_dir / name / "summary.json").read_text()) for name in ("pruned", "student")}
    return read["pruned"], read["student"], sorted(set(read) - set(todo))


def export_variants(sources: dict[str, Path], out_root: Path, names: list[str] | None = None,
                    prompt_format: str = "fim-psm") -> dict[str, Path]:
    """CTranslate2 directories for the named variants (default: all), each with its manifest."""
    from elixir_coder.model.manifest import Manifest
    from elixir_coder.training.export import detect_special_tokens, export_model

    out: dict[str, Path] = {}
    for name, src, quant, _ in VARIANTS:
        if names is not None and name not in names:
            continue
        hf = sources[src]
        cfg = json.loads((hf / "config.json").read_text())
        manifest = Manifest(name=name, version=f"opt-{name}", architecture="llama", parameters=0,
                            vocabulary_size=int(cfg["vocab_size"]), prompt_format=prompt_format, quantization=quant,
                            special_tokens=detect_special_tokens(hf / "tokenizer.json"))
        out[name] = export_model(hf, out_root / name, quantization=quant, manifest=manifest)
    return out


def _val_token_blocks(tok, texts: list[str], context_length: int, n: int) -> list[list[str]]:
    from elixir_coder.training.pretrain import validation_blocks

    blocks = validation_blocks(tok, texts, context_length, 1234, n)
    return [[tok.id_to_token(int(i)) for i in row] for row in blocks.tolist()]


def run_optimization(
    hf_dir: Path,
    corpus_dir: Path,
    work_dir: Path,
    *,
    report: Path = DEFAULT_REPORT,
    json_path: Path = DEFAULT_JSON,
    sparsity: float = 0.2,
    prune_steps: int = 400,
    prune_budget_min: float = 10.0,
    distill_steps: int = 600,
    distill_budget_min: float = 10.0,
    temperature: float = 2.0,
    alpha: float = 0.5,
    parallel: bool = False,
    eval_cases: int = 200,
    latency_prompts: int = 40,
    perplexity_blocks: int = 32,
    elixir_eval: bool = True,
    elixir_eval_jobs: int = 2,
    elixir_eval_limit: int | None = None,
    teacher_note: str = "",
    force: bool = False,
    command: str = "",
) -> dict[str, Any]:
    """Build every variant, measure it and write the report; returns the result dict (also the JSON).

    Args:
        hf_dir: the default model's pretrained transformers directory (the teacher).
        corpus_dir: the corpus it was trained on (train/valid splits).
        work_dir: intermediate models and exports (reused when the teacher is unchanged, unless force).
        report, json_path: where the markdown and the JSON go.
        sparsity: pruning fraction.
        prune_steps, prune_budget_min: recovery fine-tune bound (steps, minutes).
        distill_steps, distill_budget_min: distillation bound (steps, minutes).
        temperature, alpha: distillation soft-target temperature and soft-loss weight.
        parallel: run pruning and distillation in two processes at once (one thread each), and measure the
            teacher's variants' quality meanwhile; latency is always measured last, all variants in a row.
        eval_cases: next-line exact-match cases.
        latency_prompts: timed requests per variant.
        perplexity_blocks: validation blocks scored through CTranslate2.
        elixir_eval: run greedy pass@1 on ElixirEval for every variant.
        elixir_eval_jobs: parallel Elixir processes.
        elixir_eval_limit: only the first N problems (smoke runs); None: the whole suite.
        teacher_note: what the teacher is (printed in the report).
        force: redo the training stages.
        command: the command line, for the report.
    """
    from elixir_coder.benchmarks import optimization as bench
    from elixir_coder.benchmarks.stats import mcnemar_from_outcomes
    from elixir_coder.training.corpus import read_documents
    from elixir_coder.training.export import _count_parameters
    from elixir_coder.training.tokenizer import load_tokenizer

    hf_dir, corpus_dir, work_dir = Path(hf_dir), Path(corpus_dir), Path(work_dir)
    if not (hf_dir / "model.safetensors").is_file():
        raise FileNotFoundError(f"{hf_dir}: no model.safetensors (the teacher must be a save_pretrained directory)")
    work_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    sources = {"teacher": hf_dir, "pruned": work_dir / "pruned" / "hf", "student": work_dir / "student" / "hf"}
    tok = load_tokenizer(hf_dir)
    valid_texts = [r["text"] for r in read_documents(corpus_dir, "valid")]
    cases = next_line_cases(valid_texts, eval_cases, seed=1234)
    # The prompt format the build would ship (build_default keeps the one with more exact lines on the
    # teacher's int8 export); every variant is then measured and served with that format.
    dirs: dict[str, Path] = export_variants(sources, work_dir / "ct2", ["teacher-int8"])
    format_em = {"fim-psm": exact_match(dirs["teacher-int8"], cases, fim=True)["exact_match"],
                 "plain": exact_match(dirs["teacher-int8"], cases, fim=False)["exact_match"]}
    prompt_format = "fim-psm" if format_em["fim-psm"] >= format_em["plain"] else "plain"
    fim = prompt_format == "fim-psm"
    print(f"== prompt format {prompt_format} (teacher-int8 next-line exact match {format_em})", flush=True)
    prompts = [_prompt_tokens(tok, p, s if fim else None) for p, _, s in cases[:latency_prompts]]
    context = min(512, int(json.loads((hf_dir / "config.json").read_text())["max_position_embeddings"]))
    blocks = _val_token_blocks(tok, valid_texts, context, perplexity_blocks)
    problems = None
    if elixir_eval and elixir_eval_limit:
        from elixir_coder.benchmarks.elixir_eval import load_suite

        problems = load_suite()[:elixir_eval_limit]

    def quality(name: str, src: str, quant: str, desc: str, model_dir: Path) -> dict[str, Any]:
        # Figures that do not depend on timing, so they may run while the training stages do.
        t0 = time.time()
        print(f"== quality of {name}", flush=True)
        em = exact_match(model_dir, cases, fim=fim)
        v: dict[str, Any] = {
            "name": name, "source": src, "quantization": quant, "description": desc,
            "parameters": _count_parameters(sources[src]), "size_bytes": bench.dir_size(model_dir),
            "next_line": {"cases": em["cases"], "exact_match": em["exact_match"]},
            "next_line_hits": [tok.decode(o).strip() == t.strip()
                               for o, (_, t, _) in zip(em["outputs"], cases, strict=True)],
            "perplexity": bench.ct2_perplexity(model_dir, quant, blocks),
        }
        if elixir_eval:
            v["elixir_eval"] = bench.elixir_eval_pass1(model_dir, quant, variant=name, jobs=elixir_eval_jobs,
                                                       cache_dir=work_dir / "exec-cache", problems=problems)
        v["quality_seconds"] = round(time.time() - t0, 1)
        print("   " + json.dumps({k: v[k] for k in ("size_bytes", "next_line", "perplexity")}), flush=True)
        return v

    measured: dict[str, dict[str, Any]] = {}

    def measure_source(src: str) -> None:
        chosen = [row for row in VARIANTS if row[1] == src]
        dirs.update(export_variants(sources, work_dir / "ct2", [row[0] for row in chosen], prompt_format))
        for name, _, quant, desc in chosen:
            measured[name] = quality(name, src, quant, desc, dirs[name])

    def train() -> tuple[dict, dict, list[str]]:
        return train_variants(
            hf_dir, corpus_dir, work_dir, sparsity=sparsity, prune_steps=prune_steps,
            prune_budget_s=prune_budget_min * 60, distill_steps=distill_steps,
            distill_budget_s=distill_budget_min * 60, temperature=temperature, alpha=alpha, parallel=parallel,
            force=force)

    load_start = bench.load_average()
    if parallel:
        # The teacher's variants need no training: measure their quality while pruning and distillation run.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            training = pool.submit(train)
            measure_source("teacher")
            pruned, student, reused = training.result()
    else:
        pruned, student, reused = train()
        measure_source("teacher")
    measure_source("pruned")
    measure_source("student")

    # Latency last, for every variant in a row under the same conditions (nothing of ours running beside it).
    load_before = bench.load_average()
    variants: list[dict[str, Any]] = []
    ref_hits: list[bool] | None = None
    for name, _, quant, _ in VARIANTS:
        v = measured[name]
        v["latency"] = bench.measure_latency(dirs[name], quant, prompts)
        hits = v.pop("next_line_hits")
        if ref_hits is None:
            ref_hits, v["next_line_vs_reference"] = hits, None
        else:
            r = mcnemar_from_outcomes(ref_hits, hits)
            v["next_line_vs_reference"] = {"b": r.b, "c": r.c, "p_value": round(r.p_value, 4)}
        print(f"== latency of {name}: {v['latency']}", flush=True)
        variants.append(v)
    load_after = bench.load_average()

    caveats = [
        "All figures come from one shared 2-core machine: other jobs were running (see the load averages), which "
        "inflates latencies and their spread; compare variants with each other, not with other reports.",
        "CTranslate2 has no sparse kernels: the pruned model has the same size and speed as the dense one.",
    ]
    sizes = {v["name"]: v["size_bytes"] for v in variants}
    if abs(sizes["teacher-int8"] - sizes["teacher-int8_float32"]) < 1024:
        caveats.append("On CPU, `int8` and `int8_float32` store the same int8 weights (the non-quantized parts "
                       "stay float32 either way), so the two directories are the same size; they differ only in "
                       "the compute type requested at load.")
    if pruned["pruned_val_loss"] - pruned["dense_val_loss"] < 0.02:
        caveats.append(
            f"Pruning itself cost almost nothing here (validation loss {pruned['dense_val_loss']} dense, "
            f"{pruned['pruned_val_loss']} right after pruning), so the recovery steps act mostly as extra training "
            "of an under-trained model: a pruned variant that beats the teacher does so because of those steps, "
            "not because of the pruning.")
    if elixir_eval and all(v["elixir_eval"]["pass@1"] == 0 for v in variants):
        caveats.append("ElixirEval pass@1 is 0 for every variant: a model of a few million parameters trained "
                       "for minutes on a CPU does not write passing Elixir functions, so pass@1 cannot separate "
                       "the variants here; next-line exact match and perplexity carry the comparison.")
    result: dict[str, Any] = {
        "started_at": started, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command or "elixir-coder train optimize", "teacher_hf_dir": str(hf_dir),
        "teacher_note": teacher_note or _provenance(hf_dir),
        "teacher_sha256": _sha256(hf_dir / "model.safetensors"), "corpus_dir": str(corpus_dir),
        "machine": machine_info(), "load_average_start": list(load_start),
        "load_average_before": list(load_before), "load_average_after": list(load_after),
        "next_line_cases": len(cases), "prompt_format": prompt_format, "teacher_int8_exact_match_by_format": format_em, "perplexity_blocks": len(blocks), "context_length": context,
        "elixir_eval_problems": variants[0]["elixir_eval"]["problems"] if elixir_eval else 0,
        "pruning": pruned, "distillation": student, "stages_reused": reused, "variants": variants,
        "recommendation": bench.recommend(variants), "caveats": caveats,
        "json_path": str(_display(json_path)),
        "commands": [command or "elixir-coder train optimize",
                     f"magnitude_prune(sparsity={sparsity}, scope='layer', steps={prune_steps}, "
                     f"time_limit_s={prune_budget_min * 60:.0f}, threads=1)",
                     f"distill(ratio=1/3, temperature={temperature}, alpha={alpha}, steps={distill_steps}, "
                     f"time_limit_s={distill_budget_min * 60:.0f}, threads=1)"],
    }
    bench.write_report(result, Path(report), Path(json_path))
    print(f"optimization report written to {report}; recommended: {result['recommendation']['name']}")
    return result


def _provenance(hf_dir: Path) -> str:
    """The teacher directory's PROVENANCE.txt when it has one, else a generic description."""
    try:
        return " ".join((Path(hf_dir) / "PROVENANCE.txt").read_text(encoding="utf-8").split())
    except OSError:
        return "pretrained base of the default model"


def _display(path: Path) -> Path:
    try:
        return Path(path).resolve().relative_to(PACKAGE_ROOT)
    except ValueError:
        return Path(path)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `elixir-coder train optimize`."""
    p.add_argument("--hf-dir", type=Path, required=True, help="the teacher: pretrained transformers directory")
    p.add_argument("--corpus", type=Path, required=True, help="built corpus (train.jsonl, valid.jsonl)")
    p.add_argument("--work-dir", type=Path, required=True, help="intermediate models and exports")
    p.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    p.add_argument("--json", type=Path, default=DEFAULT_JSON)
    p.add_argument("--sparsity", type=float, default=0.2)
    p.add_argument("--prune-steps", type=int, default=400)
    p.add_argument("--prune-budget-min", type=float, default=10.0)
    p.add_argument("--distill-steps", type=int, default=600)
    p.add_argument("--distill-budget-min", type=float, default=10.0)
    p.add_argument("--temperature", type=float, default=2.0)
    p.add_argument("--alpha", type=float, default=0.5)
    p.add_argument("--parallel", action="store_true", help="prune and distill at once, one thread each")
    p.add_argument("--eval-cases", type=int, default=200)
    p.add_argument("--latency-prompts", type=int, default=40)
    p.add_argument("--no-elixir-eval", action="store_true", help="skip ElixirEval pass@1")
    p.add_argument("--jobs", type=int, default=2, help="parallel Elixir processes for ElixirEval")
    p.add_argument("--elixir-eval-limit", type=int, help="only the first N ElixirEval problems (smoke runs)")
    p.add_argument("--teacher-note", default="", help="what the teacher is (default: its PROVENANCE.txt)")
    p.add_argument("--force", action="store_true", help="redo pruning and distillation")


def run_from_args(args: argparse.Namespace) -> int:
    """Run from parsed arguments; one error line and status 1 on bad input."""
    from elixir_coder.training.export import ExportError
    from elixir_coder.training.optimize import OptimizeError

    prog = "python -m elixir_coder.training.optimize_report" if sys.argv[0].endswith(".py") else "elixir-coder"
    try:
        run_optimization(
            args.hf_dir, args.corpus, args.work_dir, report=args.report, json_path=args.json, sparsity=args.sparsity,
            prune_steps=args.prune_steps, prune_budget_min=args.prune_budget_min, distill_steps=args.distill_steps,
            distill_budget_min=args.distill_budget_min, temperature=args.temperature, alpha=args.alpha,
            parallel=args.parallel, eval_cases=args.eval_cases, latency_prompts=args.latency_prompts,
            elixir_eval=not args.no_elixir_eval, elixir_eval_jobs=args.jobs,
            elixir_eval_limit=args.elixir_eval_limit, teacher_note=args.teacher_note,
            force=args.force, command=" ".join([prog, *sys.argv[1:]]))
    except (OptimizeError, ExportError, FileNotFoundError, ValueError) as exc:
        print(f"train optimize: error: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry (python -m elixir_coder.training.optimize_report)."""
    p = argparse.ArgumentParser(prog="optimize_report", description=__doc__.splitlines()[0])
    add_arguments(p)
    return run_from_args(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
