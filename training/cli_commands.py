"""`elixir-coder train ...` subcommands: corpus, tokenizer, pretrain, lora, build-default."""

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
    """Build the corpus from Debian's Elixir source, packaged slices and the user's directories."""
    from elixir_coder.training.corpus import CorpusError, CorpusOptions, build_corpus, default_sources

    try:
        sources = default_sources(args.dir, _slice_dirs(args.slice_dir), include_debian=not args.no_debian,
                                  include_packaged=not args.no_builtin)
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


def register(subparsers) -> None:
    """Add the `train` command and its subcommands to the CLI's subparsers."""
    train = subparsers.add_parser("train", help="build the corpus, tokenizer and models")
    sub = train.add_subparsers(dest="train_command", metavar="{corpus,tokenizer,pretrain,lora,build-default}")
    sub.required = True

    p = sub.add_parser("corpus", help="collect, dedupe, decontaminate and split Elixir sources")
    p.add_argument("--out", type=Path, required=True, help="output directory (train.jsonl, valid.jsonl, manifest)")
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


def main(argv: list[str] | None = None) -> int:
    """Standalone entry for testing: `python -m elixir_coder.training.cli_commands train ...`."""
    parser = argparse.ArgumentParser(prog="elixir-coder")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
