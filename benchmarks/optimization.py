"""Measurements and report for the optimization study (quantization, pruning, distillation).

Everything here works on finished CTranslate2 model directories and needs only ctranslate2 and
the model engine; the variants themselves are built by `elixir_coder.training.optimize_report`
(`elixir-coder train optimize`), which calls these functions and adds the figures that need
training code (next-line exact match, the training summaries).

    size = dir_size(model_dir)
    lat = measure_latency(model_dir, "int8", prompts)                  # median / p95 ms for 32 new tokens
    ppl = ct2_perplexity(model_dir, "int8", token_blocks)              # validation perplexity
    ee = elixir_eval_pass1(model_dir, "int8", variant="int8")          # greedy pass@1 on ElixirEval
    write_report(result, Path("docs/reports/optimization.md"))
"""

from __future__ import annotations

import json
import math
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Compute types CTranslate2 accepts on CPU for the variants we compare.
CPU_COMPUTE_TYPES = ("float32", "int8", "int8_float32")


def dir_size(path: Path) -> int:
    """Total bytes of the files under a directory (what ships)."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (other work on a shared machine inflates latencies)."""
    try:
        return os.getloadavg()
    except OSError:  # pragma: no cover - not available on every platform
        return (float("nan"),) * 3


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100]) of a non-empty sequence."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    s = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(s)))
    return s[min(rank, len(s)) - 1]


def _generator(model_dir: Path, compute_type: str):
    import ctranslate2

    if compute_type not in CPU_COMPUTE_TYPES:
        raise ValueError(f"compute_type must be one of {', '.join(CPU_COMPUTE_TYPES)}, got {compute_type!r}")
    return ctranslate2.Generator(str(model_dir), device="cpu", compute_type=compute_type, intra_threads=1)


def measure_latency(
    model_dir: Path, compute_type: str, prompts: Sequence[list[str]], *, new_tokens: int = 32, warmup: int = 3
) -> dict[str, Any]:
    """Wall time of greedy generation of exactly `new_tokens` tokens after each prompt, one at a time.

    Args:
        model_dir: a CTranslate2 model directory.
        compute_type: float32, int8 or int8_float32 (CPU).
        prompts: prompt token strings (real editor prompts, e.g. FIM prompts of held-out code).
        new_tokens: tokens generated per request (min_length forces the full count, so an early
            end-of-text cannot flatter a variant).
        warmup: prompts run first and not timed (allocations, caches).
    """
    if not prompts:
        raise ValueError("measure_latency needs at least one prompt")
    gen = _generator(model_dir, compute_type)
    opts = {"max_length": new_tokens, "min_length": new_tokens, "sampling_topk": 1,
            "include_prompt_in_result": False}
    for p in list(prompts)[:warmup]:
        gen.generate_batch([p], **opts)
    times = []
    for p in prompts:
        t0 = time.perf_counter()
        gen.generate_batch([p], **opts)
        times.append((time.perf_counter() - t0) * 1000)
    del gen
    return {"median_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 95), 2),
            "mean_ms": round(statistics.fmean(times), 2), "requests": len(times), "new_tokens": new_tokens,
            "mean_prompt_tokens": round(statistics.fmean(len(p) for p in prompts), 1)}


def ct2_perplexity(model_dir: Path, compute_type: str, token_blocks: Sequence[list[str]]) -> dict[str, float]:
    """Perplexity of token sequences under the CTranslate2 model (every token after the first is scored).

    Computed through CTranslate2 itself, so quantized variants get the same figure as the float ones.
    """
    if not token_blocks:
        raise ValueError("ct2_perplexity needs at least one token block")
    gen = _generator(model_dir, compute_type)
    total, count = 0.0, 0
    for i in range(0, len(token_blocks), 8):
        for r in gen.score_batch(list(token_blocks[i : i + 8])):
            total -= sum(r.log_probs)
            count += len(r.log_probs)
    del gen
    loss = total / max(1, count)
    return {"loss": round(loss, 4), "ppl": round(math.exp(min(loss, 50)), 3), "tokens": count}


def elixir_eval_pass1(
    model_dir: Path,
    compute_type: str,
    *,
    variant: str,
    max_tokens: int = 256,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    problems: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Greedy pass@1 (one sample per problem) on ElixirEval, generated through the model engine.

    Args:
        model_dir: a complete model directory (manifest.json included).
        compute_type: CTranslate2 compute type to load it with.
        variant: label recorded with the result.
        max_tokens: new tokens per completion (the `bench elixir-eval` default: half a 512 context).
        jobs: parallel Elixir processes.
        cache_dir: execution result cache. All variants share one cache namespace: an outcome depends
            only on the executed code, so two variants writing the same completion run it once.
        problems: default: the whole suite.
    """
    from elixir_coder.model.engine import Engine, GenerationRequest

    from .elixir_eval import evaluate
    from .execution import ResultCache

    engine = Engine(Path(model_dir), compute_type=compute_type, intra_threads=1)
    try:
        def generate(prompt: str, n: int, seed: int) -> list[str]:
            req = GenerationRequest(prefix=prompt, max_tokens=max_tokens, temperature=0.0, num_hypotheses=1,
                                    stop=("\ndefmodule ", "\n```"))
            return [c.text for c in engine.generate(req)] * n

        t0 = time.perf_counter()
        result = evaluate(generate, n_samples=1, k_values=(1,), seed=0, model_id="optimization-study",
                          problems=problems, jobs=jobs, cache=ResultCache(cache_dir) if cache_dir else None,
                          n_bootstrap=1000)
    finally:
        engine.close()
    iv = result.pass_at_k[1]
    return {"variant": variant, "problems": len(result.problems), "samples_per_problem": 1, "greedy": True,
            "max_tokens": max_tokens, "pass@1": round(iv.estimate, 4), "ci95": [round(iv.low, 4), round(iv.high, 4)],
            "passed": [p.problem.id for p in result.problems if p.c], "outcomes": result.outcomes,
            "suite_digest": result.suite_digest, "seconds": round(time.perf_counter() - t0, 1)}


# ---------------------------------------------------------------- recommendation and report


def recommend(variants: Sequence[dict[str, Any]], reference: str = "teacher-float32",
              max_em_drop: float = 0.01, max_ppl_rise: float = 0.05, latency_tie: float = 0.10) -> dict[str, Any]:
    """Pick the fastest variant whose quality stays within tolerance of the reference.

    A variant qualifies when its next-line exact match is at most `max_em_drop` (absolute) below the
    reference's and not significantly worse by McNemar's test (p >= 0.05), its validation perplexity at
    most `max_ppl_rise` (relative) above, and its pass@1 not below the reference's. Median latencies within
    `latency_tie` (relative) of the fastest qualifying one count as ties: on a shared machine smaller gaps
    are noise. Among the tied, a variant of the teacher itself (quantization only, no extra training) wins
    over a pruned or distilled one, then the smaller, then the faster.
    Returns {"name", "reason", "qualified", "rejected", "tied"}.
    """
    by = {v["name"]: v for v in variants}
    if reference not in by:
        raise ValueError(f"no reference variant {reference!r}")
    ref = by[reference]
    qualified, rejected = [], {}
    for v in variants:
        why = []
        em_drop = ref["next_line"]["exact_match"] - v["next_line"]["exact_match"]
        if em_drop > max_em_drop:
            why.append(f"next-line exact match {em_drop * 100:.1f} points below {reference}")
        p = (v.get("next_line_vs_reference") or {}).get("p_value", 1.0)
        if p < 0.05 and em_drop > 0:
            why.append(f"significantly fewer exact lines (McNemar p={p:.3g})")
        ref_ppl, ppl = (ref.get("perplexity") or {}).get("ppl"), (v.get("perplexity") or {}).get("ppl")
        if ref_ppl and ppl and ppl > ref_ppl * (1 + max_ppl_rise):
            why.append(f"perplexity {ppl:.2f} vs {ref_ppl:.2f} (+{(ppl / ref_ppl - 1) * 100:.0f}%)")
        ref_pass = (ref.get("elixir_eval") or {}).get("pass@1")
        pas = (v.get("elixir_eval") or {}).get("pass@1")
        if ref_pass is not None and pas is not None and pas < ref_pass:
            why.append(f"ElixirEval pass@1 {pas:.3f} < {ref_pass:.3f}")
        if why:
            rejected[v["name"]] = "; ".join(why)
        else:
            qualified.append(v)
    fastest = min(v["latency"]["median_ms"] for v in qualified)
    tied = [v for v in qualified if v["latency"]["median_ms"] <= fastest * (1 + latency_tie)]
    best = min(tied, key=lambda v: (v.get("source", "teacher") != "teacher", v["size_bytes"],
                                    v["latency"]["median_ms"]))
    others = [v["name"] for v in tied if v is not best]
    tie_note = (f"; {', '.join(others)} within {latency_tie * 100:.0f}% of its latency (a tie on this machine), "
                "and a quantized teacher needs no extra training" if others else "")
    reason = (f"fastest variant ({best['latency']['median_ms']:.1f} ms median for {best['latency']['new_tokens']} "
              f"tokens, {best['size_bytes'] / 1e6:.1f} MB) whose next-line exact match "
              f"({best['next_line']['exact_match']:.3f} vs {ref['next_line']['exact_match']:.3f}) and perplexity stay "
              f"within tolerance of {reference} (exact match within {max_em_drop * 100:.0f} point and not significantly "
              f"worse, perplexity within {max_ppl_rise * 100:.0f}%, pass@1 not lower){tie_note}")
    return {"name": best["name"], "reason": reason, "qualified": [v["name"] for v in qualified], "rejected": rejected,
            "tied": others}


def _fmt_ppl(v: dict) -> str:
    p = v.get("perplexity") or {}
    return f"{p['ppl']:.2f}" if p.get("ppl") is not None else "n/a"


def _fmt_pass(v: dict) -> str:
    e = v.get("elixir_eval")
    if not e:
        return "not run"
    return f"{e['pass@1']:.3f} ({len(e['passed'])}/{e['problems']})"


def render_markdown(result: dict[str, Any]) -> str:
    """The markdown report for a result produced by `run_optimization`."""
    m = result["machine"]
    rows = ["| variant | what | params | size (MB) | latency median / p95 (ms) | next-line EM | vs float32 "
            "(McNemar p) | val ppl (CT2) | ElixirEval pass@1 |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for v in result["variants"]:
        cmp = v.get("next_line_vs_reference")
        cmp_s = "reference" if cmp is None else f"+{cmp['c']} / -{cmp['b']} (p={cmp['p_value']:.2g})"
        rows.append(
            f"| `{v['name']}` | {v['description']} | {v['parameters'] / 1e6:.2f}M | {v['size_bytes'] / 1e6:.2f} | "
            f"{v['latency']['median_ms']:.1f} / {v['latency']['p95_ms']:.1f} | {v['next_line']['exact_match']:.3f} | "
            f"{cmp_s} | {_fmt_ppl(v)} | {_fmt_pass(v)} |")
    pr, di = result.get("pruning") or {}, result.get("distillation") or {}
    rec = result["recommendation"]
    lat = result["variants"][0]["latency"]
    lines = [
        "# Optimization report: quantization, pruning, distillation",
        "",
        f"Generated {result['finished_at']} by `{result['command']}`.",
        f"Teacher: `{result['teacher_hf_dir']}` ({result['teacher_note']}). Corpus: `{result['corpus_dir']}`.",
        "",
        "## Recommended configuration",
        "",
        f"**`{rec['name']}`**: {rec['reason']}.",
        "",
        *[f"- `{k}` not chosen: {why}." for k, why in rec["rejected"].items()],
        "",
        "## Results",
        "",
        *rows,
        "",
        "- Size: bytes of the whole model directory (CTranslate2 weights, tokenizer.json, manifest.json).",
        f"- Latency: greedy generation of exactly {lat['new_tokens']} new tokens after each of {lat['requests']} real "
        f"prompts ({result.get('prompt_format', 'fim-psm')} prompts of the next-line cases, mean {lat['mean_prompt_tokens']:.0f} tokens), one request "
        "at a time, CTranslate2 `intra_threads=1`, after 3 untimed warm-up requests; all variants measured one "
        "after the other at the end of the run, with none of this run's training or evaluation beside them.",
        f"- Next-line EM: {result['next_line_cases']} held-out cases from the validation split "
        "(`build_default.next_line_cases`, seed as the build), greedy completion of the line through "
        f"CTranslate2 (`build_default.exact_match`) with the `{result.get('prompt_format', 'fim-psm')}` prompt, "
        "the format the build would ship (teacher int8 exact match by format: "
        + ", ".join(f"{k} {v:.3f}" for k, v in (result.get("teacher_int8_exact_match_by_format") or {}).items())
        + "); the McNemar column counts lines the variant gets right and float32 misses (+) and the reverse (-).",
        f"- Validation perplexity: CTranslate2 `score_batch` over {result['perplexity_blocks']} plain validation "
        f"blocks of {result['context_length']} tokens (the pretraining's validation pipeline), so quantized "
        "variants are measured the same way as float ones.",
        f"- ElixirEval pass@1: one greedy sample per problem ({result.get('elixir_eval_problems', 0)} problems), "
        "the `bench elixir-eval` generation settings (the model engine with the manifest's prompt format, 256 new "
        "tokens, the same stop strings), executed in real Elixir; 95% bootstrap intervals are in the JSON.",
        "",
        "## Pruning",
        "",
        (f"{pr['sparsity_requested'] * 100:.0f}% unstructured magnitude pruning, **{pr['scope']}** scope "
         f"(every linear matrix of the decoder blocks loses the same share of its smallest weights; the tied "
         f"embedding stays dense), measured sparsity {pr['sparsity']['overall'] * 100:.1f}% of "
         f"{pr['sparsity']['prunable_params'] / 1e6:.2f}M prunable weights (per matrix "
         f"{pr['sparsity']['min_layer'] * 100:.1f}-{pr['sparsity']['max_layer'] * 100:.1f}%). "
         f"Validation loss (torch, bf16 autocast, the validation blocks of the perplexity column): dense "
         f"{pr['dense_val_loss']}, right after pruning {pr['pruned_val_loss']}, after "
         f"{pr['recovery_steps']} recovery steps ({pr['tokens_seen']:,} tokens, {pr['elapsed_s']:.0f} s, lr "
         f"{pr['learning_rate']}, mask re-applied after every step, mask kept: {pr['mask_kept']}) "
         f"{pr['recovered_val_loss']}. Budget: at most {pr['recovery_budget']['max_steps']} steps or "
         f"{pr['recovery_budget']['time_limit_s']:.0f} s on {pr['threads']} thread(s).") if pr else "Not run.",
        "",
        "Why per-layer: the matrices of a Llama block are on different scales (grouped key/value projections, "
        "the MLP down projection), so one global threshold removes far more from some matrices than from others "
        "(the unit test shows a small-scale matrix losing over half its weights at 20% global sparsity). "
        "CTranslate2 stores and multiplies dense matrices, so unstructured sparsity leaves size and latency "
        "unchanged: the pruned row measures what the pruning costs in quality, and gains would need a sparse "
        "kernel or structured (row/head) pruning.",
        "",
        "## Distillation",
        "",
        (f"Student {di['student_params'] / 1e6:.2f}M parameters ({di['ratio'] * 100:.0f}% of the teacher's "
         f"{di['teacher_params'] / 1e6:.2f}M): hidden {di['student_config']['hidden_size']}, "
         f"{di['student_config']['layers']} layers, {di['student_config']['heads']} heads / "
         f"{di['student_config']['kv_heads']} key-value heads, MLP {di['student_config']['intermediate_size']}, "
         f"same tokenizer, random initialisation. Loss alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * "
         f"CE with T = {di['temperature']}, alpha = {di['alpha']}. {di['steps']} steps ({di['tokens_seen']:,} "
         f"tokens, {di['elapsed_s']:.0f} s, lr {di['learning_rate']}); budget at most {di['budget']['max_steps']} "
         f"steps or {di['budget']['time_limit_s']:.0f} s on {di['threads']} thread(s). KL to the teacher "
         f"(T = 1, per token) {di['kl_to_teacher_start']} at initialisation, {di['kl_to_teacher_end']} after; "
         f"validation loss (torch, same blocks) student {di['student_val_loss']} vs teacher "
         f"{di['teacher_val_loss']}.") if di else "Not run.",
        "",
        "## Caveats",
        "",
        *[f"- {c}" for c in result.get("caveats", [])],
        *([f"- The {' and '.join(result['stages_reused'])} model(s) were trained by an earlier invocation with the "
           "same teacher (checked by its SHA-256) and reused here; their step counts and times above are from "
           "that invocation, which ran beside other jobs (`--force` retrains)."] if result.get("stages_reused") else []),
        "",
        "## Machine",
        "",
        f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores shared with other jobs. Load average (1-minute): "
        f"{result.get('load_average_start', [float('nan')])[0]:.2f} at the start, "
        f"{result['load_average_before'][0]:.2f} before and {result['load_average_after'][0]:.2f} after the "
        f"latency measurements. Library versions: " + ", ".join(
            f"{k} {m[k]}" for k in ("torch", "transformers", "ctranslate2") if m.get(k)) + ".",
        "",
        "Commands:",
        "",
        *[f"    {c}" for c in result["commands"]],
        "",
        f"Machine-readable figures: `{result['json_path']}`.",
        "",
    ]
    return "\n".join(lines)


def write_report(result: dict[str, Any], md_path: Path, json_path: Path) -> None:
    """Write the markdown report and the JSON figures."""
    md_path, json_path = Path(md_path), Path(json_path)
    md_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(render_markdown(result), encoding="utf-8")
