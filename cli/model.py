"""`elixir-coder model list|show|promote|rollback|import-hf` and `elixir-coder complete FILE:LINE:COL`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


class _UsageError(Exception):
    pass


def _registry(args: argparse.Namespace):  # noqa: ANN202 - Registry, imported lazily
    from elixir_coder.model.registry import Registry

    return Registry(Path(args.registry) if getattr(args, "registry", None) else None)


def _guard(fn):  # noqa: ANN001, ANN202
    """Turn model-directory and usage errors into one line and exit status 1."""

    def run(args: argparse.Namespace) -> int:
        from elixir_coder.model.manifest import ModelDirectoryError

        try:
            return fn(args)
        except (ModelDirectoryError, _UsageError, OSError) as exc:
            print(f"elixir-coder: {exc}", file=sys.stderr)
            return 1

    return run


@_guard
def _cmd_list(args: argparse.Namespace) -> int:
    reg = _registry(args)
    versions = reg.list()
    if not versions:
        print(f"no registered versions in {reg.root}; the shipped default model serves")
    for v in versions:
        mark = "*" if v.current else " "
        size = f"{v.manifest.parameters / 1e6:.1f}M params" if v.manifest else "INCOMPLETE"
        print(f"{mark} {v.version}  [{', '.join(v.adapters)}]  {size}")
    quality = reg.quality_dir()
    if quality is not None:
        from elixir_coder.model.manifest import read_manifest

        m = read_manifest(quality)
        print(f"quality model: {m.version} ({m.parameters / 1e6:.1f}M params), used by generate and clarification")
    return 0


@_guard
def _cmd_set_quality(args: argparse.Namespace) -> int:
    version = _registry(args).set_quality(Path(args.path))
    print(f"quality model: {version}; generate and clarification use it from their next request")
    return 0


@_guard
def _cmd_clear_quality(args: argparse.Namespace) -> int:
    _registry(args).clear_quality()
    print("no quality model registered; generate and clarification use the current version")
    return 0


@_guard
def _cmd_show(args: argparse.Namespace) -> int:
    from elixir_coder.model.manifest import read_manifest

    path = _registry(args).resolve(args.version, args.adapter)
    print(json.dumps({"path": str(path), **read_manifest(path).to_dict()}, indent=2))
    return 0


@_guard
def _cmd_promote(args: argparse.Namespace) -> int:
    _registry(args).promote(args.version)
    print(f"current version: {args.version}")
    return 0


@_guard
def _cmd_rollback(args: argparse.Namespace) -> int:
    print(f"current version: {_registry(args).rollback()}")
    return 0


@_guard
def _cmd_import_hf(args: argparse.Namespace) -> int:
    try:
        from elixir_coder.training.export import ExportError, import_hf
    except ImportError as exc:
        raise _UsageError(f"import-hf needs the train extra (pip install 'elixir-coder[train]'): {exc}") from exc
    try:
        version = import_hf(Path(args.path), _registry(args), quantization=args.quantization, version=args.version)
    except ExportError as exc:
        raise _UsageError(str(exc)) from exc
    print(f"registered {version}; `elixir-coder model promote {version}` puts it in service")
    return 0


def parse_position(spec: str) -> tuple[Path, int, int]:
    """`FILE:LINE:COL` (1-based) -> (path, line, column)."""
    parts = spec.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise _UsageError(f"expected FILE:LINE:COL, got {spec!r}")
    return Path(parts[0]), int(parts[1]), int(parts[2])


def split_at(text: str, line: int, column: int) -> tuple[str, str]:
    """Prefix and suffix of a text around a 1-based line and column (clamped to the text)."""
    lines = text.split("\n")
    line = max(1, min(line, len(lines)))
    col = max(1, min(column, len(lines[line - 1]) + 1))
    offset = sum(len(l_) + 1 for l_ in lines[: line - 1]) + col - 1
    return text[:offset], text[offset:]


@_guard
def _cmd_complete(args: argparse.Namespace) -> int:
    from elixir_coder.model.engine import Engine, GenerationRequest

    path, line, column = parse_position(args.position)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _UsageError(f"{path}: not UTF-8 text") from exc
    prefix, suffix = split_at(text, line, column)
    engine = Engine(_registry(args).resolve(args.model, args.adapter))
    req = GenerationRequest(
        prefix=prefix, suffix=suffix, max_tokens=args.max_tokens, temperature=args.temperature,
        stop_at_newline=args.line, stop=("\n\n",),
    )
    completion = engine.generate(req)[0]
    print(f"# model {engine.version} ({engine.manifest.adapter or 'base'}), {completion.latency_ms:.1f} ms",
          file=sys.stderr)
    sys.stdout.write(completion.text + "\n")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `model` command group and `complete`."""
    model = subparsers.add_parser("model", help="the model registry: list, show, promote, rollback, import")
    model.add_argument("--registry", help="registry directory (default: $ELIXIR_CODER_HOME/models)")
    sub = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="registered versions (* = current)").set_defaults(func=_cmd_list)
    show = sub.add_parser("show", help="manifest of a version (default: the one in service)")
    show.add_argument("version", nargs="?")
    show.add_argument("--adapter")
    show.set_defaults(func=_cmd_show)
    promote = sub.add_parser("promote", help="put a registered version in service (atomic)")
    promote.add_argument("version")
    promote.set_defaults(func=_cmd_promote)
    sub.add_parser("rollback", help="return to the previous version").set_defaults(func=_cmd_rollback)
    imp = sub.add_parser("import-hf", help="convert and register a Hugging Face causal LM from disk")
    imp.add_argument("path")
    imp.add_argument("--quantization", default="int8")
    imp.add_argument("--version")
    imp.set_defaults(func=_cmd_import_hf)
    quality = sub.add_parser("set-quality", help="use a (larger) model directory for generate and clarification")
    quality.add_argument("path", help="an exported model directory (manifest.json, model.bin)")
    quality.set_defaults(func=_cmd_set_quality)
    sub.add_parser("clear-quality", help="stop using the registered quality model").set_defaults(
        func=_cmd_clear_quality)

    complete = subparsers.add_parser("complete", help="complete code at FILE:LINE:COL with the model in service")
    complete.add_argument("position", metavar="FILE:LINE:COL")
    complete.add_argument("--model", help="registry version (default: current, else the shipped default)")
    complete.add_argument("--adapter", help="exunit, phoenix or nerves (default: base)")
    complete.add_argument("--max-tokens", type=int, default=48)
    complete.add_argument("--temperature", type=float, default=0.0)
    complete.add_argument("--line", action="store_true", help="stop at the end of the current line")
    complete.add_argument("--registry", help="registry directory")
    complete.set_defaults(func=_cmd_complete)
