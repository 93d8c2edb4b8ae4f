"""`elixir-coder train ...` subcommands (corpus, tokenizer, pretrain, lora, build-default, scaling), plus the retraining loop: `retrain`, `gate`, `trainer watch|ab`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _err(cmd: str, exc: BaseException) -> int:
    print(f"train {cmd}: error: {exc}", file=sys.stderr)
    return 1


def _slice_dirs(values: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for v in values:
        name, sep, path = v.partition("=")
        if not sep or not path:
            raise ValueError(f"--slice-dir expects SLICE=DIR, got '{v}'")
        out.setdefault(name, []).append(path)
    return out


def cmd_corpus(args) -> int:
    """Build the corpus from the shared corpus shards (when there), else Debian's Elixir source and packaged
    fixtures, plus the user's directories."""
    from elixir_coder.training.corpus import (
        CorpusError,
        CorpusOptions,
        build_corpus,
        default_sources,
        shared_corpus_dir,
    )

    try:
        shards = None if args.no_shards else (args.corpus or shared_corpus_dir())
        sources = default_sources(args.dir, _slice_dirs(args.slice_dir), include_debian=not args.no_debian,
                                  include_packaged=not args.no_builtin, shards=shards)
        opts = CorpusOptions(validation_fraction=args.valid_fraction, max_bytes=args.max_bytes,
                             near_dup_threshold=args.near_dup, benchmarks_dir=args.benchmarks)
        manifest = build_corpus(sources, args.out, opts, cache_dir=args.cache_dir, mirror=args.mirror)
    except (CorpusError, ValueError, OSError) as exc:
        return _err("corpus", exc)
    if args.manifest:
        Path(args.manifest).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return 0


def cmd_tokenizer(args) -> int:
    """Train the BPE tokenizer on a built corpus and print its stats."""
    from elixir_coder.training.corpus import read_documents
    from elixir_coder.training.tokenizer import save_tokenizer, tokenizer_stats, train_tokenizer, write_stats

    try:
        train = [r["text"] for r in read_documents(args.corpus, "train")]
        valid = [r["text"] for r in read_documents(args.corpus, "valid")] or train[:50]
        tok = train_tokenizer(train, args.vocab_size, args.min_frequency)
        save_tokenizer(tok, args.out, args.context_length)
        stats = tokenizer_stats(tok, valid)
        write_stats(stats, Path(args.out) / "stats.json")
    except (OSError, ValueError) as exc:
        return _err("tokenizer", exc)
    print(f"vocab {stats['vocab_size']}, {stats['bytes_per_token']} bytes/token, "
          f"symbol coverage {stats['symbol_coverage']:.0%} -> {args.out}")
    return 0


def cmd_pretrain(args) -> int:
    """Pretrain a preset on a corpus (resumes from out/checkpoint.pt; torchrun sets WORLD_SIZE for DDP)."""
    from elixir_coder.training.config import ConfigError, load_preset
    from elixir_coder.training.pretrain import pretrain

    try:
        preset = load_preset(args.preset)
        summary = pretrain(preset, args.corpus, args.tokenizer, args.out, max_steps=args.steps,
                           time_limit_s=args.time_limit_min * 60 if args.time_limit_min else None,
                           cpu_limit_s=args.cpu_limit_min * 60 if args.cpu_limit_min else None,
                           resume=not args.no_resume, threads=args.threads)
    except (ConfigError, OSError, ValueError) as exc:
        return _err("pretrain", exc)
    print(json.dumps(summary))
    return 0


def cmd_lora(args) -> int:
    """Fine-tune and merge one LoRA adapter; optionally export it with export_model."""
    from elixir_coder.training.config import ConfigError, load_preset
    from elixir_coder.training.lora import LoraError, train_lora

    try:
        preset = load_preset(args.preset)
        summary = train_lora(preset, args.base, args.corpus, args.slice, args.out, max_steps=args.steps,
                             threads=args.threads)
    except (ConfigError, LoraError, OSError, ValueError) as exc:
        return _err("lora", exc)
    print(json.dumps(summary))
    return 0


def cmd_build_default(args) -> int:
    """Rebuild the shipped default model end to end."""
    from elixir_coder.training.build_default import run_from_args

    return run_from_args(args)


def cmd_optimize(args) -> int:
    """Quantization, pruning and distillation variants of a model, measured; writes docs/reports/optimization.md."""
    from elixir_coder.training.optimize_report import run_from_args

    return run_from_args(args)


def cmd_scaling(args) -> int:
    """Model sizes for one CPU budget, compared on held-out exact match and latency through the server."""
    from elixir_coder.training.scaling import run_from_args

    return run_from_args(args)


def register(subparsers) -> None:
    """Add the `train` command and its subcommands to the CLI's subparsers."""
    train = subparsers.add_parser("train", help="build the corpus, tokenizer and models")
    sub = train.add_subparsers(dest="train_command", metavar="{corpus,tokenizer,pretrain,lora,build-default,scaling,optimize}")
    sub.required = True

    p = sub.add_parser("corpus", help="collect, dedupe, decontaminate and split Elixir sources")
    p.add_argument("--out", type=Path, required=True, help="output directory (train.jsonl, valid.jsonl, manifest)")
    p.add_argument("--corpus", type=Path,
                   help="folder of gzip JSONL shards (default: $ELIXIR_CODER_CORPUS or ../shared/corpus when there)")
    p.add_argument("--no-shards", action="store_true", help="ignore the shared corpus even when it is there")
    p.add_argument("--dir", action="append", default=[], help="extra source directory (repeatable)")
    p.add_argument("--slice-dir", action="append", default=[], metavar="SLICE=DIR",
                   help="directory whose files all belong to a slice: exunit, phoenix or nerves (repeatable)")
    p.add_argument("--no-debian", action="store_true", help="skip the debian-elixir source")
    p.add_argument("--no-builtin", action="store_true", help="skip the packaged Phoenix/Nerves corpora")
    p.add_argument("--cache-dir", type=Path, help="where `apt-get source elixir` is cached")
    p.add_argument("--mirror", default="http://deb.debian.org/debian", help="Debian mirror for deb-src")
    p.add_argument("--benchmarks", default=str(Path(__file__).resolve().parent.parent / "benchmarks" / "data"),
                   help="benchmark data to decontaminate against")
    p.add_argument("--valid-fraction", type=float, default=0.05)
    p.add_argument("--max-bytes", type=int, default=200_000)
    p.add_argument("--near-dup", type=float, default=0.85, help="Jaccard threshold for near-duplicates")
    p.add_argument("--manifest", type=Path, help="also write the manifest here")
    p.set_defaults(func=cmd_corpus)

    p = sub.add_parser("tokenizer", help="train the byte-level BPE tokenizer")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--vocab-size", type=int, default=8192)
    p.add_argument("--min-frequency", type=int, default=2)
    p.add_argument("--context-length", type=int, default=512)
    p.set_defaults(func=cmd_tokenizer)

    p = sub.add_parser("pretrain", help="pretrain a model preset")
    p.add_argument("--preset", default="small")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--tokenizer", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--steps", type=int)
    p.add_argument("--time-limit-min", type=float)
    p.add_argument("--cpu-limit-min", type=float,
                   help="stop after this many CPU minutes of the process (all threads): a budget that is fair "
                        "when the machine is shared")
    p.add_argument("--threads", type=int)
    p.add_argument("--no-resume", action="store_true")
    p.set_defaults(func=cmd_pretrain)

    p = sub.add_parser("lora", help="LoRA fine-tune on a slice and merge into the base")
    p.add_argument("--preset", default="small")
    p.add_argument("--base", type=Path, required=True, help="pretrained transformers directory (pretrain out/hf)")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--slice", required=True, choices=["exunit", "phoenix", "nerves"])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--steps", type=int)
    p.add_argument("--threads", type=int)
    p.set_defaults(func=cmd_lora)

    from elixir_coder.training.build_default import add_arguments

    p = sub.add_parser("build-default", help="rebuild the shipped default model from scratch")
    add_arguments(p)
    p.set_defaults(func=cmd_build_default)

    from elixir_coder.training.scaling import add_arguments as add_scaling_arguments

    p = sub.add_parser("scaling", help="train several sizes for one CPU budget; write the scaling report")
    add_scaling_arguments(p)
    p.set_defaults(func=cmd_scaling)

    from elixir_coder.training.optimize_report import add_arguments as add_optimize_arguments

    p = sub.add_parser("optimize", help="quantize, prune and distill a model; write the optimization report")
    add_optimize_arguments(p)
    p.set_defaults(func=cmd_optimize)

    register_retraining(subparsers)


# ---------------------------------------------------------------- retraining loop: retrain, gate, trainer


def _loop_parts(args):  # noqa: ANN202 - (registry, feedback rows, replay texts), imported lazily
    from elixir_coder.model.registry import Registry
    from elixir_coder.telemetry.store import FeedbackStore

    registry = Registry(Path(args.registry) if args.registry else None)
    rows = list(FeedbackStore(Path(args.db) if args.db else None).events())
    replay: list[str] = []
    held_out: list[str] = []
    if getattr(args, "corpus", None):
        from elixir_coder.training.corpus import read_documents

        replay = [r["text"] for r in read_documents(args.corpus, "train")]
        held_out = [r["text"] for r in read_documents(args.corpus, "valid")]
    return registry, rows, replay, held_out


def _say(line: str) -> None:
    print(line, flush=True)  # progress of a long run must show up at once, also when piped to a log


def _eval_count(args) -> int | None:
    return None if args.elixir_eval < 0 else args.elixir_eval


def _run_loop_once(args) -> dict:
    from elixir_coder.training.gate import GateSettings
    from elixir_coder.training.retrain import RetrainSettings
    from elixir_coder.training.schedule import TriggerSettings, run_if_due

    registry, rows, replay, held_out = _loop_parts(args)
    return run_if_due(registry, rows, trigger=TriggerSettings(min_new_events=args.min_new_events),
                      retrain_settings=RetrainSettings(steps=args.steps, threads=args.threads),
                      gate_settings=GateSettings(elixir_eval_problems=_eval_count(args)),
                      base_hf=args.base_hf, replay_texts=replay, eval_texts=held_out, deploy=not args.no_deploy,
                      force=not args.if_due, echo=_say)


def cmd_retrain(args) -> int:
    """Retrain from feedback now (or only when due with --if-due), gate, and promote on `deploy`."""
    try:
        record = _run_loop_once(args)
    except (OSError, RuntimeError, ValueError) as exc:
        return _err("retrain", exc)
    print(record["summary"])
    return 0


def cmd_trainer_watch(args) -> int:
    """Check every --interval seconds whether retraining is due, and run it when it is."""
    import threading

    from elixir_coder.training.schedule import watch

    args.if_due = True
    stop = threading.Event()
    try:
        watch(lambda: _run_loop_once(args), args.interval, stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def cmd_gate(args) -> int:
    """Judge a registered candidate against the current version; --deploy promotes on `deploy`."""
    from elixir_coder.training.gate import GateError, GateSettings, run_gate
    from elixir_coder.training.retrain import RetrainError

    try:
        registry, _rows, _replay, held_out = _loop_parts(args)
        result = run_gate(registry, args.candidate, eval_path=args.eval, corpus_texts=held_out, deploy=args.deploy,
                          settings=GateSettings(elixir_eval_problems=_eval_count(args)), echo=_say)
    except (GateError, RetrainError, OSError, ValueError) as exc:
        return _err("gate", exc)
    print(f"{result.decision}: report {result.report_path}")
    return 0 if result.decision == "deploy" else 3


def cmd_ab(args) -> int:
    """Start, check (advance / promote / roll back) or stop the online A/B experiment."""
    from elixir_coder.model.ab import ABController, ABError, ABSettings, arm_stats

    try:
        registry, rows, _, _ = _loop_parts(args)
        ab = ABController(registry, ABSettings(min_per_step=args.min_per_step))
        if args.ab_action == "start":
            if not args.candidate:
                raise ABError("ab start needs the candidate version")
            state = ab.start(args.candidate, steps=[float(x) for x in args.steps.split(",")])
            print(f"A/B started: {state.treatment} gets {state.fraction:.0%} against {state.control}")
        elif args.ab_action == "check":
            state = ab.state()
            if state is None:
                raise ABError("no A/B experiment")
            action, reason = ab.evaluate(arm_stats(rows, since=state.started_at))
            print(f"{action}: {reason}")
        else:
            ab.stop()
            print("A/B stopped: all traffic on the control version")
    except (OSError, ValueError) as exc:  # ABError and the registry's errors are ValueErrors
        return _err("ab", exc)
    return 0


def register_retraining(subparsers) -> None:
    """Add `retrain`, `gate CANDIDATE` and `trainer watch|ab` to the CLI."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--registry", help="registry root (default: $ELIXIR_CODER_HOME/models)")
    common.add_argument("--db", help="feedback database (default: the server's)")
    common.add_argument("--corpus", type=Path, help="base corpus directory (train.jsonl) for replay and the "
                        "next-line guardrail")
    common.add_argument("--elixir-eval", type=int, default=0, metavar="N",
                        help="ElixirEval problems in the gate (0: skip, -1: all)")
    loop = argparse.ArgumentParser(add_help=False)
    loop.add_argument("--min-new-events", type=int, default=500)
    loop.add_argument("--steps", type=int, default=80, help="LoRA steps")
    loop.add_argument("--threads", type=int)
    loop.add_argument("--base-hf", type=Path, help="checkpoint to fine-tune (default: the current version's)")
    loop.add_argument("--no-deploy", action="store_true", help="gate, but never promote")

    p = subparsers.add_parser("retrain", parents=[common, loop], help="feedback -> LoRA candidate -> gate -> promote")
    p.add_argument("--if-due", action="store_true", help="only when the trigger says so (decision logged)")
    p.set_defaults(func=cmd_retrain)

    p = subparsers.add_parser("gate", parents=[common], help="deployment decision for a candidate version")
    p.add_argument("candidate")
    p.add_argument("--eval", type=Path, help="held-out eval.jsonl (default: the candidate's)")
    p.add_argument("--deploy", action="store_true", help="promote when the decision is deploy")
    p.set_defaults(func=cmd_gate)

    trainer = subparsers.add_parser("trainer", help="scheduled retraining and online A/B")
    tsub = trainer.add_subparsers(dest="trainer_command", metavar="{watch,ab}", required=True)
    p = tsub.add_parser("watch", parents=[common, loop], help="run `retrain --if-due` on a schedule")
    p.add_argument("--interval", type=float, default=3600.0, help="seconds between checks")
    p.set_defaults(func=cmd_trainer_watch)
    p = tsub.add_parser("ab", parents=[common], help="online A/B: start, check, stop")
    p.add_argument("ab_action", choices=["start", "check", "stop"])
    p.add_argument("candidate", nargs="?", help="the treatment version (start)")
    p.add_argument("--steps", default="0.05,0.2,0.5,1.0", help="rollout fractions")
    p.add_argument("--min-per-step", type=int, default=200)
    p.set_defaults(func=cmd_ab)


def main(argv: list[str] | None = None) -> int:
    """Standalone entry for testing: `python -m elixir_coder.training.cli_commands train ...`."""
    parser = argparse.ArgumentParser(prog="elixir-coder")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
