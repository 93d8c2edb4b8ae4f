"""`elixir-coder explain FILE:LINE`: the explanations the editor shows, printed in a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .main import CliError, _project_root


def parse_location(value: str) -> tuple[Path, int]:
    """`lib/a.ex:12` -> (path, 12); CliError for a missing line or a line below 1."""
    path, sep, line = value.rpartition(":")
    if not sep or not path or not line.isdigit() or int(line) < 1:
        raise CliError(f"expected FILE:LINE with a line number from 1, got {value!r}")
    return Path(path), int(line)


def _capable_engine(args: argparse.Namespace) -> tuple[Any, str] | None:
    """The model named on the command line when it may write explanations, else None."""
    from elixir_coder.assist.explain import is_capable

    if args.remote_url:
        from elixir_coder.model.remote import RemoteEngine

        remote = RemoteEngine(args.remote_url, model=args.remote_model)
        return remote, remote.version
    if args.model_path:
        from elixir_coder.model.engine import Engine
        from elixir_coder.model.manifest import ModelDirectoryError, validate_model_dir

        try:
            manifest = validate_model_dir(Path(args.model_path))
        except ModelDirectoryError as exc:
            raise CliError(str(exc)) from None
        if not is_capable(manifest.parameters, remote=False):
            print(f"elixir-coder: {manifest.name} {manifest.version} ({manifest.parameters:,} parameters) is too small "
                  "to write explanations; showing the structured text", file=sys.stderr)
            return None
        engine = Engine(Path(args.model_path))
        return engine, f"{manifest.name} {manifest.version}"
    return None


def _cmd_explain(args: argparse.Namespace) -> int:
    from elixir_coder.analysis.runner import AnalysisOptions, analyze_paths
    from elixir_coder.assist.explain import explain, find_targets, write_with_model

    path, line = parse_location(args.location)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    root = Path(args.root) if args.root else _project_root(path)
    result = analyze_paths([path], root=root, options=AnalysisOptions(strict=True), display_base=root)
    name = result.files[0] if result.files else str(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    targets = find_targets(result, name, line, args.check)
    if not targets:
        what = args.check or "Credo issue or Sobelow finding"
        print(f"elixir-coder: no {what} on {args.location}", file=sys.stderr)
        return 1
    model = _capable_engine(args)
    explanations = []
    for target in targets:
        exp = explain(target, text, result, filename=name, root=root)
        if model is not None:
            exp = write_with_model(model[0], exp, target, text, filename=name, root=root, model_name=model[1])
        explanations.append(exp)
    if args.format == "json":
        print(json.dumps([{"check": e.check, "source": e.source, "line": e.line, "markdown": e.to_markdown(),
                           "model": e.written_by} for e in explanations], indent=2))
    else:
        print("\n\n---\n\n".join(e.to_markdown() for e in explanations))
    return 0


def register(subparsers: Any) -> None:
    """Add the `explain` subcommand."""
    p = subparsers.add_parser("explain", help="explain the Credo and Sobelow findings on a line")
    p.add_argument("location", metavar="FILE:LINE", help="file and 1-based line")
    p.add_argument("--check", help="only this check (e.g. Readability.LargeNumbers or XSS.Raw)")
    p.add_argument("--root", help="project root (default: nearest mix.exs)")
    p.add_argument("--format", choices=["markdown", "json"], default="markdown")
    p.add_argument("--model-path", help="a local model directory to write the prose (used only if capable)")
    p.add_argument("--remote-url", help="an OpenAI-compatible server to write the prose")
    p.add_argument("--remote-model", help="model name on the remote server")
    p.set_defaults(func=_cmd_explain)
