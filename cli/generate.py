"""`elixir-coder generate "prompt" [--file F] [--line N]`: the clarification flow in a terminal.

The prompt becomes a comment describing a function (lines that already are Elixir, such as a
`@spec` or a `def` head, are kept as code) in a new module, or in the first module of `--file`;
with `--line`, the function described at that line of the file is generated instead. When the
samples disagree the question is asked on the terminal (or answered by `--answer N`); the
result is checked and repaired like the editor's, then printed (or written back with `--write`).
Exit status: 0 generated, 1 no clean implementation, 2 bad usage, 3 a question left unanswered.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from elixir_coder.assist.clarify import Assessment, assess, clarification_comment
from elixir_coder.assist.generate import Candidate, Outcome, Site, find_site, generate_checked
from elixir_coder.server.settings import Settings

NEEDS_ANSWER = 3


class GenerateError(Exception):
    """Bad usage of `generate`, reported as one line."""


def _prompt_lines(prompt: str, indent: str) -> str:
    out = []
    for line in prompt.strip().splitlines():
        s = line.strip()
        code = s.startswith(("@spec", "@doc", "def ", "defp ", "#"))
        out.append(indent + (s if code else "# " + s))
    return "\n".join(out) + "\n"


def site_for(prompt: str, text: str | None, line: int | None) -> Site:
    """The site to generate: at `line` of `text`, or the prompt placed as a comment in (a copy of) the module.

    Raises:
        GenerateError: the line describes no function, or the prompt is empty.
    """
    if text is not None and line is not None:
        site = find_site(text, line - 1)
        if site is None:
            raise GenerateError(f"line {line} describes no function to generate (no @doc/@spec/comment or empty def)")
        return site
    if not prompt.strip():
        raise GenerateError("the prompt is empty")
    if text is None or "defmodule" not in text:
        text = "defmodule Generated do\nend\n"
    lines = text.split("\n")
    module_line = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("defmodule"))
    indent = lines[module_line][: len(lines[module_line]) - len(lines[module_line].lstrip())]
    # the module's closing `end`: the first line at the module's indentation after it
    close = next((i for i in range(module_line + 1, len(lines)) if lines[i].rstrip() == indent + "end"), None)
    if close is None:
        raise GenerateError("could not find the end of the first module")
    block = _prompt_lines(prompt, indent + "  ")
    gap = "" if lines[close - 1].strip() == "" or close == module_line + 1 else "\n"
    new_text = "\n".join(lines[:close]) + "\n" + gap + block + "\n".join(lines[close:])
    site = find_site(new_text, close + (1 if gap else 0))
    if site is None:
        raise GenerateError("the prompt does not describe a function")
    return site


def _ask(assessment: Assessment, answer: int | None, out: TextIO, inp: TextIO) -> int | None:
    """Print the question; the chosen option's index (None: unanswered)."""
    q = assessment.question
    assert q is not None
    print(f"The samples disagree ({'; '.join(assessment.reasons)}).", file=out)
    print(f"{q.text}  [{q.category}]", file=out)
    for k, option in enumerate(q.options, start=1):
        print(f"  {k}. {option.label}  ({option.share:.0%} of samples)  e.g. {option.preview}", file=out)
    if answer is None:
        if not inp.isatty():
            return None
        try:
            raw = input(f"Choose 1-{len(q.options)}: ")
        except EOFError:
            return None
        answer = int(raw) if raw.strip().isdigit() else 0
    if not 1 <= answer <= len(q.options):
        raise GenerateError(f"choose an option between 1 and {len(q.options)}")
    return answer - 1


def _load_model(args: argparse.Namespace):  # noqa: ANN202 - a Backend
    from elixir_coder.server.models import ModelService

    settings = Settings(model_path=args.model_path, remote_url=args.remote_url, remote_model=args.remote_model)
    service = ModelService()
    service.configure(settings)
    # The registry's quality model when there is one (as in the editor); otherwise the current version.
    return service.load_for_generation(args.adapter)


def _cmd_generate(args: argparse.Namespace) -> int:
    text = None
    if args.file:
        path = Path(args.file)
        if not path.is_file():
            raise GenerateError(f"no such file: {path}")
        text = path.read_text(encoding="utf-8")
    if args.line is not None and text is None:
        raise GenerateError("--line needs --file")
    try:
        site = site_for(args.prompt, text, args.line)
        model = _load_model(args)
        assessment = assess(model, site, n=args.samples, temperature=args.temperature,
                            entropy_threshold=args.entropy, clusters_threshold=args.clusters)
        if assessment.ask:
            choice = _ask(assessment, args.answer, sys.stdout, sys.stdin)
            if choice is None:
                print("elixir-coder: the request is ambiguous; answer with --answer N", file=sys.stderr)
                return NEEDS_ANSWER
            assert assessment.question is not None
            option = assessment.question.options[choice]
            outcome: Outcome = generate_checked(model, site, n=args.samples,
                                                extra=clarification_comment(site, option.answer),
                                                fallback=[Candidate(c) for c in option.codes])
        else:
            outcome = generate_checked(model, site, n=args.samples, first=assessment.ordered_candidates())
    except GenerateError as exc:
        print(f"elixir-coder: {exc}", file=sys.stderr)
        return 2
    print(outcome.summary(), file=sys.stderr)
    if outcome.candidate is None or outcome.edited_text is None:
        return 1
    if args.write and args.file:
        Path(args.file).write_text(outcome.edited_text, encoding="utf-8")
        print(f"wrote {args.file}", file=sys.stderr)
    else:
        sys.stdout.write(outcome.candidate.code)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `generate`."""
    p = subparsers.add_parser("generate", help="generate a function from a description, asking when it is ambiguous")
    p.add_argument("prompt", nargs="?", default="", help="what the function does (may include a @spec)")
    p.add_argument("--file", help="an Elixir file to generate into (its first module)")
    p.add_argument("--line", type=int, help="generate the function described at this line of --file (1-based)")
    p.add_argument("--answer", type=int, help="answer a clarification question with option N (non-interactive)")
    p.add_argument("--write", action="store_true", help="write the result into --file instead of printing it")
    p.add_argument("--samples", type=int, default=8, help="candidates sampled (default 8)")
    p.add_argument("--temperature", type=float, default=0.8, help="sampling temperature (default 0.8)")
    p.add_argument("--entropy", type=float, default=Settings.clarify_entropy, help="ask at this entropy (nats)")
    p.add_argument("--clusters", type=int, default=Settings.clarify_clusters, help="ask at this many clusters")
    p.add_argument("--model-path", help="a model directory (default: the registry's current version)")
    p.add_argument("--adapter", default="base", help="adapter (default base)")
    p.add_argument("--remote-url", help="an OpenAI-compatible completion server instead of the local model")
    p.add_argument("--remote-model", help="the model name to send to the remote server")
    p.set_defaults(func=_cmd_generate)
