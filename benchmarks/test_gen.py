"""Test-generation benchmark: can the model write ExUnit tests that pass and catch faults?

Fifty items (`data/test_gen/TG001.json` ...), each a module with the function(s) under test,
its entry point, and a ground-truth ExUnit module written by us. For every item:

1. the model is prompted with the module source followed by the head of a test module
   (`defmodule XTest do\\n  use ExUnit.Case\\n`) and its completion is salvaged into a test
   module (`extract_tests`: cut at the next top-level `defmodule`/fence, then the longest
   prefix that parses once closed);
2. the tests run against the original module in the ElixirEval sandbox
   (`execution.run_solution`): the item *passes* when every generated test passes;
3. the tests that passed on the original are kept, and every mutant of the module
   (`mutation.generate_mutants`) is run against them. A mutant is *killed* when a kept test
   fails, raises, times out or the VM dies while running it; *stillborn* when the mutant does
   not compile (left out of the score); otherwise it *survives*. Mutation score = killed /
   (killed + survived);
4. the same for the ground-truth tests, so the two scores compare on equal mutants.

`--reference` mode (`run_reference`) does steps 2-4 with the ground-truth tests only: they
must all pass on the original.

Mutants of one item run in as few `elixir` processes as possible: one script compiles each
mutant in turn over the same module names (module-conflict warnings off), recompiles the
test module and calls `ExUnit.run()`, printing one tagged line per test. A mutant that kills
the VM (memory limit, `System.halt`) or runs into the wall-time limit counts as killed and
the batch resumes in a fresh process after it. Items run in parallel, one process per core.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from elixir_coder.analysis.source import new_parser
from elixir_coder.assist import sandbox

from .execution import ExecutionLimits, ExecutionResult, default_jobs, run_solution
from .mutation import OPERATORS, Mutant, generate_mutants
from .schema import load_documents, string_fields_errors
from .syntax import parses

SUITE_DIR = Path(__file__).resolve().parent / "data" / "test_gen"
REPORT_DIR = Path(__file__).resolve().parent.parent / "docs" / "reports"
LEVELS = ("function", "module", "otp")
DIFFICULTIES = ("easy", "medium", "hard")
TOPICS = ("pattern_matching", "recursion", "enum", "string", "map", "structs", "control_flow", "genserver")
FIELDS = ("id", "level", "topic", "difficulty", "entry_point", "module", "tests")
_ID = re.compile(r"^TG\d{3}$")
_ENTRY = re.compile(r"^(?P<module>[A-Z][A-Za-z0-9_]*(?:\.[A-Z][A-Za-z0-9_]*)*)\.(?P<fun>[a-z_][A-Za-z0-9_]*[?!]?)/(?P<arity>\d+)$")
_ASSERTION = re.compile(r"^\s*(?:assert|refute)(?:_[a-z_]+)?[\s(]", re.MULTILINE)
_STOP = re.compile(r"^(?:```|defmodule |ExUnit\.start)", re.MULTILINE)
# ExUnit's per-test timeout inside mutant batches: a mutant that loops is killed by it.
MUTANT_TEST_TIMEOUT_MS = 1000
# Wall time of a mutant batch: start-up plus this much per mutant (a batch cut short resumes).
_BATCH_BASE_S = 15.0
_BATCH_PER_MUTANT_S = 3.0
# A runaway mutant process is killed at this heap size (words) instead of taking the VM down.
_MAX_HEAP_WORDS = 16_000_000

GenerateFn = Callable[[str], str]


@dataclass(frozen=True)
class Item:
    """One test-generation item (see the module doc)."""

    id: str
    level: str
    topic: str
    difficulty: str
    entry_point: str
    module: str
    tests: str

    @property
    def module_name(self) -> str:
        """The module of the entry point (`Foo.Bar` of `Foo.Bar.baz/2`)."""
        return self.entry_point.rsplit(".", 1)[0]

    @property
    def test_head(self) -> str:
        """The head of the test module the model is asked to complete."""
        return f"defmodule {self.module_name}Test do\n  use ExUnit.Case\n"

    @property
    def prompt(self) -> str:
        """The module under test followed by the test head."""
        return self.module.rstrip() + "\n\n" + self.test_head


# --------------------------------------------------------------------------- loading


def validate_item(doc: object, source: str = "<item>") -> list[str]:
    """Every schema error of one item document as `"source: message"` lines (empty if valid)."""
    errors = string_fields_errors(doc, FIELDS, source)
    if errors or not isinstance(doc, dict):
        return errors
    if not _ID.match(doc["id"]):
        errors.append(f"{source}: id {doc['id']!r} must look like TG001")
    for name, allowed in (("level", LEVELS), ("topic", TOPICS), ("difficulty", DIFFICULTIES)):
        if doc[name] not in allowed:
            errors.append(f"{source}: {name} {doc[name]!r} is not one of {', '.join(allowed)}")
    m = _ENTRY.match(doc["entry_point"])
    if not m:
        errors.append(f"{source}: entry_point {doc['entry_point']!r} must look like Module.fun/arity")
    else:
        if not re.search(rf"^\s*defmodule\s+{re.escape(m['module'])}\s+do", doc["module"], re.MULTILINE):
            errors.append(f"{source}: the module source does not define {m['module']}")
        if not re.search(rf"^\s*def\s+{re.escape(m['fun'])}(?![\w?!])", doc["module"], re.MULTILINE):
            errors.append(f"{source}: the module source does not define {m['fun']} (the entry point)")
        if not doc["tests"].lstrip().startswith(f"defmodule {m['module']}Test do"):
            errors.append(f"{source}: tests must be the module {m['module']}Test")
    if "use ExUnit.Case" not in doc["tests"] or not re.search(r"^\s*test\s+\"", doc["tests"], re.MULTILINE):
        errors.append(f"{source}: tests must be an ExUnit module (`use ExUnit.Case`) with at least one test")
    if "ExUnit.start" in doc["tests"] or "ExUnit.start" in doc["module"]:
        errors.append(f"{source}: ExUnit.start belongs to the harness")
    for name in ("module", "tests"):
        if not parses(doc[name]):
            errors.append(f"{source}: {name} does not parse")
    return errors


def load_suite(path: Path | None = None) -> list[Item]:
    """Load and validate every `*.json` item under `path` (default: the shipped suite), sorted by id.

    Raises SuiteError listing every schema error of every file.
    """
    root = Path(path) if path is not None else SUITE_DIR
    docs = load_documents(root, validate_item, "item", "the test-generation suite")
    return [Item(**{k: doc[k] for k in FIELDS}) for doc in docs]


def suite_digest(items: Sequence[Item]) -> str:
    """A short digest of the items' content."""
    h = hashlib.sha256()
    for i in sorted(items, key=lambda i: i.id):
        h.update(json.dumps([getattr(i, f) for f in FIELDS]).encode())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- completions


def extract_tests(item: Item, completion: str) -> str:
    """Turn a completion of `item.prompt` into a test module source (head included).

    The completion is cut where the model starts another module, a fence or `ExUnit.start`;
    then the longest line prefix that parses once the module is closed (an `end` added if
    needed) wins; failing that, the longest that parses with a test closed too. Tests whose
    name repeats an earlier one are dropped (`drop_duplicate_tests`). Returns the head closed with `end` when nothing better parses.
    """
    m = _STOP.search(completion)
    body = completion[: m.start()] if m else completion
    lines = body.splitlines(keepends=True)
    # first whole tests only (the module closed at most); closing a half-written test too
    # is the fallback, since it often leaves an empty test that passes trivially
    for closer_set in (("", "end\n"), ("  end\nend\n",)):
        for cut in range(len(lines), -1, -1):
            text = item.test_head + "".join(lines[:cut])
            if not text.endswith("\n"):
                text += "\n"
            for closers in closer_set:
                candidate = text + closers
                if parses(candidate) and _closed(candidate):
                    return drop_duplicate_tests(candidate)
    return item.test_head + "end\n"


def _closed(text: str) -> bool:
    """The test module is closed by the last line (nothing after the module's `end`)."""
    return text.rstrip().endswith("end")


def drop_duplicate_tests(source: str) -> str:
    """Remove each `test "name"` block whose name an earlier test in the same module already used.

    ExUnit refuses a whole module with a duplicate test name (`ExUnit.DuplicateTestError`),
    and small models repeat themselves; keeping the first of each name lets the rest run.
    """
    data = source.encode("utf-8")
    root = new_parser().parse(data).root_node
    cuts: list[tuple[int, int]] = []
    for module in (n for n in root.named_children if n.type == "call"):
        block = next((c for c in module.children if c.type == "do_block"), None)
        seen: set[str] = set()
        for call in (block.named_children if block is not None else []):
            target = call.child_by_field_name("target") if call.type == "call" else None
            args = next((c for c in call.children if c.type == "arguments"), None)
            if target is None or (target.text or b"") != b"test" or args is None or not args.named_children:
                continue
            name = (args.named_children[0].text or b"").decode("utf-8", "replace")
            if name in seen:
                end = call.end_byte + 1 if data[call.end_byte:call.end_byte + 1] == b"\n" else call.end_byte
                start = data.rfind(b"\n", 0, call.start_byte) + 1
                cuts.append((start, end))
            seen.add(name)
    for start, end in reversed(cuts):
        data = data[:start] + data[end:]
    return data.decode("utf-8")


# --------------------------------------------------------------------------- mutant batches

_BATCH_SCRIPT = """\
defmodule TestGenHarness.Reporter do
  @moduledoc false
  use GenServer

  def init(_opts), do: {:ok, nil}

  def handle_cast({:test_finished, %ExUnit.Test{} = test}, state) do
    kind =
      case test.state do
        nil -> "passed"
        {:skipped, _} -> "skipped"
        {:excluded, _} -> "excluded"
        _ -> "failed"
      end

    # module and name: a test may define further test modules whose tests share its name
    name = inspect(test.module) <> "." <> inspect(test.name)
    IO.puts("__TAG__ test " <> :persistent_term.get(:test_gen_mutant) <> " " <> kind <> " " <> name)
    {:noreply, state}
  end

  def handle_cast(_event, state), do: {:noreply, state}
end

ExUnit.start(autorun: false, seed: 0, timeout: __TIMEOUT__, formatters: [TestGenHarness.Reporter])
Code.put_compiler_option(:ignore_module_conflict, true)
:erlang.system_flag(:max_heap_size, %{size: __HEAP__, kill: true, error_logger: false})
tests = File.read!("tests.exs")

compile = fn source, file ->
  try do
    Code.compile_string(source, file)
    :ok
  rescue
    _ -> :error
  catch
    _, _ -> :error
  end
end

for id <- String.split(File.read!("order.txt"), "\\n", trim: true) do
  :persistent_term.put(:test_gen_mutant, id)
  IO.puts("__TAG__ start " <> id)

  case compile.(File.read!("mutants/" <> id <> ".ex"), "mutant.ex") do
    :ok ->
      case compile.(tests, "tests.exs") do
        :ok ->
          %{total: total, failures: failures} = ExUnit.run()
          IO.puts("__TAG__ done #{id} total=#{total} failures=#{failures}")
          # no test passes on the original: there is nothing to kill mutants with
          if id == "ORIGINAL" and failures == total, do: System.halt(0)

        :error ->
          IO.puts("__TAG__ tests_compile_error " <> id)
      end

    :error ->
      IO.puts("__TAG__ stillborn " <> id)
  end
end

IO.puts("__TAG__ finished")
System.halt(0)
"""


@dataclass
class MutantOutcome:
    """What one mutant did against a test suite."""

    status: str  # "killed" | "survived" | "stillborn"
    reason: str = ""  # for killed: "failed_test", "tests_compile_error", "crash_or_timeout"
    # kept tests that did not pass on the mutant
    failed_tests: list[str] = field(default_factory=list)


def _run_batch(workdir: Path, ids: Sequence[str], limits: ExecutionLimits) -> tuple[str, bool]:
    """Run the batch script over `ids` in `workdir` through the shared sandbox; returns (output, timed_out)."""
    (workdir / "order.txt").write_text("\n".join(ids) + "\n", encoding="utf-8")
    run = sandbox.run_elixir_script(
        workdir, "batch.exs", wall_time_s=_BATCH_BASE_S + _BATCH_PER_MUTANT_S * len(ids),
        memory_mb=limits.memory_mb, file_size_mb=limits.file_size_mb, allow_network=limits.network,
        output_limit=50_000_000,  # every tagged line is needed, not just the tail
    )
    return run.output, run.timed_out


ORIGINAL_ID = "ORIGINAL"


def run_mutants(
    tests: str, original: str, mutants: Sequence[Mutant], limits: ExecutionLimits | None = None
) -> tuple[dict[str, str], dict[str, MutantOutcome]]:
    """Run `tests` against the original and then every mutant, in as few `elixir` processes as possible.

    The original runs first in the same batch; the tests that pass on it are the *kept*
    tests, and only their failures kill a mutant.

    Args:
        tests: the ExUnit test module source.
        original: the module source the mutants were made from.
        mutants: the mutants (each a full module source).
        limits: sandbox limits (memory, file size, network); the wall time is per batch.

    Returns:
        (per-test results on the original as {name: "passed" | "failed" | ...}, outcome per mutant id).
        When the original itself cannot be tested, both are empty.
    """
    limits = limits or ExecutionLimits()
    outcomes: dict[str, MutantOutcome] = {}
    results: dict[str, dict[str, str]] = defaultdict(dict)
    known = {m.id for m in mutants} | {ORIGINAL_ID}
    tag = "__TEST_GEN_" + secrets.token_hex(8) + "__"
    script = (_BATCH_SCRIPT.replace("__TAG__", tag).replace("__TIMEOUT__", str(MUTANT_TEST_TIMEOUT_MS))
              .replace("__HEAP__", str(_MAX_HEAP_WORDS)))
    finished: dict[str, str] = {}  # id -> "done" | "tests_compile_error" | "stillborn" | "crash_or_timeout"
    with tempfile.TemporaryDirectory(prefix="test-gen-") as tmp:
        workdir = Path(tmp)
        (workdir / "batch.exs").write_text(script, encoding="utf-8")
        (workdir / "tests.exs").write_text(tests, encoding="utf-8")
        (workdir / "mutants").mkdir()
        (workdir / "mutants" / f"{ORIGINAL_ID}.ex").write_text(original, encoding="utf-8")
        for m in mutants:
            (workdir / "mutants" / f"{m.id}.ex").write_text(m.source, encoding="utf-8")
        pending = [ORIGINAL_ID] + [m.id for m in mutants]
        while pending:
            output, _ = _run_batch(workdir, pending, limits)
            started: str | None = None
            prefix = tag + " "
            for line in output.splitlines():
                pos = line.find(prefix)  # a formatter may have printed on the same line first
                if pos < 0:
                    continue
                parts = line[pos + len(prefix):].split(" ", 3)
                kind, mid = parts[0], parts[1] if len(parts) > 1 else ""
                if kind == "start":
                    started = mid
                elif kind == "test" and len(parts) == 4:
                    results[mid][parts[3]] = parts[2]
                elif kind in ("done", "tests_compile_error", "stillborn") and mid in known:
                    finished[mid] = kind
                    started = None
            if started is not None and started in known and started not in finished:
                # the VM died or ran out of time inside this run
                finished[started] = "crash_or_timeout"
            remaining = [i for i in pending if i not in finished]
            if len(remaining) == len(pending):
                break  # nothing was reported at all: the harness itself failed; do not loop
            if finished.get(ORIGINAL_ID) != "done" or "passed" not in results[ORIGINAL_ID].values():
                break  # no test passes on the original: nothing to kill mutants with
            pending = remaining
    if finished.get(ORIGINAL_ID) != "done":
        return {}, {}
    on_original = dict(results[ORIGINAL_ID])
    kept = [name for name, kind in on_original.items() if kind == "passed"]
    for m in mutants:
        state = finished.get(m.id)
        if state == "done":
            failed = [n for n in kept if results[m.id].get(n) != "passed"]
            outcomes[m.id] = MutantOutcome("killed", "failed_test", failed) if failed else MutantOutcome("survived")
        elif state in ("tests_compile_error", "crash_or_timeout"):
            outcomes[m.id] = MutantOutcome("killed", state,
                                           [n for n in kept if results[m.id].get(n, "passed") != "passed"])
        elif state == "stillborn":
            outcomes[m.id] = MutantOutcome("stillborn")
        else:
            outcomes[m.id] = MutantOutcome("stillborn", "harness produced no result")
    return on_original, outcomes


# --------------------------------------------------------------------------- one item


@dataclass
class SuiteRun:
    """One test suite (generated or ground truth) run on an item's original and mutants."""

    tests: str
    original: ExecutionResult
    kept_tests: list[str]
    mutants: dict[str, MutantOutcome]

    @property
    def killed(self) -> int:
        """Mutants killed."""
        return sum(o.status == "killed" for o in self.mutants.values())

    @property
    def survived(self) -> int:
        """Mutants that survived."""
        return sum(o.status == "survived" for o in self.mutants.values())

    @property
    def stillborn(self) -> int:
        """Mutants that did not compile (not in the score)."""
        return sum(o.status == "stillborn" for o in self.mutants.values())

    @property
    def assertions(self) -> int:
        """Assertion calls (`assert`, `refute`, `assert_raise`, ...) in the test source."""
        return len(_ASSERTION.findall(self.tests))

    @property
    def score(self) -> float:
        """killed / (killed + survived); 0.0 when no test passed on the original."""
        denominator = self.killed + self.survived
        return self.killed / denominator if denominator and self.kept_tests else 0.0

    def to_dict(self, mutants: Sequence[Mutant], with_tests: bool) -> dict:
        """JSON-friendly form."""
        d: dict = {
            "outcome": self.original.outcome, "tests_total": self.original.tests_total,
            "tests_passed": self.original.tests_passed, "kept_tests": len(self.kept_tests),
            "assertions": self.assertions,
            "detail": self.original.detail, "killed": self.killed, "survived": self.survived,
            "stillborn": self.stillborn, "mutation_score": round(self.score, 4),
            "by_operator": _by_operator(mutants, self.mutants),
            "survivors": [m.id for m in mutants if self.mutants.get(m.id, MutantOutcome("x")).status == "survived"],
        }
        if with_tests:
            d["tests"] = self.tests
        return d


def _by_operator(mutants: Sequence[Mutant], outcomes: dict[str, MutantOutcome]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {op: {"killed": 0, "survived": 0, "stillborn": 0} for op in OPERATORS}
    for m in mutants:
        o = outcomes.get(m.id)
        if o is not None and o.status in out[m.operator]:
            out[m.operator][o.status] += 1
    return out


def run_suite_on_item(item: Item, tests: str, mutants: Sequence[Mutant], limits: ExecutionLimits) -> SuiteRun:
    """Run `tests` on the original module, then the tests that passed there on every mutant."""
    original = run_solution(item.module, tests, limits)
    if original.outcome == "syntax_error":
        return SuiteRun(tests, original, [], {})
    on_original, outcomes = run_mutants(tests, item.module, mutants, limits)
    kept = [name for name, kind in on_original.items() if kind == "passed"]
    if on_original:
        # per-test figures from our own batch run (its reporter prints one clean line per test)
        original.tests_total = len(on_original)
        original.tests_passed = len(kept)
    return SuiteRun(tests, original, kept, outcomes if kept else {})


@dataclass
class ItemResult:
    """Results of one item: its mutants, the ground truth's run and (model mode) the generated tests' run."""

    item: Item
    mutants: list[Mutant]
    ground_truth: SuiteRun
    generated: SuiteRun | None = None
    completion: str = ""

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        d: dict = {
            "id": self.item.id, "level": self.item.level, "topic": self.item.topic,
            "difficulty": self.item.difficulty, "entry_point": self.item.entry_point,
            "mutants": len(self.mutants),
            "mutants_by_operator": dict(Counter(m.operator for m in self.mutants)),
            "ground_truth": self.ground_truth.to_dict(self.mutants, with_tests=False),
        }
        if self.generated is not None:
            d["generated"] = {**self.generated.to_dict(self.mutants, with_tests=True), "completion": self.completion}
        return d


def evaluate_item(item: Item, limits: ExecutionLimits, generated_tests: str | None = None,
                  completion: str = "") -> ItemResult:
    """Ground-truth run, plus the generated tests' run when given."""
    mutants = generate_mutants(item.module)
    gt = run_suite_on_item(item, item.tests, mutants, limits)
    gen = run_suite_on_item(item, generated_tests, mutants, limits) if generated_tests is not None else None
    return ItemResult(item, mutants, gt, gen, completion)


# --------------------------------------------------------------------------- whole runs


def run(
    items: Sequence[Item] | None = None,
    generate_fn: GenerateFn | None = None,
    *,
    model_id: str = "reference",
    jobs: int | None = None,
    limits: ExecutionLimits | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Run the benchmark and return its JSON-ready result.

    Args:
        items: default: the whole suite.
        generate_fn: `generate_fn(prompt) -> completion`; None runs the ground truth only
            (`--reference` mode).
        model_id: recorded in the result.
        jobs: items evaluated in parallel (default: CPU cores).
        limits: sandbox limits for each run on the original and each mutant batch.
        progress: called as progress(phase, done, total), phase "generate" or "execute".
    """
    items = list(items) if items is not None else load_suite()
    limits = limits or ExecutionLimits()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    generated: dict[str, tuple[str, str]] = {}
    if generate_fn is not None:
        for n, item in enumerate(items):
            completion = generate_fn(item.prompt)
            generated[item.id] = (completion, extract_tests(item, completion))
            if progress:
                progress("generate", n + 1, len(items))
    results: list[ItemResult | None] = [None] * len(items)
    done = 0
    lock = threading.Lock()

    def one(index: int) -> None:
        nonlocal done
        item = items[index]
        comp, tests = generated.get(item.id, ("", None))
        results[index] = evaluate_item(item, limits, tests, comp)
        with lock:
            done += 1
            if progress:
                progress("execute", done, len(items))

    with ThreadPoolExecutor(max_workers=jobs or default_jobs()) as pool:
        for fut in [pool.submit(one, i) for i in range(len(items))]:
            fut.result()
    finished = [r for r in results if r is not None]
    from .elixir_eval import machine_info

    return {
        "suite": "test_gen", "mode": "reference" if generate_fn is None else "model", "model_id": model_id,
        "suite_digest": suite_digest(items), "started_at": started_at,
        "duration_s": round(time.perf_counter() - started, 2), "jobs": jobs or default_jobs(),
        "limits": {"wall_time_s": limits.wall_time_s, "memory_mb": limits.memory_mb,
                   "mutant_test_timeout_ms": MUTANT_TEST_TIMEOUT_MS},
        "machine": machine_info(), "summary": summarize(finished), "items": [r.to_dict() for r in finished],
    }


def _suite_summary(runs: Sequence[SuiteRun], mutants: Sequence[Sequence[Mutant]]) -> dict:
    n = len(runs)
    killed = sum(r.killed for r in runs)
    survived = sum(r.survived for r in runs)
    per_op: dict[str, dict[str, int]] = {op: {"killed": 0, "survived": 0, "stillborn": 0} for op in OPERATORS}
    for r, ms in zip(runs, mutants, strict=True):
        for op, counts in _by_operator(ms, r.mutants).items():
            for k, v in counts.items():
                per_op[op][k] += v
    return {
        "items": n,
        "suites_passing": sum(r.original.passed for r in runs),
        "pass_rate": round(sum(r.original.passed for r in runs) / n, 4) if n else 0.0,
        # a suite of empty tests passes too: these are the passing suites that check something
        "suites_passing_with_assertions": sum(r.original.passed and r.assertions > 0 for r in runs),
        "tests_total": sum(r.original.tests_total for r in runs),
        "tests_passed": sum(r.original.tests_passed for r in runs),
        "outcomes": dict(Counter(r.original.outcome for r in runs)),
        "mean_mutation_score": round(sum(r.score for r in runs) / n, 4) if n else 0.0,
        "pooled_mutation_score": round(killed / (killed + survived), 4) if killed + survived else 0.0,
        "killed": killed, "survived": survived, "stillborn": sum(r.stillborn for r in runs),
        "by_operator": {op: {**c, "kill_rate": round(c["killed"] / (c["killed"] + c["survived"]), 4)
                             if c["killed"] + c["survived"] else None} for op, c in per_op.items()},
    }


def summarize(results: Sequence[ItemResult]) -> dict:
    """Suite-level figures for the ground truth and (if present) the generated tests, with breakdowns."""
    out: dict = {"mutants": sum(len(r.mutants) for r in results),
                 "ground_truth": _suite_summary([r.ground_truth for r in results], [r.mutants for r in results])}
    gen = [r for r in results if r.generated is not None]
    if gen:
        out["generated"] = _suite_summary([r.generated for r in gen if r.generated is not None],
                                          [r.mutants for r in gen])
        out["generated"]["parseable_completions"] = sum(
            1 for r in gen if r.generated is not None and r.generated.original.outcome != "syntax_error")
    for attr in ("level", "difficulty"):
        groups: dict[str, list[ItemResult]] = defaultdict(list)
        for r in results:
            groups[getattr(r.item, attr)].append(r)
        out[f"by_{attr}"] = {
            name: {
                "items": len(rs),
                "ground_truth_score": round(sum(r.ground_truth.score for r in rs) / len(rs), 4),
                **({"generated_pass_rate": round(sum(r.generated.original.passed for r in rs if r.generated)
                                                 / len(rs), 4),
                    "generated_score": round(sum(r.generated.score for r in rs if r.generated) / len(rs), 4)}
                   if gen else {}),
            }
            for name, rs in sorted(groups.items())
        }
    return out


# --------------------------------------------------------------------------- the report


def _calls_module(row: dict) -> bool:
    """Whether a result row's generated tests call the module under test (`Mod.` appears)."""
    module = row["entry_point"].rsplit(".", 1)[0]
    return re.search(rf"(?<![\w.]){re.escape(module)}\.[a-z_]", row["generated"].get("tests", "")) is not None


def write_report(reference: dict | None, model: dict | None, path: Path | None = None,
                 commands: dict[str, str] | None = None) -> Path:
    """Write `docs/reports/test_gen.md` from a reference result and/or a model result."""
    path = path or REPORT_DIR / "test_gen.md"
    commands = commands or {}
    lines = ["# Test generation benchmark", "",
             "Fifty Elixir modules of our own (`benchmarks/data/test_gen/`), each with ground-truth ExUnit tests. "
             "The model is prompted with the module followed by `defmodule XTest do\\n  use ExUnit.Case\\n`; its "
             "tests run against the original (pass rate) and against every mutant from our mutation engine "
             "(`benchmarks/mutation.py`: arithmetic, comparison, boolean, literal, call removal, condition "
             "negation, clause swap). Only tests that pass on the original count for killing mutants; mutants "
             "that do not compile are left out. Mutation score = killed / (killed + survived).", ""]
    any_run = reference or model
    if any_run:
        mach = any_run["machine"]
        lines += [f"Machine: {mach['cpu']}, {mach['cores']} cores, Python {mach['python']}, {mach['elixir']}.", ""]
    if reference:
        s = reference["summary"]
        gt = s["ground_truth"]
        lines += ["## Ground truth (`--reference`)", "",
                  f"Command: `{commands.get('reference', 'elixir-coder bench test-gen --reference')}` "
                  f"({reference['duration_s']:.0f} s, {reference['jobs']} parallel jobs).", "",
                  f"- items whose ground-truth tests all pass on the original: **{gt['suites_passing']}/{gt['items']}**",
                  f"- mutants: {s['mutants']} ({gt['stillborn']} did not compile), killed {gt['killed']}, "
                  f"survived {gt['survived']}",
                  f"- mutation score: mean over items **{gt['mean_mutation_score']:.3f}**, pooled "
                  f"{gt['pooled_mutation_score']:.3f}", "",
                  "| operator | killed | survived | stillborn | kill rate |", "|---|---|---|---|---|"]
        for op, c in gt["by_operator"].items():
            rate = f"{c['kill_rate']:.3f}" if c["kill_rate"] is not None else "-"
            lines.append(f"| {op} | {c['killed']} | {c['survived']} | {c['stillborn']} | {rate} |")
        lines += ["", "| level / difficulty | items | ground-truth score |", "|---|---|---|"]
        for attr in ("level", "difficulty"):
            for name, row in s[f"by_{attr}"].items():
                lines.append(f"| {attr} {name} | {row['items']} | {row['ground_truth_score']:.3f} |")
        lines.append("")
    if model:
        s = model["summary"]
        g, gt = s["generated"], s["ground_truth"]
        lines += [f"## Model `{model['model_id']}`", "",
                  f"Command: `{commands.get('model', 'elixir-coder bench test-gen')}` ({model['duration_s']:.0f} s, "
                  f"greedy decoding, one sample per item).", "",
                  "| | generated tests | ground-truth tests |", "|---|---|---|",
                  f"| test modules that compile | {g['items'] - g['outcomes'].get('syntax_error', 0)}/{g['items']}"
                  f" | {gt['items'] - gt['outcomes'].get('syntax_error', 0)}/{gt['items']} |",
                  f"| test modules with at least one test that runs | "
                  f"{sum(1 for i in model['items'] if i['generated']['tests_total'] > 0)}/{g['items']} | "
                  f"{sum(1 for i in model['items'] if i['ground_truth']['tests_total'] > 0)}/{gt['items']} |",
                  f"| test modules that call the module under test | "
                  f"{sum(1 for i in model['items'] if _calls_module(i))}/{g['items']} | {gt['items']}/{gt['items']} |",
                  f"| suites passing on the original (pass rate) | {g['suites_passing']}/{g['items']} "
                  f"({g['pass_rate']:.3f}) | {gt['suites_passing']}/{gt['items']} |",
                  f"| ... of which contain at least one assertion | {g.get('suites_passing_with_assertions', '-')} | "
                  f"{gt.get('suites_passing_with_assertions', '-')} |",
                  f"| tests passing on the original | {g['tests_passed']}/{g['tests_total']} | "
                  f"{gt['tests_passed']}/{gt['tests_total']} |",
                  f"| mean mutation score | {g['mean_mutation_score']:.3f} | {gt['mean_mutation_score']:.3f} |",
                  f"| pooled mutation score | {g['pooled_mutation_score']:.3f} | {gt['pooled_mutation_score']:.3f} |",
                  "", "Outcomes of the generated test modules on the original: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(g["outcomes"].items())) + ".", ""]
        lines += ["| outcome on the original | items | example |", "|---|---|---|"]
        by_outcome: dict[str, list[dict]] = defaultdict(list)
        for i in model["items"]:
            by_outcome[i["generated"]["outcome"]].append(i)
        for outcome, rows in sorted(by_outcome.items(), key=lambda kv: -len(kv[1])):
            example = next((r for r in rows if r["generated"]["detail"]), rows[0])
            detail = " ".join(example["generated"]["detail"].split())[:110].replace("|", "\\|")
            lines.append(f"| {outcome} | {len(rows)} | {example['id']}: {detail or '-'} |")
        lines.append("")
        raw_calls = sum(1 for i in model["items"]
                        if _calls_module({**i, "generated": {"tests": i["generated"].get("completion", "")}}))
        lines += [f"Raw completions that call the module under test anywhere (before salvaging): {raw_calls}/"
                  f"{len(model['items'])}. Completions are cut at the next top-level `defmodule` or fence and "
                  "salvaged to the longest prefix that parses; repeated test names are dropped.", ""]
        with_kills = [i for i in model["items"] if i["generated"]["killed"] > 0]
        lines += [f"Items where the generated tests killed at least one mutant: {len(with_kills)}"
                  + (" (" + ", ".join(f"{i['id']} {i['generated']['mutation_score']:.2f}" for i in with_kills) + ")"
                     if with_kills else "") + ".", ""]
    lines += ["## Notes", "",
              "- Equivalent mutants are not detected (undecidable in general), so even perfect tests score below "
              "1.0; compare the generated tests' score with the ground truth's on the same mutants.",
              "- A mutant counts as killed when a kept test fails, raises, exceeds ExUnit's per-test timeout "
              f"({MUTANT_TEST_TIMEOUT_MS} ms), or the VM dies or runs out of time while testing it.",
              "- CodeBLEU for Elixir (`benchmarks/codebleu.py`) is our own implementation of the four-part "
              "metric: BLEU over tree-sitter tokens, keyword-weighted unigram match (Elixir keywords and special "
              "forms weigh 5, other tokens 1), syntax match as the share of the reference's tree-sitter subtrees "
              "(node-type shapes, identifiers and literals abstracted) found in the candidate, and data-flow match "
              "as the share of the reference's def-use edges (variables renamed by first appearance) found in the "
              "candidate, combined with weights 0.25 each. ElixirEval reports it per problem for the first "
              "sample against the reference, and its mean.", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
