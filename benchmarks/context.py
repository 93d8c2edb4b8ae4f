"""Completions that know the project: monitor-guided decoding, repository context and checked proposals, measured.

On held-out Phoenix applications from the shared corpus (whole repositories the retrained model
never saw; the shipped model's own split may differ, see the report), each application is
written out as a project with a `deps/` folder assembled from the corpus's libraries (Phoenix,
LiveView, Ecto, Plug, ...). Cursors are taken in its `lib/` files: mid-line after the first word
(as benchmarks/completion.py) and right after `Alias.` where the line calls a project or
dependency module. For each configuration the cursor's file is indexed as the editor holds it
(the expected text removed) and proposals go through the server's own completion pipeline
(`propose_with`: trimming, syntax check, analyzer check).

Measured: exact match and edit similarity with bootstrap intervals and paired differences
against the baseline; the share of proposed remote calls (`Module.fun`) that resolve to an
existing function, among calls to modules the index knows; milliseconds per proposal; and,
through the real server over stdio, single-line p50/p95.

    python -m elixir_coder.benchmarks.context --report docs/reports/context.md
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .completion import Case, edit_similarity, percentile, server_run, single_line_cases
from .stats import bootstrap_ci, paired_bootstrap_diff

ROOT = Path(__file__).resolve().parent.parent
# The shared corpus beside the checkout (a worktree sits one level deeper).
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus") if p.is_dir()),
              ROOT.parent / "shared" / "corpus")
REPORT = ROOT / "docs" / "reports" / "context.md"
APPS = ("hashrocket/tilex", "oestrich/ex_venture", "fly-apps/live_beats")
DEPS = {  # deps/<name> from a corpus repository's lib/
    "phoenix": "phoenixframework/phoenix", "phoenix_live_view": "phoenixframework/phoenix_live_view",
    "phoenix_html": "phoenixframework/phoenix_html", "phoenix_pubsub": "phoenixframework/phoenix_pubsub",
    "ecto": "elixir-ecto/ecto", "ecto_sql": "elixir-ecto/ecto_sql", "plug": "elixir-plug/plug",
    "gettext": "elixir-gettext/gettext", "swoosh": "swoosh/swoosh", "oban": "oban-bg/oban",
}
CONFIGS: dict[str, dict[str, Any]] = {
    "baseline": {"guided_decoding": False, "repository_context": False},
    "mgd": {"guided_decoding": True, "repository_context": False},
    "defs-64": {"guided_decoding": False, "repository_context": True, "repository_context_tokens": 64},
    "repo-64": {"guided_decoding": False, "repository_context": True, "repository_context_tokens": 64},
    "repo-128": {"guided_decoding": False, "repository_context": True, "repository_context_tokens": 128},
    "repo-192": {"guided_decoding": False, "repository_context": True, "repository_context_tokens": 192},
    "repo-comments-128": {"guided_decoding": False, "repository_context": True, "repository_context_tokens": 128},
    "both-128": {"guided_decoding": True, "repository_context": True, "repository_context_tokens": 128},
    # The defaults (as `mgd`, single-line prompts of 192 tokens) with single-line prompts of 256 and
    # 128 tokens: prefilling the prompt is most of a single line's cost.
    "line-prompt-256": {"guided_decoding": True, "repository_context": False, "completion_line_prompt_tokens": 256},
    "line-prompt-128": {"guided_decoding": True, "repository_context": False, "completion_line_prompt_tokens": 128},
}
# How each configuration builds its repository context (server/repo_context.py's options).
CONTEXT_OPTIONS: dict[str, dict[str, bool]] = {"defs-64": {"windows": False},
                                               "repo-comments-128": {"comment_windows": True}}
_CALL = re.compile(r"(?<![\w.:])((?:__MODULE__|[A-Z]\w*)(?:\.[A-Z]\w*)*|:[a-z_]\w*)\.([a-z_]\w*[?!]?)")


def load_repos(names: set[str], corpus: Path = CORPUS) -> dict[str, dict[str, str]]:
    """Files (path -> text) of the named corpus repositories."""
    out: dict[str, dict[str, str]] = {n: {} for n in names}
    for shard in sorted(corpus.glob("elixir-*.jsonl.gz")):
        with gzip.open(shard, "rt", encoding="utf-8") as fh:
            for line in fh:
                if not any(f'"{n}"' in line[:200] for n in names):
                    continue
                doc = json.loads(line)
                if doc["repo"] in out:
                    out[doc["repo"]][doc["path"]] = doc["text"]
    return out


def write_project(root: Path, files: dict[str, str], deps: dict[str, dict[str, str]]) -> None:
    """An application's files under `root`, and each library's lib/ under deps/<name>/lib."""
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    for name, lib in deps.items():
        for path, text in lib.items():
            if path.startswith("lib/") and path.endswith(".ex"):
                target = root / "deps" / name / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")


def call_cases(path: str, text: str, rng: random.Random, per_file: int, known: set[str]) -> list[Case]:
    """Cursor right after `Alias.` on lines that call a module of the project or its deps; the rest of the line."""
    lines = text.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    candidates = []
    for i, line in enumerate(lines):
        if line.strip().startswith(("#", "alias", "import", "use", "require", "@")):
            continue
        for m in _CALL.finditer(line):
            last = m.group(1).split(".")[-1]
            if m.group(1) in known or last in known:
                candidates.append((i, m.start(2)))
                break
    out = []
    for i, col in rng.sample(candidates, min(per_file, len(candidates))):
        start, end = offsets[i] + col, offsets[i] + len(lines[i])
        out.append(Case("call", path, text[:start] + text[end:], start, text[start:end], text))
    return out


@dataclass
class Outcome:
    """One proposal: what it was and what it cost."""

    text: str
    ms: float
    calls: int = 0
    resolved: int = 0
    unknown: int = 0
    guided: int = 0
    guide_ms: float = 0.0
    context_ms: float = 0.0


def resolve_calls(api: Any, line_prefix: str, text: str) -> tuple[int, int, int]:
    """Remote calls a proposal writes (a call whose `Module.` was typed before the cursor included):
    (calls to known modules, of those resolving to an existing function, calls to unknown or open modules)."""
    calls = resolved = unknown = 0
    line = line_prefix + text
    for m in _CALL.finditer(line):
        if m.end() <= len(line_prefix):
            continue  # typed by the user, not proposed
        names = api.functions(m.group(1))
        if names is None:
            unknown += 1
            continue
        calls += 1
        resolved += m.group(2) in names
    return calls, resolved, unknown


class ConfigRunner:
    """One configuration of the server's completion pipeline (its settings, checks and context builders)."""

    def __init__(self, name: str, roots: dict[str, Path], engine: Any, indexes: dict[str, Any]) -> None:
        from elixir_coder.server.completion_findings import FindingGuard
        from elixir_coder.server.completion_syntax import SyntaxGuard
        from elixir_coder.server.repo_context import RepoContext
        from elixir_coder.server.settings import Settings

        self.settings = replace(Settings(), **CONFIGS[name])
        self.guard, self.findings = SyntaxGuard(), FindingGuard()
        self.contexts = {app: RepoContext(indexes[app], roots[app], **CONTEXT_OPTIONS.get(name, {})) for app in roots}
        self.roots, self.engine, self.indexes = roots, engine, indexes

    def run(self, case: Case) -> Outcome:
        """One case (the project index already holds the case's document)."""
        from elixir_coder.server.completion import cursor_context
        from elixir_coder.server.features.completion import CompletionStats, needs_header, propose_with
        from elixir_coder.server.workspace import module_header, signature_context

        app, rel = case.path.split("::", 1)
        path, index, settings, engine = self.roots[app] / rel, self.indexes[app], self.settings, self.engine
        ctx = cursor_context(case.document[: case.offset], case.document[case.offset:])
        stats = CompletionStats()
        timing = {"context": 0.0}
        seen: dict[str, Any] = {}

        def api() -> Any:
            seen["api"] = index.at(path, case.document, case.offset)
            return seen["api"]

        def repository(cursor_api: Any) -> str:
            t = time.perf_counter()
            text = self.contexts[app].build(path, case.document, case.offset, cursor_api,
                                            4 * settings.repository_context_tokens)
            timing["context"] = (time.perf_counter() - t) * 1000
            return text

        def header() -> str:
            prefix = case.document[: case.offset]
            if not needs_header(prefix, settings):
                return ""
            sig = signature_context(index.project, path, case.document, line=prefix.count("\n"))
            return "\n".join(p for p in (module_header(prefix), sig) if p)

        calls_before = engine.calls
        t0 = time.perf_counter()
        texts = propose_with(engine, ctx, settings, header, lambda: False, stats, self.guard, api, self.findings,
                             repository)
        ms = (time.perf_counter() - t0) * 1000
        text = texts[0] if texts else ""
        calls, resolved, unknown = resolve_calls(seen["api"], ctx.line_prefix, text)
        last = engine.last or []
        guide_ms = sum(getattr(c, "guide_ms", 0.0) for c in last) if engine.calls > calls_before else 0.0
        return Outcome(text, ms, calls, resolved, unknown, stats.guided, guide_ms, timing["context"])


def run_configs(names: list[str], cases: list[Case], roots: dict[str, Path], engine: Any,
                indexes: dict[str, Any]) -> dict[str, list[Outcome]]:
    """Every case under every configuration, the configurations interleaved per case (in an order
    rotated from case to case) so that a machine whose load changes over the run weighs on all alike."""
    runners = {name: ConfigRunner(name, roots, engine, indexes) for name in names}
    out: dict[str, list[Outcome]] = {name: [] for name in names}
    for n, case in enumerate(cases):
        app, rel = case.path.split("::", 1)
        project = indexes[app].project
        project.update(roots[app] / rel, case.document)
        for k in range(len(names)):
            name = names[(n + k) % len(names)]
            out[name].append(runners[name].run(case))
        project.update(roots[app] / rel, case.original)
    return out


class RecordingEngine:
    """The engine, remembering its last completions (for the guide's time)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.version = engine.version
        self.calls = 0
        self.last: list[Any] | None = None

    def generate(self, req: Any) -> list[Any]:
        self.calls += 1
        self.last = self.engine.generate(req)
        return self.last


def summarize(cases: list[Case], runs: dict[str, list[Outcome]], reference: str = "baseline") -> dict[str, Any]:
    """Quality, resolution and cost per configuration, with intervals and paired differences
    against the `reference` configuration (stored under `vs_baseline`)."""
    base = runs.get(reference)
    out: dict[str, Any] = {}
    for name, outs in runs.items():
        row: dict[str, Any] = {}
        for kind in ("single", "call", "all"):
            idx = [i for i, c in enumerate(cases) if kind == "all" or c.kind == kind]
            if not idx:
                continue
            em = [float(outs[i].text.strip() == cases[i].expected.strip()) for i in idx]
            es = [edit_similarity(outs[i].text.strip(), cases[i].expected.strip()) for i in idx]
            entry: dict[str, Any] = {"n": len(idx), "exact_match": bootstrap_ci(em).to_dict(),
                                     "edit_similarity": bootstrap_ci(es).to_dict()}
            if base is not None and name != reference:
                bem = [float(base[i].text.strip() == cases[i].expected.strip()) for i in idx]
                bes = [edit_similarity(base[i].text.strip(), cases[i].expected.strip()) for i in idx]
                d_em, p_em = paired_bootstrap_diff(em, bem)
                d_es, p_es = paired_bootstrap_diff(es, bes)
                entry["vs_baseline"] = {"exact_match": {**d_em.to_dict(), "p": p_em},
                                        "edit_similarity": {**d_es.to_dict(), "p": p_es}}
            row[kind] = entry
        calls = sum(o.calls for o in outs)
        resolved = sum(o.resolved for o in outs)
        ms = [o.ms for o in outs]
        row["remote_calls"] = {"known_module_calls": calls, "resolved": resolved,
                               "share": round(resolved / calls, 4) if calls else None,
                               "unknown_module_calls": sum(o.unknown for o in outs)}
        row["latency_ms"] = {"p50": round(percentile(ms, 50), 1), "p95": round(percentile(ms, 95), 1),
                             "mean": round(statistics.mean(ms), 1)}
        row["guided"] = sum(o.guided for o in outs)
        row["guide_ms_mean"] = round(statistics.mean(o.guide_ms for o in outs), 3)
        row["context_ms"] = {"p50": round(percentile([o.context_ms for o in outs], 50), 2),
                             "p95": round(percentile([o.context_ms for o in outs], 95), 2)}
        out[name] = row
    return out


def _fmt(ci: dict[str, float], pct: bool = True) -> str:
    k = 100 if pct else 1
    return f"{ci['estimate'] * k:.1f} [{ci['low'] * k:.1f}, {ci['high'] * k:.1f}]"


def keystroke_replay(cases: list[Case], model_path: Path, lines: int, max_chars: int = 12) -> dict[str, Any]:
    """Type the expected rest of `lines` single-line cursors one character at a time (up to
    `max_chars`), a request per keystroke shaped as the server shapes it (defaults: 192-token
    prompt, constrained, 16 tokens), through an engine that keeps prompt heads prefilled as the
    language server does and one that keeps none; the two alternate request by request."""
    from elixir_coder.model.engine import Engine
    from elixir_coder.server.completion import cursor_context
    from elixir_coder.server.features.completion import generation_request
    from elixir_coder.server.models import PROMPT_HEADS
    from elixir_coder.server.settings import Settings

    engines = {"prompt heads kept": Engine(model_path, prompt_heads=PROMPT_HEADS), "none kept": Engine(model_path)}
    ms: dict[str, list[float]] = {name: [] for name in engines}
    different = requests = 0
    try:
        for engine in engines.values():
            engine.warm_up()
        for case in [c for c in cases if c.kind == "single"][:lines]:
            suffix = case.document[case.offset:]
            for k in range(min(len(case.expected), max_chars) + 1):
                ctx = cursor_context(case.document[: case.offset] + case.expected[:k], suffix)
                req = generation_request(ctx, Settings(), "", lambda: False)
                texts = {}
                for name in (list(engines) if requests % 2 == 0 else list(engines)[::-1]):
                    t0 = time.perf_counter()
                    texts[name] = [c.text for c in engines[name].generate(req)]
                    ms[name].append((time.perf_counter() - t0) * 1000)
                different += len({tuple(t) for t in texts.values()}) > 1
                requests += 1
        reloads = engines["prompt heads kept"].heads.reloads
    finally:
        for engine in engines.values():
            engine.close()
    return {"lines": lines, "requests": requests, "different_proposals": different, "reloads": reloads,
            "latency_ms": {name: {"p50": round(percentile(v, 50), 1), "p95": round(percentile(v, 95), 1),
                                  "mean": round(statistics.mean(v), 1)} for name, v in ms.items() if v}}


def render(summary: dict[str, Any], meta: dict[str, Any], server: dict[str, Any],
           replay: dict[str, Any] | None = None) -> str:
    """The markdown report."""
    lines = [
        "# Completions that know the project: measurements",
        "",
        f"Generated by `python -m elixir_coder.benchmarks.context` ({meta['date']}). Model {meta['model']}; "
        f"{meta['cases']} cursors in held-out applications {', '.join(meta['apps'])} "
        f"(deps/ assembled from the corpus: {', '.join(meta['deps'])}); seed {meta['seed']}.",
        f"**Measured under load**: load average {meta['load_start']:.2f} at the start and "
        f"{meta['load_end']:.2f} at the end on a shared 2-core machine; latency figures are under that load.",
        "",
        f"## Quality (percent, 95% bootstrap interval; paired difference against {meta.get('reference', 'baseline')})",
        "",
        "| configuration | kind | n | exact match | edit similarity | EM diff vs baseline (p) | ES diff (p) |",
        "|---|---|---:|---|---|---|---|",
    ]
    for name, row in summary.items():
        for kind in ("single", "call", "all"):
            e = row.get(kind)
            if e is None:
                continue
            vs = e.get("vs_baseline")
            d_em = f"{_fmt(vs['exact_match'])} ({vs['exact_match']['p']:.3f})" if vs else ""
            d_es = f"{_fmt(vs['edit_similarity'])} ({vs['edit_similarity']['p']:.3f})" if vs else ""
            lines.append(f"| {name} | {kind} | {e['n']} | {_fmt(e['exact_match'])} | {_fmt(e['edit_similarity'])} "
                         f"| {d_em} | {d_es} |")
    lines += ["", "## Remote calls in proposals", "",
              "| configuration | calls to known modules | resolve to an existing function | share | calls to unknown or open modules |",
              "|---|---:|---:|---:|---:|"]
    for name, row in summary.items():
        rc = row["remote_calls"]
        share = f"{rc['share'] * 100:.1f}%" if rc["share"] is not None else "n/a"
        lines.append(f"| {name} | {rc['known_module_calls']} | {rc['resolved']} | {share} | {rc['unknown_module_calls']} |")
    lines += ["", "## Cost (milliseconds per proposal, in process, whole pipeline)", "",
              "| configuration | p50 | p95 | mean | identifiers corrected | guide ms (mean) | repository context ms p50 / p95 |",
              "|---|---:|---:|---:|---:|---:|---|"]
    for name, row in summary.items():
        lat = row["latency_ms"]
        lines.append(f"| {name} | {lat['p50']} | {lat['p95']} | {lat['mean']} | {row['guided']} | "
                     f"{row['guide_ms_mean']} | {row['context_ms']['p50']} / {row['context_ms']['p95']} |")
    if server:
        lines += ["", "## Single-line latency through the real server (stdio, LSP client)", "",
                  "| settings | n | p50 ms | p95 ms |", "|---|---:|---:|---:|"]
        for name, run in server.items():
            s = run["latency"].get("single", {})
            lines.append(f"| {name} | {s.get('n', 0)} | {s.get('p50_ms', '')} | {s.get('p95_ms', '')} |")
        lines += stage_table(server)
    if replay and replay.get("requests"):
        lines += ["", "## Typing a line: a request per keystroke (in process)", "",
                  f"{replay['requests']} requests typing the rest of {replay['lines']} single-line cursors; "
                  f"proposals differing between the two engines: {replay['different_proposals']}; generator "
                  f"reloads to drop cached heads: {replay['reloads']}.", "",
                  "| engine | p50 ms | p95 ms | mean ms |", "|---|---:|---:|---:|"]
        for name, r in replay["latency_ms"].items():
            lines.append(f"| {name} | {r['p50']} | {r['p95']} | {r['mean']} |")
    return "\n".join(lines) + "\n"


# The stages of a completion request in the order they run (server/completion_timing.py).
STAGES = ("cursor", "queue", "api", "repository", "header", "prompt", "decode", "constraint", "guide",
          "decoding_passes", "syntax", "findings", "remember", "total")


def stage_table(server: dict[str, Any]) -> list[str]:
    """Markdown rows: each stage's p50 / p95 per server setting (`elixirCoder/status`'s completionStages,
    averaged over the rounds)."""
    names = [name for name, run in server.items() if run.get("stages")]
    if not names:
        return []
    lines = ["", "### Where the time goes (ms per request, p50 / p95, from the server's own stage timings)", "",
             "| stage | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for stage in STAGES:
        cells = []
        for name in names:
            figures = server[name]["stages"].get(stage)
            cells.append(f"{figures['p50']:.2f} / {figures['p95']:.2f}" if figures else "")
        if any(cells):
            lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    return lines


def mean_stages(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per stage, the mean over server runs of its p50 and p95."""
    out: dict[str, dict[str, float]] = {}
    for stage in {name for run in runs for name in run}:
        values = [run[stage] for run in runs if stage in run]
        out[stage] = {q: round(statistics.mean(v[q] for v in values), 2) for q in ("p50", "p95")}
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the report (and a JSON of the figures beside it)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", type=Path, default=CORPUS)
    p.add_argument("--model-path", type=Path, default=ROOT / "model" / "default" / "base")
    p.add_argument("--apps", default=",".join(APPS))
    p.add_argument("--single-per-app", type=int, default=50)
    p.add_argument("--call-per-app", type=int, default=40)
    p.add_argument("--configs", default=",".join(CONFIGS))
    p.add_argument("--server-cases", type=int, default=60, help="single-line cursors timed through the server (0: none)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--reference", default="baseline", help="the configuration paired differences are taken against")
    p.add_argument("--keystroke-lines", type=int, default=25,
                   help="single-line cursors typed a character at a time, with and without cached prompt heads (0: none)")
    p.add_argument("--report", type=Path, default=REPORT)
    args = p.parse_args(argv)

    from elixir_coder.model.engine import Engine
    from elixir_coder.server.api_index import ApiIndex
    from elixir_coder.server.deps_index import DepsIndex
    from elixir_coder.server.stdlib_api import cache_dir as stdlib_cache_dir
    from elixir_coder.server.stdlib_api import load_stdlib
    from elixir_coder.server.workspace_index import ProjectIndex

    apps = [a.strip() for a in args.apps.split(",") if a.strip()]
    load_start = os.getloadavg()[0]
    repos = load_repos(set(apps) | set(DEPS.values()), args.corpus)
    deps = {name: repos[repo] for name, repo in DEPS.items() if repos.get(repo)}
    stdlib, _ = load_stdlib()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="context-bench-"))
    roots: dict[str, Path] = {}
    indexes: dict[str, Any] = {}
    cases: list[Case] = []
    try:
        for app in apps:
            root = work / app.replace("/", "__")
            write_project(root, repos[app], deps)
            project = ProjectIndex(root)
            project.scan()
            dep_index = DepsIndex(root)
            dep_index.index_all()
            roots[app], indexes[app] = root, ApiIndex(project, dep_index, stdlib)
            known = {m.name for m in project.modules()} | set(dep_index.module_names())
            known |= {n.split(".")[-1] for n in known}
            singles, calls = [], []
            for path, text in sorted(repos[app].items()):
                if not (path.startswith("lib/") and path.endswith(".ex")):
                    continue
                singles += [replace(c, path=f"{app}::{c.path}") for c in single_line_cases(path, text, rng, 2)]
                calls += [replace(c, path=f"{app}::{c.path}") for c in call_cases(path, text, rng, 2, known)]
            rng.shuffle(singles)
            rng.shuffle(calls)
            cases += singles[: args.single_per_app] + calls[: args.call_per_app]
        engine = RecordingEngine(Engine(args.model_path))
        engine.engine.warm_up()
        runs = run_configs([c.strip() for c in args.configs.split(",") if c.strip()], cases, roots, engine, indexes)
        summary = summarize(cases, runs, args.reference)
        replay = keystroke_replay(cases, args.model_path, args.keystroke_lines) if args.keystroke_lines else None
        server: dict[str, Any] = {}
        if args.server_cases:
            app = apps[0]
            singles = [c for c in cases if c.kind == "single" and c.path.startswith(app)][: args.server_cases]
            plain = [replace(c, path=c.path.split("::", 1)[1]) for c in singles]
            settings_under_test: tuple[tuple[str, dict[str, Any], dict[str, str]], ...] = (
                ("defaults (guided, checked; no repository context)", {}, {}),
                # As the server was before single-line prompts were shortened and the tokenizer kept
                # on the calling thread (server/app.py).
                ("before: 256-token single-line prompts, pooled tokenizer", {"completionLinePromptTokens": 256},
                 {"TOKENIZERS_PARALLELISM": "true"}),
                ("guided, checked and repository context (128)", {"repositoryContext": True}, {}),
                ("all three off", {"guidedDecoding": False, "repositoryContext": False, "checkedProposals": False},
                 {}),
            )
            pooled: dict[str, list[float]] = {name: [] for name, _, _ in settings_under_test}
            stages: dict[str, list[Any]] = {name: [] for name, _, _ in settings_under_test}
            # Two rounds, the settings alternating (the second round in reverse order), so that a machine
            # load that changes over the run weighs on each alike.
            for round_ in range(2):
                for name, options, env in settings_under_test[:: 1 if round_ == 0 else -1]:
                    with tempfile.TemporaryDirectory() as tmp:
                        write_project(Path(tmp) / "project", repos[app], deps)
                        # The standard-library listing as an installed server has it cached, so that
                        # the timed requests do not share the machine with a first `elixir` run.
                        (Path(tmp) / "home" / "cache").mkdir(parents=True)
                        for listing in stdlib_cache_dir().glob("stdlib-*.txt.gz"):
                            shutil.copy(listing, Path(tmp) / "home" / "cache" / listing.name)
                        run = asyncio.run(server_run(plain, {**options, "modelPath": str(args.model_path)},
                                                     Path(tmp), env=env))
                    pooled[name] += run["case_ms"][1:]  # the first request of a fresh server is cold
                    stages[name].append(run.get("stages") or {})
            for name, values in pooled.items():
                server[name] = {"latency": {"single": {"n": len(values), "p50_ms": round(percentile(values, 50), 1),
                                                       "p95_ms": round(percentile(values, 95), 1)}},
                                "stages": mean_stages(stages[name])}
                print(name, json.dumps(server[name]["latency"]), flush=True)
        meta = {"date": time.strftime("%Y-%m-%d"), "model": f"{args.model_path.name} {engine.version}",
                "reference": args.reference,
                "cases": len(cases), "apps": apps, "deps": sorted(deps), "seed": args.seed,
                "load_start": load_start, "load_end": os.getloadavg()[0]}
        args.report.parent.mkdir(parents=True, exist_ok=True)
        figures = args.report.with_suffix(".json")
        figures.write_text(json.dumps({"meta": meta, "summary": summary, "server": server, "replay": replay},
                                      indent=1))
        report = render(summary, meta, server, replay)
        if args.report.exists():  # keep the hand-written discussion below the generated figures
            old = args.report.read_text()
            marker = "\n## Discussion"
            if marker in old:
                report += old[old.index(marker):]
        args.report.write_text(report)
        print(report)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
