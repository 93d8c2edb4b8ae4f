"""Run candidate Elixir solutions against ExUnit tests in real Elixir, one sandboxed process each.

Each sample gets its own temporary directory holding one script, `main.exs`, laid out as:

1. a tiny ExUnit formatter (the *reporter*) that prints one tagged line per finished test;
2. `ExUnit.start(autorun: false, ...)`, so nothing runs before the script says so;
3. the candidate solution (prompt + completion), followed by a tagged "solution loaded" line;
4. the problem's ExUnit test module, followed by a tagged "tests loaded" line;
5. `ExUnit.run()`, a tagged summary line and `System.halt(0 | 2)`.

Because an `.exs` file is evaluated top to bottom, the solution's modules exist before the
test module is compiled (tests may pattern-match its structs), and the tagged lines tell
where a failure happened: no "solution loaded" line means the solution itself did not
compile or raised while loading. Tags carry a per-run random nonce, so a solution that
prints look-alike lines cannot forge a result.

Outcomes (`OUTCOMES`), from most to least severe when tests disagree:

* ``syntax_error``: the file did not parse or a module did not compile
  (`SyntaxError`, `TokenMissingError`, `CompileError`, `Kernel.TypespecError`), including a
  test module that cannot compile against the solution (e.g. a missing struct);
* ``timeout``: the wall-time limit killed the process, or ExUnit's per-test timeout fired;
* ``exception``: the solution raised while loading, a test raised or exited with something
  other than an assertion error, the VM ran out of its memory limit, or the process died
  without a summary;
* ``assertion_failure``: every failing test failed an assertion (wrong answer);
* ``passed``: every test passed and the exit status is 0.

Isolation, concretely (this is a best-effort sandbox for trusted-but-buggy model output on a
developer or CI machine, not a security boundary against hostile code):

* a fresh temporary directory is the working directory, `HOME`, `TMPDIR`, `MIX_HOME` and
  `HEX_HOME`; it is deleted afterwards;
* the environment is rebuilt from scratch: `PATH` (only the directories of `elixir`/`erl`
  and the system bin directories), `LANG`/`LC_ALL=C.UTF-8` and a few `ERL_*` settings; no
  proxy variables, credentials or user settings are passed through;
* no network: when `unshare --net --map-root-user` works (Linux with unprivileged user
  namespaces) the process runs in an empty network namespace (loopback only, down);
  otherwise it has whatever network the host has, and `ExecutionResult.network_isolated`
  says so;
* resource limits set in the child before exec: `RLIMIT_AS` (address space; the BEAM's
  1 GiB literal super carrier is shrunk with `+MIscs` so the VM starts under small
  limits), `RLIMIT_FSIZE` (files it writes, output included), `RLIMIT_CORE` 0;
* a wall-time limit: the whole process group (its own session) is killed with SIGKILL.

Results are cached on disk by (model version, problem id, sample digest), where the sample
digest covers the harness version, the solution text and the test text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from elixir_coder.assist import sandbox

HARNESS_VERSION = "1"
OUTCOMES = ("passed", "assertion_failure", "syntax_error", "exception", "timeout")
# Most severe first: the overall outcome of a run whose tests disagree.
_SEVERITY = ("syntax_error", "timeout", "exception", "assertion_failure", "passed")
_COMPILE_ERROR = re.compile(
    r"\*\* \((SyntaxError|TokenMissingError|CompileError|Kernel\.TypespecError|MismatchedDelimiterError)\)"
)
_OUTPUT_TAIL = 4000


class ElixirNotFoundError(RuntimeError):
    """The `elixir` executable is not on PATH."""


@dataclass(frozen=True)
class ExecutionLimits:
    """Limits for one run.

    Args:
        wall_time_s: the whole `elixir` process, start-up and compilation included.
        memory_mb: address-space limit (RLIMIT_AS) in MiB; 0 disables it. The BEAM maps about
            1.2 GiB of address space before running any code (measured with OTP 25), so
            values below ~1300 make every run crash; the heap left to a solution is
            roughly `memory_mb - 1200`.
        test_timeout_ms: ExUnit's per-test timeout; default: 80% of the wall time.
        file_size_mb: largest file the process may write (its captured output included).
        network: allow network access (default False: an empty network namespace when possible).
    """

    wall_time_s: float = 20.0
    memory_mb: int = 2048
    test_timeout_ms: int | None = None
    file_size_mb: int = 32
    network: bool = False

    def exunit_timeout_ms(self) -> int:
        """The per-test timeout handed to ExUnit."""
        if self.test_timeout_ms is not None:
            return self.test_timeout_ms
        return max(500, int(self.wall_time_s * 800))


@dataclass
class ExecutionResult:
    """What one run of a solution against its tests produced."""

    outcome: str
    tests_total: int = 0
    tests_passed: int = 0
    exit_code: int | None = None
    duration_s: float = 0.0
    detail: str = ""
    output_tail: str = ""
    network_isolated: bool = False
    cached: bool = False
    test_outcomes: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when every test passed."""
        return self.outcome == "passed"

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (the cache's file format)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ExecutionResult:
        """Inverse of `to_dict`; unknown keys are ignored."""
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


# --------------------------------------------------------------------------- the script

_REPORTER = """\
defmodule ElixirEvalHarness.Reporter do
  @moduledoc false
  use GenServer

  def init(_opts), do: {:ok, nil}

  def handle_cast({:test_finished, %ExUnit.Test{} = test}, state) do
    kind =
      case test.state do
        nil -> "passed"
        {:failed, failures} -> failure_kind(failures)
        {:invalid, _} -> "exception"
        {:skipped, _} -> "skipped"
        {:excluded, _} -> "excluded"
        _ -> "exception"
      end

    IO.puts("__TAG__ test " <> kind <> " " <> inspect(test.name))
    {:noreply, state}
  end

  def handle_cast(_event, state), do: {:noreply, state}

  defp failure_kind(failures) do
    kinds =
      Enum.map(failures, fn
        {:error, %ExUnit.AssertionError{}, _} -> "assertion_failure"
        {:error, %ExUnit.TimeoutError{}, _} -> "timeout"
        _ -> "exception"
      end)

    cond do
      "timeout" in kinds -> "timeout"
      "exception" in kinds -> "exception"
      true -> "assertion_failure"
    end
  end
end

ExUnit.start(
  autorun: false,
  seed: 0,
  timeout: __TIMEOUT__,
  formatters: [ExUnit.CLIFormatter, ElixirEvalHarness.Reporter]
)
"""

_RUNNER = """
IO.puts("__TAG__ tests_loaded")
%{total: total, failures: failures} = ExUnit.run()
IO.puts("__TAG__ summary total=#{total} failures=#{failures}")
System.halt(if failures == 0 and total > 0, do: 0, else: 2)
"""


def build_script(solution: str, tests: str, *, tag: str, test_timeout_ms: int) -> str:
    """The `main.exs` text: reporter, `ExUnit.start`, solution, tests, runner (see module doc)."""
    head = _REPORTER.replace("__TAG__", tag).replace("__TIMEOUT__", str(int(test_timeout_ms)))
    return (
        head
        + "\n# ---- solution ----\n"
        + solution.rstrip()
        + f'\n\nIO.puts("{tag} solution_loaded")\n'
        + "\n# ---- tests ----\n"
        + tests.rstrip()
        + "\n"
        + _RUNNER.replace("__TAG__", tag)
    )


# --------------------------------------------------------------------------- classification


def classify_output(output: str, exit_code: int | None, tag: str, *, timed_out: bool = False) -> ExecutionResult:
    """Turn the process's combined output and exit status into an `ExecutionResult`.

    Pure function (no process involved), so each rule is unit-testable on its own.
    """
    tail = output[-_OUTPUT_TAIL:]
    tests: dict[str, str] = {}
    summary: tuple[int, int] | None = None
    solution_loaded = tests_loaded = False
    prefix = tag + " "
    for line in output.splitlines():
        # ExUnit's progress dots can precede a tagged line: find the tag anywhere in it.
        at = line.find(prefix)
        if at < 0:
            continue
        body = line[at + len(prefix):]
        if body == "solution_loaded":
            solution_loaded = True
        elif body == "tests_loaded":
            tests_loaded = True
        elif body.startswith("test "):
            _, kind, name = body.split(" ", 2)
            tests[name] = kind
        elif body.startswith("summary "):
            m = re.match(r"summary total=(\d+) failures=(\d+)", body)
            if m:
                summary = (int(m.group(1)), int(m.group(2)))
    counted = {k: v for k, v in tests.items() if v not in ("skipped", "excluded")}
    n_passed = sum(1 for v in counted.values() if v == "passed")
    base: dict[str, Any] = {"exit_code": exit_code, "output_tail": tail, "test_outcomes": tests,
            "tests_total": len(counted), "tests_passed": n_passed}

    if timed_out:
        return ExecutionResult("timeout", detail="wall-time limit exceeded", **base)
    compile_error = _COMPILE_ERROR.search(output)
    if not solution_loaded:
        if compile_error:
            return ExecutionResult("syntax_error", detail=_error_line(output, compile_error.start()), **base)
        return ExecutionResult("exception", detail=_first_error(output) or "solution failed to load", **base)
    if not tests_loaded:
        if compile_error:
            return ExecutionResult("syntax_error", detail=_error_line(output, compile_error.start()), **base)
        return ExecutionResult("exception", detail=_first_error(output) or "test module failed to load", **base)
    if summary is None:
        return ExecutionResult("exception", detail=_first_error(output) or "the VM stopped before the summary",
                               **base)
    total, failures = summary
    if failures == 0 and total > 0 and exit_code == 0:
        return ExecutionResult("passed", **base)
    kinds = set(counted.values()) - {"passed"}
    if total == 0:
        return ExecutionResult("exception", detail="no tests ran", **base)
    for outcome in _SEVERITY:
        if outcome in kinds:
            failed = [n for n, k in counted.items() if k == outcome]
            return ExecutionResult(outcome, detail=f"{len(failed)} test(s) {outcome}: {failed[0]}", **base)
    return ExecutionResult("exception", detail=f"exit status {exit_code}", **base)


def _error_line(output: str, start: int) -> str:
    end = output.find("\n", start)
    return output[start:end if end >= 0 else None][:300]


def _first_error(output: str) -> str:
    m = re.search(r"^\*\* .*$|Cannot allocate .*$|^eheap_alloc.*$", output, re.MULTILINE)
    return m.group(0)[:300] if m else ""


# --------------------------------------------------------------------------- the sandbox


@lru_cache(maxsize=1)
def _elixir_path() -> str:
    path = shutil.which("elixir")
    if not path:
        raise ElixirNotFoundError("`elixir` was not found on PATH; ElixirEval needs Elixir >= 1.14")
    return path


def _limit_child(limits: ExecutionLimits) -> Callable[[], None]:
    return sandbox._limit_child(limits.memory_mb, limits.file_size_mb)


def _sandbox_env(workdir: Path) -> dict[str, str]:
    return sandbox.sandbox_environment(workdir)


def run_solution(solution: str, tests: str, limits: ExecutionLimits | None = None) -> ExecutionResult:
    """Run `solution` against the ExUnit module source `tests` in a fresh sandbox (see module doc)."""
    limits = limits or ExecutionLimits()
    _elixir_path()
    tag = "__ELIXIR_EVAL_" + secrets.token_hex(8) + "__"
    script = build_script(solution, tests, tag=tag, test_timeout_ms=limits.exunit_timeout_ms())
    with tempfile.TemporaryDirectory(prefix="elixir-eval-") as tmp:
        workdir = Path(tmp)
        (workdir / "main.exs").write_text(script, encoding="utf-8")
        run = sandbox.run_elixir_script(workdir, "main.exs", wall_time_s=limits.wall_time_s,
                                        memory_mb=limits.memory_mb, file_size_mb=limits.file_size_mb,
                                        allow_network=limits.network, output_limit=200_000)
    result = classify_output(run.output, run.exit_code, tag, timed_out=run.timed_out)
    result.duration_s = run.duration_s
    result.network_isolated = run.network_isolated
    return result


def _read_tail(path: Path, limit: int) -> str:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - limit))
        return f.read().decode("utf-8", errors="replace")


# --------------------------------------------------------------------------- cache


def sample_digest(solution: str, tests: str) -> str:
    """SHA-256 over the harness version, the test source and the solution source."""
    h = hashlib.sha256()
    for part in (HARNESS_VERSION, tests, solution):
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def default_cache_dir() -> Path:
    """`$ELIXIR_CODER_HOME/cache/elixir-eval`, else `~/.cache/elixir-coder/elixir-eval`."""
    home = os.environ.get("ELIXIR_CODER_HOME")
    if home:
        return Path(home) / "cache" / "elixir-eval"
    return Path.home() / ".cache" / "elixir-coder" / "elixir-eval"


class ResultCache:
    """Execution results on disk, one JSON file per (model version, problem id, sample digest).

    Writes are atomic (temporary file + rename), so concurrent runs never see half a file.
    Results that depend on the machine rather than the sample (the `elixir` executable
    missing) are never stored.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def path(self, model_version: str, problem_id: str, digest: str) -> Path:
        """Where the entry for this key lives."""
        key = hashlib.sha256(f"{model_version}\0{problem_id}\0{digest}".encode()).hexdigest()
        return self.root / key[:2] / f"{key}.json"

    def get(self, model_version: str, problem_id: str, digest: str) -> ExecutionResult | None:
        """The cached result, or None (missing or unreadable entries count as misses)."""
        try:
            data = json.loads(self.path(model_version, problem_id, digest).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("key") != [model_version, problem_id, digest]:
            return None
        result = ExecutionResult.from_dict(data["result"])
        result.cached = True
        return result

    def put(self, model_version: str, problem_id: str, digest: str, result: ExecutionResult) -> None:
        """Store a result."""
        path = self.path(model_version, problem_id, digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"key": [model_version, problem_id, digest], "result": {**result.to_dict(), "cached": False}}
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(tmp, path)


# --------------------------------------------------------------------------- many at once


@dataclass(frozen=True)
class ExecutionJob:
    """One sample to run: the full solution source and the problem's tests."""

    problem_id: str
    solution: str
    tests: str
    sample_index: int = 0


def default_jobs() -> int:
    """Parallel runs by default: one per CPU core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_many(
    jobs: Iterable[ExecutionJob],
    *,
    model_version: str,
    limits: ExecutionLimits | None = None,
    max_workers: int | None = None,
    cache: ResultCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[ExecutionResult]:
    """Run many samples in parallel (one `elixir` process per worker), in input order.

    Args:
        jobs: the samples.
        model_version: first part of the cache key ("reference" for reference solutions).
        limits: per-run limits.
        max_workers: concurrent processes (default: CPU cores).
        cache: where to look results up and store them; None disables caching.
        progress: called as progress(done, total) after each sample.
    """
    job_list: Sequence[ExecutionJob] = list(jobs)
    results: list[ExecutionResult | None] = [None] * len(job_list)
    done = 0
    lock = threading.Lock()

    def one(index: int) -> None:
        nonlocal done
        job = job_list[index]
        digest = sample_digest(job.solution, job.tests)
        result = cache.get(model_version, job.problem_id, digest) if cache else None
        if result is None:
            result = run_solution(job.solution, job.tests, limits)
            if cache is not None:
                cache.put(model_version, job.problem_id, digest, result)
        results[index] = result
        with lock:
            done += 1
            if progress:
                progress(done, len(job_list))

    with ThreadPoolExecutor(max_workers=max_workers or default_jobs()) as pool:
        for future in [pool.submit(one, i) for i in range(len(job_list))]:
            future.result()
    return [r for r in results if r is not None]
