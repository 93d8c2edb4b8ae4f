"""The `elixir-coder` command line: `serve`, `check`, and the model and training subcommands.

The CLI is the composition root: it is the one place that reaches into every package, and
it imports each area's commands lazily so `elixir-coder check` never loads torch.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from elixir_coder.analysis.runner import AnalysisOptions

# Modules that contribute subcommands through `register(subparsers)`; a missing or broken
# one must not take the rest of the CLI down.
_COMMAND_MODULES = (
    "elixir_coder.cli.model",
    "elixir_coder.training.cli_commands",
    "elixir_coder.telemetry.cli_commands",
    "elixir_coder.benchmarks.cli_commands",
    "elixir_coder.cli.serve_model",
    "elixir_coder.cli.generate",
    "elixir_coder.cli.explain",
)


# Exit statuses outside the analyzer's bit field (Credo's categories 1-16, Sobelow 32): like
# `mix credo`, 128 and above mean the run itself went wrong, never "issues found".
EXIT_USAGE = 128  # bad arguments, no such file, a required tool missing
EXIT_INTERNAL = 129  # an unexpected failure (the message is one line; -v shows the traceback)


class CliError(Exception):
    """An error the CLI reports as one line and the exit status EXIT_USAGE."""


class _Parser(argparse.ArgumentParser):
    """argparse, exiting with EXIT_USAGE instead of 2 (2 is Credo's design-issues bit)."""

    def error(self, message: str) -> NoReturn:  # noqa: D102
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _cmd_check(args: argparse.Namespace) -> int:
    from elixir_coder.analysis.runner import AnalysisOptions

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not _exists(p)]
    if missing:
        raise CliError(f"no such file or directory: {', '.join(missing)}")
    root = Path(args.root) if args.root else _project_root(paths[0] if paths else Path.cwd())
    options = AnalysisOptions(
        config_name=args.config_name,
        config_file=Path(args.config_file) if args.config_file else None,
        strict=True if args.strict else None,
        only=tuple(args.only or ()),
        enable=tuple(args.enable or ()),
        credo=args.format != "sobelow-json",
        sobelow=args.format != "credo-json",
    )
    # One run that keeps every parsed file to the end: the cyclic collector would only walk the
    # growing heap again and again (a tenth of the time; once more when the output is built after
    # the analysis), and frees nothing before exit.
    gc.disable()
    try:
        return _check_and_report(args, paths, root, options)
    finally:
        gc.enable()


def _check_and_report(args: argparse.Namespace, paths: list[Path], root: Path, options: AnalysisOptions) -> int:
    """Run the analysis (built-in, or the real tools when asked) and print its result."""
    from elixir_coder.analysis.formats import exit_status, render
    from elixir_coder.analysis.parallel import analyze_in_processes
    from elixir_coder.analysis.runner import analyze_paths

    result = None
    if args.analyzer in ("mix", "auto"):
        from elixir_coder.analysis.external import run_external

        result = run_external(root, strict=bool(args.strict))
        if result is None and args.analyzer == "mix":
            raise CliError("--analyzer mix: credo/sobelow not in mix.lock or mix not on PATH")
    if result is None:
        result = analyze_paths(paths, root=root, options=options,
                               split=partial(analyze_in_processes, processes=args.jobs))
    sys.stdout.write(render(result, args.format))
    for problem in result.problems:
        # Files that were not analysed are always said on stderr (the text format also lists them).
        if args.format != "text" or problem.kind == "unreadable":
            print(f"{problem.filename}:{problem.line}: {problem.message}", file=sys.stderr)
    return 0 if args.mute_exit_status else exit_status(result)


def _end_process(status: int) -> NoReturn:
    """End a `check` process once its output is written, without tearing its heap down.

    Freeing every parsed tree, node list and module one by one at interpreter exit costs a tenth
    of a run on a large folder and serves nothing (the operating system takes the memory back at
    once), so only the output streams are flushed. Only the console entry point ends this way
    (`main(argv)` called with arguments, as tests do, returns).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _exists(path: Path) -> bool:
    """Whether something is at `path` (a path in a folder that cannot be searched counts: reading it says why)."""
    try:
        return path.exists() or path.is_symlink()
    except OSError:
        return True


def _project_root(path: Path) -> Path:
    """Nearest directory at or above `path` holding mix.exs, else the current directory."""
    start = path.resolve()
    for candidate in [start, *start.parents]:
        try:
            if (candidate / "mix.exs").is_file():
                return candidate
        except OSError:
            continue
    return Path.cwd()


def _cmd_serve(args: argparse.Namespace) -> int:
    from elixir_coder.server import app

    unsupported = [flag for flag, value in (("--node-ipc", args.node_ipc), ("--pipe", args.pipe),
                                            ("--socket", args.socket)) if value]
    if unsupported:
        raise CliError(f"serve: the {unsupported[0]} transport is not supported; use stdio (the default, "
                       "or --stdio) or --tcp PORT")
    if args.tcp is not None and args.stdio:
        raise CliError("serve: choose one of --stdio and --tcp")
    if args.tcp is not None:
        app.run_tcp(args.host, args.tcp)
    else:
        app.run_stdio()
    return 0


_BUILT_IN_COMMANDS = frozenset({"serve", "check"})


def build_parser(other_commands: bool = True) -> argparse.ArgumentParser:
    """The argument parser with every available subcommand (only `serve` and `check` without
    `other_commands`: importing the other areas' modules costs a fifth of a second)."""
    parser = _Parser(prog="elixir-coder", description="AI assistant and analyzer for Elixir.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug information to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", type=int, metavar="PORT", help="listen on a TCP port instead of stdio")
    serve.add_argument("--host", default="127.0.0.1", help="address for --tcp (default 127.0.0.1)")
    # What vscode-languageclient and other LSP clients append to the command line: stdio is
    # served; the client's process id is not needed (over stdio the server ends when the client
    # closes its stdin); the transports this server does not speak are refused in one clear line.
    serve.add_argument("--stdio", action="store_true", help="serve over stdin/stdout (the default)")
    serve.add_argument("--clientProcessId", metavar="PID", help=argparse.SUPPRESS)
    serve.add_argument("--node-ipc", action="store_true", help=argparse.SUPPRESS)
    serve.add_argument("--pipe", metavar="NAME", help=argparse.SUPPRESS)
    serve.add_argument("--socket", metavar="PORT", help=argparse.SUPPRESS)
    serve.set_defaults(func=_cmd_serve)

    check = sub.add_parser("check", help="run the Credo- and Sobelow-compatible analyzer")
    check.add_argument("paths", nargs="*", help="files or directories (default: what `mix credo` analyses)")
    check.add_argument(
        "--format", choices=["text", "json", "credo-json", "sobelow-json"], default="text", help="output format"
    )
    check.add_argument("--strict", action="store_true", help="include low-priority issues (like mix credo --strict)")
    check.add_argument("--only", action="append", metavar="CHECK", help="run only checks whose name contains CHECK")
    check.add_argument("--enable", action="append", metavar="CHECK", help="also run an opt-in check")
    check.add_argument("--root", help="project root with .credo.exs and mix.lock (default: nearest mix.exs)")
    check.add_argument("--config-name", default="default", help="which config of .credo.exs to use")
    check.add_argument("--config-file", help="use this .credo.exs instead of searching for one")
    check.add_argument(
        "--analyzer", choices=["builtin", "mix", "auto"], default="builtin", help="built-in analyzer or the real tools"
    )
    check.add_argument("--mute-exit-status", action="store_true", help="exit 0 even when issues are found")
    check.add_argument("--jobs", type=int, metavar="N",
                       help="processes sharing the checks of a large Credo-only run (default: one per core)")
    check.set_defaults(func=_cmd_check)

    for module_name in _COMMAND_MODULES if other_commands else ():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                logging.getLogger(__name__).debug("commands of %s unavailable: %s", module_name, exc)
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `elixir-coder` console script."""
    words = list(sys.argv[1:] if argv is None else argv)
    command = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser(other_commands=command not in _BUILT_IN_COMMANDS)
    args = parser.parse_args(words)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        status = int(args.func(args) or 0)
        if argv is None and args.func is _cmd_check:
            _end_process(status)
        return status
    except CliError as exc:
        print(f"elixir-coder: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the CLI boundary turns any failure into one line
        if args.verbose:
            raise
        print(f"elixir-coder: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
