"""Rebuild the shipped default model (base + exunit/phoenix/nerves) from scratch with one seeded command.

    python -m elixir_coder.training.build_default --preset small --pretrain-steps 1500 --lora-steps 120

Stages (each skipped when its output exists, unless --force): corpus, tokenizer, pretrain, three LoRA runs,
int8 export into model/default/<name>/, evaluation (next-line exact match through CTranslate2, int8 vs float32
agreement), summary JSON and the report in docs/reports/model.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from elixir_coder.training.config import load_preset, parameter_count
from elixir_coder.training.corpus import (
    SLICES,
    CorpusOptions,
    build_corpus,
    default_sources,
    read_documents,
    shared_corpus_dir,
)
from elixir_coder.training.eval_cases import mid_line_cases, next_line_cases

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # repository root in an editable install
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "model" / "default"
DEFAULT_WORK = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "elixir-coder" / "build-default"
DEFAULT_REPORT = PACKAGE_ROOT / "docs" / "reports" / "model.md"
CORPUS_MANIFEST = Path(__file__).resolve().parent / "data" / "corpus_manifest.json"
BENCHMARKS_DIR = PACKAGE_ROOT / "benchmarks" / "data"
MODEL_VERSION = "0.2.0"


def machine_info() -> dict:
    """CPU model, core count, OS and library versions, for the report."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
    try:
        import ctranslate2
        import peft
        import tokenizers
        import torch
        import transformers

        info.update(torch=torch.__version__, transformers=transformers.__version__, peft=peft.__version__,
                    ctranslate2=ctranslate2.__version__, tokenizers=tokenizers.__version__,
                    gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
    except ImportError:
        pass
    return info


# ---------------------------------------------------------------- evaluation through CTranslate2





def _prompt_tokens(tok, prefix: str, suffix: str | None, max_prefix: int = 320, max_suffix: int = 96,
                   order: str = "psm") -> list[str]:
    """FIM prompt tokens (PSM or SPM), or a plain left-to-right prompt (prefix only) when suffix is None.
    The suffix keeps whole lines, as the editor's prompt builder does."""
    pre = tok.encode(prefix).ids[-max_prefix:]
    if suffix is None:
        return [tok.id_to_token(i) for i in pre]
    from elixir_coder.training.pretrain import cut_suffix

    suf = tok.encode(cut_suffix(suffix)).ids[:max_suffix]
    p, s, m = (tok.token_to_id(t) for t in ("<fim_prefix>", "<fim_suffix>", "<fim_middle>"))
    ids = [p, s, *suf, m, *pre] if order == "spm" else [p, *pre, s, *suf, m]
    return [tok.id_to_token(i) for i in ids]


def _shipped_format(model_dir: Path) -> tuple[bool, str]:
    """(FIM or not, FIM order) as the server would prompt this model directory."""
    from elixir_coder.model.manifest import read_manifest

    try:
        m = read_manifest(model_dir)
        return m.has_fim, m.fim_order
    except Exception:  # noqa: BLE001 - a directory without a readable manifest is evaluated as PSM
        return True, "psm"


def generate_lines(model_dir: Path, cases, max_new: int = 40, fim: bool | None = True) -> list[list[int]]:
    """Greedy completion of each case's line with CTranslate2, stopping at any token that holds a newline.
    `fim=None` prompts the model the way its manifest says the server will."""
    import ctranslate2

    from elixir_coder.training.tokenizer import load_tokenizer

    tok = load_tokenizer(model_dir)
    shipped_fim, order = _shipped_format(model_dir)
    fim = shipped_fim if fim is None else fim
    vocab = tok.get_vocab()
    # Byte-level BPE shows "\n" as "Ċ"; newline tokens also carry the next line's indentation.
    stops = sorted({t for t in vocab if "Ċ" in t} | {"<|endoftext|>"})
    gen = ctranslate2.Generator(str(model_dir), device="cpu", compute_type="default", intra_threads=1)
    out = []
    for i in range(0, len(cases), 16):
        prompts = [_prompt_tokens(tok, p, s if fim else None, order=order) for p, _, s in cases[i : i + 16]]
        res = gen.generate_batch(prompts, max_length=max_new, sampling_topk=1, end_token=stops,
                                 include_prompt_in_result=False)
        out.extend(r.sequences_ids[0] for r in res)
    return out


def exact_match(model_dir: Path, cases, fim: bool | None = True) -> dict:
    """Next-line exact match (whitespace-trimmed) and edit similarity of greedy completions (FIM prompt, or
    prefix only); `hits` keeps the per-case outcome for paired comparisons."""
    import difflib

    from elixir_coder.training.tokenizer import load_tokenizer

    tok = load_tokenizer(model_dir)
    t0 = time.time()
    outputs = generate_lines(model_dir, cases, fim=fim)
    texts = [tok.decode(o).strip() for o in outputs]
    hits = [t == target.strip() for t, (_, target, _) in zip(texts, cases, strict=True)]
    sims = [difflib.SequenceMatcher(None, t, target.strip(), autojunk=False).ratio()
            for t, (_, target, _) in zip(texts, cases, strict=True)]
    return {"cases": len(cases), "exact_match": round(sum(hits) / max(1, len(cases)), 4),
            "edit_similarity": round(sum(sims) / max(1, len(sims)), 4),
            "seconds": round(time.time() - t0, 1), "outputs": outputs, "hits": hits}


def _public(result: dict) -> dict:
    """An exact_match result without its per-case lists (for the summary)."""
    return {k: v for k, v in result.items() if k not in ("outputs", "hits")}


def held_out_evaluation(model_dirs: dict[str, Path], corpus_dir: Path, n: int, seed: int) -> dict:
    """Exact match and edit similarity on the held-out test repositories, at line starts and mid-line, with
    and without the text after the cursor, for the base model and for each adapter on its own slice."""
    test = read_documents(corpus_dir, "test")
    if not test:
        return {}
    texts = [r["text"] for r in test]
    out: dict = {"repositories": sorted({r.get("repo") or r["source"] for r in test}), "files": len(texts)}
    for where, make in (("line_start", next_line_cases), ("mid_line", mid_line_cases)):
        cases = make(texts, n, seed)
        out[where] = {"fim": _public(exact_match(model_dirs["base"], cases)),
                      "plain": _public(exact_match(model_dirs["base"], cases, fim=False))}
    for sl in SLICES:
        sl_texts = [r["text"] for r in test if sl in r["slices"]]
        if not sl_texts or sl not in model_dirs:
            continue
        cases = next_line_cases(sl_texts, n // 2, seed + 1)
        a, b = exact_match(model_dirs[sl], cases), exact_match(model_dirs["base"], cases)
        out[sl] = {"cases": len(cases), "files": len(sl_texts), "adapter": _public(a), "base": _public(b)}
    return out


def choose_prompt_format(fim_hits: list[bool], plain_hits: list[bool], fim_format: str) -> str:
    """FIM (the editor's text after the cursor is used) unless the prefix-only prompt completes significantly
    more validation lines exactly (paired McNemar test, p < 0.05): a tie keeps the suffix's information."""
    from elixir_coder.training.gate import paired_binary

    m = paired_binary("prompt_format", "success", fim_hits, plain_hits)
    return "plain" if m.diff > 0 and m.p_value < 0.05 else f"fim-{fim_format}"


def gate_against_current(candidate: Path, current: Path, corpus_dir: Path, n: int, seed: int) -> dict:
    """The paired decision (the gate's McNemar test and bootstrap interval) between the shipped base model and
    the new one on the same held-out line-start cases: ship only a significant improvement."""
    from elixir_coder.training.gate import paired_binary

    texts = [r["text"] for r in read_documents(corpus_dir, "test")] or \
        [r["text"] for r in read_documents(corpus_dir, "valid")]
    cases = next_line_cases(texts, n, seed + 2)
    # Each model as the server prompts it (its manifest's prompt format): that is what users get.
    new, old = exact_match(candidate, cases, fim=None), exact_match(current, cases, fim=None)
    m = paired_binary("held_out_next_line", "success", old["hits"], new["hits"])
    ship = m.diff > 0 and m.p_value < 0.05
    return {"cases": len(cases), "current_exact_match": old["exact_match"], "candidate_exact_match": new["exact_match"],
            "difference": round(m.diff, 4), "ci95": [round(m.ci_low, 4), round(m.ci_high, 4)],
            "p_value": m.p_value, "decision": "ship" if ship else "keep current"}


def dir_size(path: Path) -> int:
    """Total bytes of the files in a directory."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# ---------------------------------------------------------------- build


def build_manifest(name: str, preset, n_params: int, vocab: int, adapter: str | None, quantization: str,
              digest: str | None, benchmarks: dict):
    from elixir_coder.model.manifest import Manifest

    m = preset.model
    return Manifest(
        format_version=1,
        name=name,
        version=MODEL_VERSION if adapter is None else f"{MODEL_VERSION}+{adapter}",
        parent_version=None if adapter is None else MODEL_VERSION,
        architecture="llama",
        parameters=n_params,
        model_config={"hidden_size": m.hidden_size, "layers": m.num_hidden_layers, "heads": m.num_attention_heads,
                      "kv_heads": m.num_key_value_heads, "intermediate_size": m.intermediate_size,
                      "context_length": preset.train.context_length, "vocab_size": m.vocab_size},
        vocabulary_size=vocab,
        special_tokens={"fim_prefix": "<fim_prefix>", "fim_suffix": "<fim_suffix>", "fim_middle": "<fim_middle>",
                        "eos": "<|endoftext|>", "pad": "<pad>"},
        prompt_format=f"fim-{preset.train.fim_format}",
        adapter=adapter,
        quantization=quantization,
        training_data_digest=digest,
        benchmarks=benchmarks,
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


class Timer:
    """Records wall time per stage into the summary; a stage skipped because its output was cached keeps
    the time measured when it actually ran (from the previous summary.json)."""

    def __init__(self, summary: dict, previous: dict | None = None):
        self.summary = summary
        self.previous = previous or {}

    def __call__(self, name: str):
        timer = self

        class _Ctx:
            cached = False

            def __enter__(self):
                self.t0 = time.time()
                print(f"== {name}", flush=True)
                return self

            def __exit__(self, *exc):
                took = round(time.time() - self.t0, 1)
                if self.cached and name in timer.previous:
                    took = timer.previous[name]
                timer.summary.setdefault("timings_s", {})[name] = took
                print(f"== {name} took {took:.1f}s" + (" (cached stage)" if self.cached else ""), flush=True)

        return _Ctx()


def build_default(
    preset_name: str = "small",
    work_dir: Path = DEFAULT_WORK,
    out_dir: Path = DEFAULT_OUT,
    *,
    pretrain_steps: int | None = None,
    lora_steps: int | None = None,
    time_limit_min: float | None = None,
    seed: int | None = None,
    threads: int | None = None,
    force: bool = False,
    report: Path | None = DEFAULT_REPORT,
    eval_cases: int = 300,
    corpus_manifest_out: Path | None = CORPUS_MANIFEST,
    extra_dirs: list[str] | None = None,
    command: str | None = None,
    corpus: Path | None = None,
    adapter_margin: float = 0.02,
    ship_anyway: bool = False,
) -> dict:
    """Run every stage; returns the summary (also written to work_dir/summary.json)."""
    import dataclasses

    from elixir_coder.training.lora import train_lora
    from elixir_coder.training.pretrain import pretrain
    from elixir_coder.training.tokenizer import (
        load_tokenizer,
        save_tokenizer,
        tokenizer_stats,
        train_tokenizer,
    )

    preset = load_preset(preset_name)
    if seed is not None:
        preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, seed=seed))
    work_dir, out_dir = Path(work_dir), Path(out_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    if force:
        for sub in ("corpus", "tokenizer", "pretrain", *[f"lora-{s}" for s in SLICES], "export-f32"):
            shutil.rmtree(work_dir / sub, ignore_errors=True)
    summary: dict = {"preset": preset.to_dict(), "machine": machine_info(),
                     "command": command or " ".join(sys.argv), "started_at": datetime.now(UTC).isoformat()}
    previous = {}
    if (work_dir / "summary.json").exists():
        previous = json.loads((work_dir / "summary.json").read_text()).get("timings_s", {})
    timer = Timer(summary, previous)
    t_all = time.time()

    corpus_dir = work_dir / "corpus"
    with timer("corpus") as st:
        st.cached = (corpus_dir / "corpus_manifest.json").exists()
        if not st.cached:
            opts = CorpusOptions(benchmarks_dir=str(BENCHMARKS_DIR))
            build_corpus(default_sources(extra_dirs or [], shards=corpus or shared_corpus_dir()), corpus_dir, opts)
        manifest = json.loads((corpus_dir / "corpus_manifest.json").read_text())
    summary["corpus"] = {k: manifest[k] for k in ("counts", "bytes", "slices", "digest", "sources")}
    summary["corpus"]["held_out_repos"] = manifest.get("held_out_repos", {})
    if corpus_manifest_out:
        Path(corpus_manifest_out).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus_dir / "corpus_manifest.json", corpus_manifest_out)

    tok_dir = work_dir / "tokenizer"
    with timer("tokenizer") as st:
        train_texts = [r["text"] for r in read_documents(corpus_dir, "train")]
        valid_texts = [r["text"] for r in read_documents(corpus_dir, "valid")]
        st.cached = (tok_dir / "tokenizer.json").exists()
        if not st.cached:
            tok = train_tokenizer(train_texts, preset.tokenizer.vocab_size, preset.tokenizer.min_frequency)
            save_tokenizer(tok, tok_dir, preset.train.context_length)
            stats = {"shipped": tokenizer_stats(tok, valid_texts)}
            for v in (16384, 32768):
                if v != preset.tokenizer.vocab_size:
                    stats[str(v)] = tokenizer_stats(train_tokenizer(train_texts, v), valid_texts)
            (tok_dir / "stats.json").write_text(json.dumps(stats, indent=2))
        summary["tokenizer"] = json.loads((tok_dir / "stats.json").read_text())
    tok = load_tokenizer(tok_dir)

    pre_dir = work_dir / "pretrain"
    with timer("pretrain") as st:
        st.cached = (pre_dir / "hf" / "model.safetensors").exists()
        if not st.cached:
            summary["pretrain"] = pretrain(preset, corpus_dir, tok_dir, pre_dir, max_steps=pretrain_steps,
                                           time_limit_s=time_limit_min * 60 if time_limit_min else None,
                                           threads=threads)
            (pre_dir / "summary.json").write_text(json.dumps(summary["pretrain"], indent=2))
        summary["pretrain"] = json.loads((pre_dir / "summary.json").read_text())

    for sl in SLICES:
        ldir = work_dir / f"lora-{sl}"
        with timer(f"lora-{sl}") as st:
            st.cached = (ldir / "merged" / "model.safetensors").exists()
            if not st.cached:
                res = train_lora(preset, pre_dir / "hf", corpus_dir, sl, ldir, max_steps=lora_steps, threads=threads)
                (ldir / "summary.json").write_text(json.dumps(res, indent=2))
            summary.setdefault("lora", {})[sl] = json.loads((ldir / "summary.json").read_text())

    n_params = summary["pretrain"]["params"] or parameter_count(preset)
    vocab = tok.get_vocab_size()
    digest = manifest["digest"]
    with timer("export"):
        # Imported here so the long training stages can start before the export module is needed.
        from elixir_coder.training.export import export_model

        tmp_out = out_dir.parent / (out_dir.name + ".new")
        shutil.rmtree(tmp_out, ignore_errors=True)
        tmp_out.mkdir(parents=True)
        base_bench = {"val_loss": summary["pretrain"]["val_loss"], "val_ppl": summary["pretrain"]["val_ppl"]}
        export_model(pre_dir / "hf", tmp_out / "base", quantization="int8",
                     manifest=build_manifest("base", preset, n_params, vocab, None, "int8", digest, base_bench))
        for sl in SLICES:
            lo = summary["lora"][sl]
            bench = {"val_loss": lo["val_loss"], "val_ppl": lo["val_ppl"], "base_val_loss": lo["base_val_loss"]}
            export_model(work_dir / f"lora-{sl}" / "merged", tmp_out / sl, quantization="int8",
                         manifest=build_manifest(sl, preset, n_params, vocab, sl, "int8", digest, bench))
        f32 = work_dir / "export-f32"
        shutil.rmtree(f32, ignore_errors=True)
        export_model(pre_dir / "hf", f32, quantization="float32",
                     manifest=build_manifest("base", preset, n_params, vocab, None, "float32", digest, base_bench))

    with timer("evaluate"):
        ev: dict = {}
        cases = next_line_cases(valid_texts, eval_cases, seed=preset.train.seed)
        base_int8 = exact_match(tmp_out / "base", cases)
        base_f32 = exact_match(f32, cases)
        same = sum(a == b for a, b in zip(base_int8["outputs"], base_f32["outputs"], strict=True))
        first = sum(a[:1] == b[:1] for a, b in zip(base_int8["outputs"], base_f32["outputs"], strict=True))
        ev["base"] = {k: v for k, v in base_int8.items() if k != "outputs"}
        ev["base_plain"] = {k: v for k, v in exact_match(tmp_out / "base", cases, fim=False).items() if k != "outputs"}
        ev["int8_vs_float32"] = {
            "identical_completions": round(same / max(1, len(cases)), 4),
            "first_token_agreement": round(first / max(1, len(cases)), 4),
            "float32_exact_match": base_f32["exact_match"],
            "int8_bytes": dir_size(tmp_out / "base"), "float32_bytes": dir_size(f32),
        }
        for sl in SLICES:
            texts = [r["text"] for r in read_documents(corpus_dir, "valid", sl)]
            sl_cases = next_line_cases(texts, eval_cases // 2, seed=preset.train.seed + 1)
            a = exact_match(tmp_out / sl, sl_cases)
            b = exact_match(tmp_out / "base", sl_cases)
            ev[sl] = {"cases": len(sl_cases), "adapter_exact_match": a["exact_match"],
                      "base_exact_match": b["exact_match"],
                      "adapter_plain_exact_match": exact_match(tmp_out / sl, sl_cases, fim=False)["exact_match"],
                      "base_plain_exact_match": exact_match(tmp_out / "base", sl_cases, fim=False)["exact_match"]}
        ev["held_out"] = held_out_evaluation({"base": tmp_out / "base", **{sl: tmp_out / sl for sl in SLICES}},
                                             corpus_dir, eval_cases, preset.train.seed + 3)
        # An adapter ships only when it beats the base on its own slice's held-out repositories; without
        # its directory, routing falls back to the base model.
        dropped = []
        for sl in SLICES:
            h = ev["held_out"].get(sl)
            if h and h["adapter"]["exact_match"] - h["base"]["exact_match"] < adapter_margin:
                shutil.rmtree(tmp_out / sl)
                dropped.append(sl)
        ev["adapters_dropped"] = dropped
        shipped_names = ["base", *[sl for sl in SLICES if sl not in dropped]]
        ev["sizes"] = {name: dir_size(tmp_out / name) for name in shipped_names}
        ev["total_bytes"] = sum(ev["sizes"].values())
        summary["evaluation"] = ev

    # Swap the finished set in only now, so a failed build never leaves a half-written model/default/.
    from elixir_coder.model.manifest import read_manifest, write_manifest

    # Ship the prompt format that completed more held-out lines exactly; the model keeps its FIM tokens
    # either way, so a later build with better FIM training flips this back by itself.
    prompt_format = choose_prompt_format(ev["base"].pop("hits"), ev["base_plain"].pop("hits"), preset.train.fim_format)
    ev["prompt_format"] = prompt_format  # the per-case outcomes are not kept in the summary: only the decision
    for name in shipped_names:
        m = read_manifest(tmp_out / name)
        e = ev["base"] if name == "base" else ev[name]
        fim_em = e["exact_match"] if name == "base" else e["adapter_exact_match"]
        plain_em = ev["base_plain"]["exact_match"] if name == "base" else e["adapter_plain_exact_match"]
        m.benchmarks = {**(m.benchmarks or {}), "next_line_exact_match_fim": fim_em,
                        "next_line_exact_match_plain": plain_em}
        m.prompt_format = prompt_format
        write_manifest(tmp_out / name, m)
    # The gate: the new model replaces the shipped one only when it completes significantly more held-out
    # lines exactly; otherwise it is kept beside it for inspection.
    if (out_dir / "base" / "manifest.json").is_file():
        with timer("gate"):
            summary["gate"] = gate_against_current(tmp_out / "base", out_dir / "base", corpus_dir, eval_cases,
                                                   preset.train.seed)
        print(f"gate: {summary['gate']}", flush=True)
    else:
        summary["gate"] = {"decision": "ship", "reason": "no model shipped yet"}
    if summary["gate"]["decision"] == "ship" or ship_anyway:
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp_out, out_dir)
    else:
        rejected = out_dir.parent / (out_dir.name + ".rejected")
        shutil.rmtree(rejected, ignore_errors=True)
        os.replace(tmp_out, rejected)
        print(f"gate kept the shipped model; the new one is in {rejected}", flush=True)

    # Sum of stage times: on a resumed build, cached stages count with the time they took when they ran.
    summary["total_s"] = round(sum(summary["timings_s"].values()), 1)
    summary["this_invocation_s"] = round(time.time() - t_all, 1)
    summary["finished_at"] = datetime.now(UTC).isoformat()
    (work_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    if report:
        from elixir_coder.training.report import write_report

        write_report(work_dir, Path(report))
    print(f"default model written to {out_dir} ({ev['total_bytes'] / 1e6:.1f} MB); summary {work_dir / 'summary.json'}")
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command-line entry (python -m elixir_coder.training.build_default)."""
    p = argparse.ArgumentParser(prog="build_default", description=__doc__.splitlines()[0])
    add_arguments(p)
    args = p.parse_args(argv)
    return run_from_args(args)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options shared by this module's main and `elixir-coder train build-default`."""
    p.add_argument("--preset", default="small", help="preset name or YAML path (default: small)")
    p.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="intermediate files (corpus, checkpoints)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the model directories go")
    p.add_argument("--pretrain-steps", type=int, help="override the preset's train.max_steps")
    p.add_argument("--lora-steps", type=int, help="override the preset's lora.max_steps")
    p.add_argument("--time-limit-min", type=float, help="stop pretraining after this many minutes")
    p.add_argument("--seed", type=int, help="override the preset's seed")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--eval-cases", type=int, default=300, help="next-line exact-match cases")
    p.add_argument("--report", default=str(DEFAULT_REPORT), help="markdown report path ('' to skip)")
    p.add_argument("--dir", action="append", default=[], help="extra source directory (repeatable)")
    p.add_argument("--corpus", type=Path,
                   help="folder of gzip JSONL shards (default: $ELIXIR_CODER_CORPUS or ../shared/corpus when there)")
    p.add_argument("--adapter-margin", type=float, default=0.02,
                   help="exact-match points an adapter must gain over the base on its slice to ship")
    p.add_argument("--ship-anyway", action="store_true", help="replace the shipped model even if the gate says no")
    p.add_argument("--force", action="store_true", help="redo every stage")


def _command_line() -> str:
    """How this build was invoked, written the way a user would type it."""
    prog = "python -m elixir_coder.training.build_default" if sys.argv[0].endswith("build_default.py") else "elixir-coder"
    return " ".join([prog, *sys.argv[1:]])


def run_from_args(args) -> int:
    """Run build_default from parsed arguments; prints one line and returns 1 on a known error."""
    from elixir_coder.training.config import ConfigError
    from elixir_coder.training.corpus import CorpusError

    try:
        build_default(args.preset, args.work_dir, args.out, pretrain_steps=args.pretrain_steps,
                      lora_steps=args.lora_steps, time_limit_min=args.time_limit_min, seed=args.seed,
                      threads=args.threads, force=args.force, report=Path(args.report) if args.report else None,
                      eval_cases=args.eval_cases, extra_dirs=args.dir, command=_command_line(), corpus=args.corpus,
                      adapter_margin=args.adapter_margin, ship_anyway=args.ship_anyway)
    except (ConfigError, CorpusError, ValueError, RuntimeError) as exc:
        print(f"build-default: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
