"""Completion benchmark: latency through the real server, CTranslate2 against torch, quality on held-out files.

Run: `python -m elixir_coder.benchmarks.completion [--corpus-dir DIR] [--hf-dir DIR]`.

- Cases come from the corpus's validation split (`valid.jsonl` of `elixir-coder train corpus`;
  default: the `train build-default` work directory), files the model never trained on.
  Single-line cases put the cursor inside a line after its first word and expect the rest of the
  line; multi-line cases put it at the end of a `do` line and expect the block's body.
- Latency: the real server (`python -m elixir_coder.server.app`) over stdio, driven by pygls's
  LanguageClient with `textDocument/inlineCompletion`; time from request to response. "Cold" is
  the first request after the model finished loading, "warm" the others. Each configuration
  (int8 / float32, constrained / unconstrained) is a fresh server.
- Speed against torch: the same prompts through `Engine.generate` (CTranslate2) and through
  transformers' `generate` on the Hugging Face checkpoint the CTranslate2 model was exported from
  (`--hf-dir`, e.g. the build's `pretrain/hf`); skipped when none is given.
- Quality: next-line exact match and edit similarity of what the server proposed, and syntax
  validity: the file with the completion inserted has no more tree-sitter error nodes than the
  file with the true text.

Writes `docs/reports/completion.md` and `docs/reports/completion.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .syntax import error_nodes

ROOT = Path(__file__).resolve().parent.parent
# Indentation, then a first word with what joins it to the rest: `x = `, `Enum.`, `assert `, `|> `.
_FIRST_WORD = re.compile(r"[ \t]*(?:[\w@:!?]+(?: = | |\.|\()|\|> )")
REPORT = ROOT / "docs" / "reports" / "completion.md"
DEFAULT_CORPUS = Path.home() / ".cache/elixir-coder/build-default/corpus"


@dataclass(frozen=True)
class Case:
    """One cursor in a held-out file: the document the editor holds, the cursor, the text that was there."""

    kind: str  # "single" | "multi"
    path: str
    document: str  # the file with the expected text removed
    offset: int
    expected: str
    original: str  # the file as written


def _line_offsets(lines: list[str]) -> list[int]:
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    return offsets


def single_line_cases(path: str, text: str, rng: random.Random, per_file: int) -> list[Case]:
    """Cursor inside a code line, after its first word (`x = `, `Enum.`, `assert `); the rest of the line is expected.

    That is where an editor asks for a single-line completion: the user has started the line.
    (A cursor on a blank line may start a block, so the server treats it as multi-line.)
    """
    lines = text.split("\n")
    offsets = _line_offsets(lines)
    candidates = []
    for i, line in enumerate(lines):
        if i == 0 or line.strip().startswith("#"):
            continue
        m = _FIRST_WORD.match(line)
        if m and len(line) - m.end() >= 3:
            candidates.append((i, m.end()))
    out = []
    for i, col in rng.sample(candidates, min(per_file, len(candidates))):
        start, end = offsets[i] + col, offsets[i] + len(lines[i])
        out.append(Case("single", path, text[:start] + text[end:], start, text[start:end], text))
    return out


def multi_line_cases(path: str, text: str, rng: random.Random, per_file: int, max_lines: int = 6) -> list[Case]:
    """Cursor at the end of a `do` line; the block's body (up to `max_lines` lines) is expected."""
    lines = text.split("\n")
    offsets = _line_offsets(lines)
    candidates = []
    for i, line in enumerate(lines):
        if not line.rstrip().endswith(" do"):
            continue
        indent = len(line) - len(line.lstrip())
        closing = f"{' ' * indent}end"
        for j in range(i + 1, min(len(lines), i + max_lines + 2)):
            if lines[j].rstrip() == closing:
                if j > i + 1:
                    candidates.append((i, j))
                break
    out = []
    for i, j in rng.sample(candidates, min(per_file, len(candidates))):
        start = offsets[i] + len(lines[i])
        end = offsets[j] - 1  # the newline before the `end` line stays
        out.append(Case("multi", path, text[:start] + text[end:], start, text[start:end], text))
    return out


def load_cases(corpus_dir: Path, n_single: int, n_multi: int, seed: int, split: str = "valid") -> list[Case]:
    """Held-out cases from a split of the corpus (validation files, or the test split's held-out
    repositories), seeded."""
    files = [json.loads(line) for line in (corpus_dir / f"{split}.jsonl").read_text().splitlines() if line.strip()]
    rng = random.Random(seed)
    singles, multis = [], []
    for f in files:
        singles += single_line_cases(f["path"], f["text"], rng, 6)
        multis += multi_line_cases(f["path"], f["text"], rng, 4)
    rng.shuffle(singles)
    rng.shuffle(multis)
    return singles[:n_single] + multis[:n_multi]


# --- quality -----------------------------------------------------------------------------------


def edit_similarity(a: str, b: str) -> float:
    """1 - Levenshtein distance / longer length (1.0 for two empty texts)."""
    from elixir_coder.server.feedback import edit_distance

    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1 - edit_distance(a, b) / longest


def quality(cases: list[Case], outputs: list[str]) -> dict[str, Any]:
    """Exact match, edit similarity and syntax validity per case kind."""
    out: dict[str, Any] = {}
    for kind in ("single", "multi"):
        pairs = [(c, o) for c, o in zip(cases, outputs, strict=True) if c.kind == kind]
        if not pairs:
            continue
        exact = sum(o.strip() == c.expected.strip() for c, o in pairs)
        sims = [edit_similarity(o.strip(), c.expected.strip()) for c, o in pairs]
        valid = invalid_new = 0
        for c, o in pairs:
            with_completion = c.document[: c.offset] + o + c.document[c.offset :]
            new_errors = error_nodes(with_completion) - error_nodes(c.original)
            valid += new_errors <= 0
            invalid_new += new_errors > 0
        out[kind] = {"cases": len(pairs), "exact_match": round(exact / len(pairs), 4),
                     "edit_similarity": round(statistics.mean(sims), 4),
                     "syntax_valid": round(valid / len(pairs), 4), "syntax_errors": invalid_new,
                     "empty": sum(not o.strip() for _, o in pairs)}
    return out


def syntax_check_cost(cases: list[Case], outputs: list[str]) -> dict[str, Any]:
    """Time the server's syntax check on proposals made without constraints (in process)."""
    from elixir_coder.server.completion import cursor_context
    from elixir_coder.server.completion_syntax import SyntaxGuard

    guard = SyntaxGuard()
    times, cut, dropped, n = [], 0, 0, 0
    for case, text in zip(cases, outputs, strict=True):
        if not text.strip():
            continue
        prefix, suffix = case.document[: case.offset], case.document[case.offset :]
        t0 = time.perf_counter()
        checked = guard.check(prefix, suffix, text, cursor_context(prefix, suffix).multiline)
        times.append((time.perf_counter() - t0) * 1000)
        n += 1
        cut += checked.cut and bool(checked.text)
        dropped += not checked.text
    if not times:
        return {"proposals": 0, "p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0, "cut": 0, "dropped": 0}
    return {"proposals": n, "p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2),
            "max_ms": round(max(times), 2), "cut": cut, "dropped": dropped}


# --- latency through the real server ----------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of a list of numbers."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


async def server_run(cases: list[Case], options: dict[str, Any], workdir: Path, settle_s: float = 0.3,
                     env: dict[str, str] | None = None) -> dict[str, Any]:
    """Drive a fresh server over stdio through every case; latencies and proposals (`env`: extra
    environment variables for the server process)."""
    from lsprotocol import types as lsp
    from pygls.lsp.client import LanguageClient

    server_env = {**os.environ, **(env or {}), "ELIXIR_CODER_HOME": str(workdir / "home")}
    client = LanguageClient("elixir-coder-bench", "1.0")
    await client.start_io(sys.executable, "-m", "elixir_coder.server.app", env=server_env)
    root = workdir / "project"
    (root / "lib").mkdir(parents=True, exist_ok=True)
    await client.initialize_async(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(), root_uri=root.as_uri(),
        initialization_options={"elixirCoder": {"telemetry": False, "credo": False, "sobelow": False, **options}}))
    client.initialized(lsp.InitializedParams())
    started = time.perf_counter()
    status: Any = None
    while time.perf_counter() - started < 60:
        status = await client.protocol.send_request_async("elixirCoder/status")
        # Timed requests start once the start-up work is over (the model, and the deps/ index, which
        # parses hundreds of files on a thread of its own): an editor session in its steady state.
        api_index = getattr(status, "apiIndex", None)
        deps_ready = api_index is None or getattr(api_index, "depsReady", True)
        if status.modelLoaded and not status.loading and deps_ready:
            break
        if status.error:
            raise RuntimeError(status.error)
        await asyncio.sleep(0.02)
    latencies: dict[str, list[float]] = {"single": [], "multi": []}
    cold: dict[str, float] = {}
    outputs: list[str] = []
    case_ms: list[float] = []
    for n, case in enumerate(cases):
        uri = (root / "lib" / f"case_{n}.ex").as_uri()
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri, "elixir", 1, case.document)))
        # An editor asks for completions while typing in a document opened long before: let the
        # server finish what opening costs (indexing, diagnostics) before timing the request.
        await asyncio.sleep(settle_s)
        before = case.document[: case.offset]
        position = lsp.Position(before.count("\n"), len(before.rsplit("\n", 1)[-1].encode("utf-16-le")) // 2)
        t0 = time.perf_counter()
        result = await asyncio.wait_for(client.text_document_inline_completion_async(lsp.InlineCompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri), position=position,
            context=lsp.InlineCompletionContext(trigger_kind=lsp.InlineCompletionTriggerKind.Automatic))), 60)
        ms = (time.perf_counter() - t0) * 1000
        items = result.items if isinstance(result, lsp.InlineCompletionList) else (result or [])
        text = items[0].insert_text if items else ""
        outputs.append(text if isinstance(text, str) else text.value)
        case_ms.append(ms)
        if case.kind not in cold:
            cold[case.kind] = ms
        else:
            latencies[case.kind].append(ms)
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri)))
    final = await client.protocol.send_request_async("elixirCoder/status")
    stages = _plain(getattr(final, "completionStages", None)) or {}
    await asyncio.wait_for(client.shutdown_async(None), 30)
    client.exit(None)
    exit_hung = False
    try:
        await asyncio.wait_for(client.stop(), 15)
    except TimeoutError:
        exit_hung = True  # reported: a server that does not exit after `exit` is a bug to see
        server = getattr(client, "_server", None)
        if server is not None and server.returncode is None:
            server.kill()
    summary = {k: {"n": len(v), "p50_ms": round(percentile(v, 50), 1), "p95_ms": round(percentile(v, 95), 1),
                   "cold_ms": round(cold.get(k, 0.0), 1)} for k, v in latencies.items() if v}
    return {"latency": summary, "load_ms": status.loadMs if status else None, "exit_hung": exit_hung,
            "version": status.version if status else None, "outputs": outputs, "case_ms": case_ms,
            "stages": stages}


def _plain(value: Any) -> Any:
    """A JSON value as pygls hands it back (named tuples for objects) as plain dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --- CTranslate2 against torch -----------------------------------------------------------------


def torch_comparison(model_dir: Path, hf_dir: Path, cases: list[Case], max_tokens: int = 32,
                     prompt_budget: int = 256) -> dict[str, Any]:
    """Greedy generation of `max_tokens` tokens for the same prompts: CTranslate2 (int8) vs transformers."""
    import torch
    from transformers import AutoModelForCausalLM

    from elixir_coder.model.engine import Engine, GenerationRequest

    engine = Engine(model_dir)
    model = AutoModelForCausalLM.from_pretrained(str(hf_dir), dtype=torch.float32).eval()
    torch.set_num_threads(1)  # the engine uses one thread too: a like-for-like comparison
    ct2, pt = [], []
    for case in cases:
        req = GenerationRequest(prefix=case.document[: case.offset], suffix=case.document[case.offset :],
                                max_tokens=max_tokens, prompt_budget=prompt_budget)
        t0 = time.perf_counter()
        engine.generate(req)
        ct2.append((time.perf_counter() - t0) * 1000)
        ids = [engine.tokenizer.token_id(t) for t in engine.prompt_tokens(req)]
        inputs = torch.tensor([[i for i in ids if i is not None]])
        t0 = time.perf_counter()
        with torch.no_grad():
            model.generate(inputs, max_new_tokens=max_tokens, min_new_tokens=max_tokens, do_sample=False,
                           pad_token_id=0)
        pt.append((time.perf_counter() - t0) * 1000)
    engine.close()
    return {"cases": len(cases), "max_tokens": max_tokens, "prompt_budget": prompt_budget,
            "ctranslate2_int8_p50_ms": round(percentile(ct2, 50), 1),
            "ctranslate2_int8_p95_ms": round(percentile(ct2, 95), 1),
            "torch_fp32_p50_ms": round(percentile(pt, 50), 1), "torch_fp32_p95_ms": round(percentile(pt, 95), 1),
            "speedup_p50": round(percentile(pt, 50) / max(1e-9, percentile(ct2, 50)), 2)}


# --- report ------------------------------------------------------------------------------------

CONFIGS = {
    "int8-constrained": {"computeType": "int8", "constrainedDecoding": True},
    "int8-unconstrained": {"computeType": "int8", "constrainedDecoding": False},
    "float32-constrained": {"computeType": "float32", "constrainedDecoding": True},
    "float32-unconstrained": {"computeType": "float32", "constrainedDecoding": False},
}


def render(results: dict[str, Any], meta: dict[str, Any]) -> str:
    """The markdown report."""
    from elixir_coder.server.features.completion import SINGLE_LINE_TOKENS

    lines = [
        "# Completion: latency and quality",
        "",
        f"Command: `{meta['command']}`  ",
        f"Machine: {meta['machine']}; load average at start {meta['load_start']}, at end {meta['load_end']}.  ",
        f"Model: {meta['model']}; {meta['cases']} held-out cases ({meta['single']} single-line, "
        f"{meta['multi']} multi-line) from {meta['files']} "
        + ("files of held-out repositories (the corpus's test split) never trained on."
           if meta.get("split") == "test" else "validation files never trained on."),
        "",
        "## Latency through the real server (request to response, stdio, pygls client)",
        "",
        "Each case's document is opened 0.3 s before the request, as an editor's document is open before",
        "the user types; the prompt is at most `completionLinePromptTokens` (192) tokens for a single",
        "line and `completionPromptTokens` (256) for a block; a single-line completion is at most "
        f"{SINGLE_LINE_TOKENS}",
        "new tokens, a multi-line one `completionMaxTokens` (64).",
        "",
        "| configuration | single p50 | single p95 | multi p50 | multi p95 | cold single | cold multi | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results["server"].items():
        s, m = r["latency"].get("single", {}), r["latency"].get("multi", {})
        lines.append(f"| {name} | {s.get('p50_ms')} ms | {s.get('p95_ms')} ms | {m.get('p50_ms')} ms | "
                     f"{m.get('p95_ms')} ms | {s.get('cold_ms')} ms | {m.get('cold_ms')} ms | {r['load_ms']} ms |")
    lines += ["", "Targets on these 2 cores: single-line p95 <= 50 ms, multi-line (<= 64 tokens) p95 <= 150 ms."]
    for name, r in results["server"].items():
        s_, m_ = r["latency"].get("single", {}), r["latency"].get("multi", {})
        verdict = [f"single {'met' if s_.get('p95_ms', 1e9) <= 50 else 'NOT met'}",
                   f"multi {'met' if m_.get('p95_ms', 1e9) <= 150 else 'NOT met'}"]
        lines.append(f"- {name}: {', '.join(verdict)}.")
    lines.append("")
    tc = results.get("torch")
    lines += ["## CTranslate2 against torch `generate` (same prompts, greedy, in process, one thread)", ""]
    if tc:
        lines += [
            f"{tc['cases']} prompts of at most {tc.get('prompt_budget')} tokens (the server's default budget), "
            f"exactly {tc['max_tokens']} new tokens each ({tc.get('models', '')}).", "",
            "| engine | p50 | p95 |", "|---|---|---|",
            f"| CTranslate2 int8 | {tc['ctranslate2_int8_p50_ms']} ms | {tc['ctranslate2_int8_p95_ms']} ms |",
            f"| torch float32 `generate` | {tc['torch_fp32_p50_ms']} ms | {tc['torch_fp32_p95_ms']} ms |",
            "", f"Speed-up at p50: **{tc['speedup_p50']}x** (target >= 5x).", "",
        ]
    else:
        lines += ["Not measured in this run: no `--hf-dir` checkpoint given.", ""]
    lines += ["## Quality of what the server proposed", "",
              "| configuration | kind | exact match | edit similarity | syntax valid | new syntax errors | empty |",
              "|---|---|---|---|---|---|---|"]
    for name, r in results["server"].items():
        for kind, q in r["quality"].items():
            lines.append(f"| {name} | {kind} | {q['exact_match']:.1%} | {q['edit_similarity']:.3f} | "
                         f"{q['syntax_valid']:.1%} | {q['syntax_errors']} | {q['empty']} |")
    lines += ["", "Syntax valid: the file with the completion inserted has no more tree-sitter ERROR/MISSING "
              "nodes than the file as written. Target: >= 95% valid with constraints and >= 90% fewer syntax "
              "errors than without."]
    for precision in ("int8", "float32"):
        con, unc = results["server"].get(f"{precision}-constrained"), results["server"].get(f"{precision}-unconstrained")
        if not con or not unc:
            continue
        errors_c = sum(q["syntax_errors"] for q in con["quality"].values())
        errors_u = sum(q["syntax_errors"] for q in unc["quality"].values())
        cases = sum(q["cases"] for q in con["quality"].values())
        valid = 1 - errors_c / max(1, cases)
        fewer = 1 - errors_c / max(1, errors_u)
        lines.append(f"- {precision}: {valid:.1%} valid with constraints ({'met' if valid >= 0.95 else 'NOT met'}); "
                     f"{fewer:.0%} fewer syntax errors than without ({'met' if fewer >= 0.9 else 'NOT met'}).")
    guard = results.get("syntax_check")
    if guard:
        lines += ["", f"Cost of the syntax check (tree-sitter on the proposal spliced into its unit, cut back "
                  f"until it adds no error), in process on the {guard['proposals']} unconstrained int8 proposals: "
                  f"p50 {guard['p50_ms']} ms, p95 {guard['p95_ms']} ms, max {guard['max_ms']} ms; "
                  f"{guard['cut']} cut back, {guard['dropped']} dropped."]
    lines += ["", "Constrained decoding is two steps: the lexical constraints keep strings, sigils, heredocs and",
              "delimiters well formed while decoding and stop a block at its `end`; the syntax check then catches",
              "what a lexical grammar cannot see (an expression cut after an operator or a comma, a `do` block the",
              "budget ended inside) and cuts the proposal back to its longest prefix that adds no parse error,",
              "or drops it. What remains invalid are cursors where the document without the expected text is",
              "already broken (the removed rest of line opened a `fn ->` or a list closed lines below) and the",
              "proposal does not open it again.", ""]
    return "\n".join(lines) + "\n"


def _shown(path: object) -> str:
    """A path as a report may name it: relative to the repository when inside it, else `<dir>/name`
    (reports name no machine paths)."""
    text = str(path)
    if not text.startswith("/"):
        return text
    try:
        return Path(text).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return "<dir>/" + Path(text).name


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the figures, write the report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS, help="holds valid.jsonl (and test.jsonl)")
    p.add_argument("--split", choices=("valid", "test"), default="valid",
                   help="cases from the validation files or from the held-out test repositories")
    p.add_argument("--model-path", help="model directory set (default: the registry's current, else shipped)")
    p.add_argument("--hf-dir", type=Path, help="a Hugging Face checkpoint, for CTranslate2 against torch")
    p.add_argument("--hf-ct2-dir", type=Path, help="the CTranslate2 (int8) export of --hf-dir "
                   "(default: the served model, when --hf-dir is what it was exported from)")
    p.add_argument("--single", type=int, default=120)
    p.add_argument("--multi", type=int, default=60)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated subset of the configurations")
    p.add_argument("--report", type=Path, default=REPORT)
    args = p.parse_args(argv)
    if not (args.corpus_dir / f"{args.split}.jsonl").is_file():
        print(f"no {args.corpus_dir}/{args.split}.jsonl: build the corpus with `elixir-coder train corpus` "
              "or `elixir-coder train build-default`", file=sys.stderr)
        return 2
    cases = load_cases(args.corpus_dir, args.single, args.multi, args.seed, args.split)
    load_start = os.getloadavg()[0]
    results: dict[str, Any] = {"server": {}}
    plain_outputs: list[str] = []
    extra = {"modelPath": args.model_path} if args.model_path else {}
    for name in [c.strip() for c in args.configs.split(",") if c.strip()]:
        with tempfile.TemporaryDirectory() as tmp:
            run = asyncio.run(server_run(cases, {**CONFIGS[name], **extra}, Path(tmp)))
        outputs = run.pop("outputs")
        run["quality"] = quality(cases, outputs)
        run.pop("case_ms")
        if name == "int8-unconstrained":
            plain_outputs = outputs
        results["server"][name] = run
        print(name, json.dumps(run["latency"]), json.dumps(run["quality"]), flush=True)
    plain = results["server"].get("int8-unconstrained")
    if plain is not None:
        results["syntax_check"] = syntax_check_cost(cases, plain_outputs)
        print("syntax_check", json.dumps(results["syntax_check"]), flush=True)
    if args.hf_dir:
        from elixir_coder.model.registry import Registry

        model_dir = args.hf_ct2_dir or (Path(args.model_path) / "base" if args.model_path else Registry().resolve())
        results["torch"] = torch_comparison(model_dir, args.hf_dir, cases[:40])
        results["torch"]["models"] = f"torch: {_shown(args.hf_dir)}; CTranslate2: {_shown(model_dir)}"
        print("torch", json.dumps(results["torch"]), flush=True)
    first = next(iter(results["server"].values()), {})
    meta = {
        "command": "python -m elixir_coder.benchmarks.completion "
                   + " ".join(_shown(a) for a in (argv if argv is not None else sys.argv[1:])),
        "machine": f"{os.cpu_count()} CPU cores, {platform.processor() or platform.machine()}, Python "
                   f"{platform.python_version()}",
        "load_start": round(load_start, 2), "load_end": round(os.getloadavg()[0], 2),
        "model": first.get("version"), "cases": len(cases), "split": args.split,
        "single": sum(c.kind == "single" for c in cases), "multi": sum(c.kind == "multi" for c in cases),
        "files": len({c.path for c in cases}),
    }
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(render(results, meta))
    args.report.with_suffix(".json").write_text(json.dumps({"meta": meta, **results}, indent=2))
    print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
