"""A small sandbox for model-written Elixir: one `elixir` process runs many candidates on many inputs.

Clarification needs to know how candidate functions *behave*, and generate-check-repair needs
`Code.string_to_quoted` on each candidate. Starting the BEAM costs ~0.3 s, so both are done in
one process per batch: candidates and inputs are written as files into a fresh temporary
directory and a generated `.exs` script compiles each candidate in turn (redefining the same
module is allowed) and calls the function on every input, printing one tagged line per call.
A per-run random nonce in the tags keeps candidate output from forging results.

Isolation is best effort, for trusted-but-buggy model output (not hostile code): the temporary
directory is the working directory and HOME; the environment is rebuilt from scratch (PATH to
elixir and system dirs only, no proxies, no credentials); the process gets an empty network
namespace when `unshare --net --map-root-user` works; address space, file size and core dumps
are limited; a wall-time limit kills the whole process group; each call has its own timeout.
"""

from __future__ import annotations

import os
import re
import resource
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

COMPILE_FAILED = "compile_error"
BAD_INPUT = "bad_input"
# Inspect output that differs between runs of the same behaviour.
_VOLATILE = re.compile(r"#(PID|Reference|Port|Function)<[^>]*>")


class SandboxUnavailable(RuntimeError):
    """`elixir` is not installed, so nothing can be run."""


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one sandboxed batch.

    Args:
        wall_time_s: the whole `elixir` process.
        call_timeout_ms: one function call; a call that runs longer counts as `:timeout`.
        memory_mb: address-space limit (the BEAM maps ~1.2 GiB before running code).
        file_size_mb: largest file the process may write.
    """

    wall_time_s: float = 20.0
    call_timeout_ms: int = 500
    memory_mb: int = 2048
    file_size_mb: int = 16


@dataclass
class BehaviourRun:
    """Outputs of candidates on inputs.

    `outputs[i]` is None when candidate i did not compile (or was never reached), else one
    normalised `inspect` string per input (`bad_input` where the input itself did not evaluate).
    """

    outputs: list[list[str] | None]
    compile_errors: dict[int, str] = field(default_factory=dict)
    timed_out: bool = False
    network_isolated: bool = False
    log_tail: str = ""


@lru_cache(maxsize=1)
def elixir_path() -> str | None:
    """The `elixir` executable, or None when Elixir is not installed."""
    return shutil.which("elixir")


def elixir_available() -> bool:
    """Whether real Elixir can be run here."""
    return elixir_path() is not None


@lru_cache(maxsize=1)
def network_namespace_available() -> bool:
    """Whether `unshare --net --map-root-user` can run a command here (an empty network namespace)."""
    unshare = shutil.which("unshare")
    if not unshare:
        return False
    try:
        proc = subprocess.run([unshare, "--net", "--map-root-user", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def sandbox_environment(workdir: Path) -> dict[str, str]:
    """An environment built from scratch: PATH to Elixir and system dirs, HOME in the sandbox, no secrets."""
    dirs: list[str] = []
    for exe in (elixir_path() or "", shutil.which("erl") or ""):
        if exe:
            for d in (os.path.dirname(exe), os.path.dirname(os.path.realpath(exe))):
                if d not in dirs:
                    dirs.append(d)
    dirs += [d for d in ("/usr/local/bin", "/usr/bin", "/bin") if d not in dirs]
    home = str(workdir)
    # A small literal super carrier lets the VM start under RLIMIT_AS; no crash dumps.
    return {"PATH": os.pathsep.join(dirs), "HOME": home, "TMPDIR": home, "MIX_HOME": os.path.join(home, ".mix"),
            "HEX_HOME": os.path.join(home, ".hex"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "ERL_FLAGS": "+MIscs 64", "ERL_CRASH_DUMP_SECONDS": "0", "ERL_CRASH_DUMP": os.devnull}


@dataclass(frozen=True)
class ScriptRun:
    """How one sandboxed `elixir` run went: its combined output (tail) and exit."""

    output: str
    exit_code: int | None  # None when it was killed at the wall-time limit
    timed_out: bool
    network_isolated: bool
    duration_s: float


def _limit_child(memory_mb: int, file_size_mb: int) -> Callable[[], None]:
    def apply() -> None:
        if memory_mb > 0:
            size = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
        fsize = file_size_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def run_elixir_script(
    workdir: Path, script: str = "main.exs", *, wall_time_s: float, memory_mb: int, file_size_mb: int,
    allow_network: bool = False, output_limit: int = 400_000,
) -> ScriptRun:
    """Run `elixir SCRIPT` in `workdir` (which the caller filled) under the sandbox's limits.

    The process gets a fresh session, the environment of `sandbox_environment`, rlimits on
    address space, file size and core dumps, and an empty network namespace unless
    `allow_network` (or `unshare` is unavailable); its whole process group is killed at the
    wall-time limit and again afterwards, which reaps children a finished run left behind.

    Args:
        workdir: the sandbox directory; the working directory and HOME of the run.
        script: the script's name inside `workdir`.
        wall_time_s / memory_mb / file_size_mb: limits.
        allow_network: skip the network namespace.
        output_limit: bytes of combined stdout/stderr kept (the tail).
    """
    exe = elixir_path()
    if exe is None:
        raise SandboxUnavailable("`elixir` is not on PATH")
    isolated = not allow_network and network_namespace_available()
    cmd = [exe, script]
    if isolated:
        cmd = [shutil.which("unshare") or "unshare", "--net", "--map-root-user", *cmd]
    out_path = workdir / f".{script}.output"
    started = time.perf_counter()
    timed_out = False
    exit_code: int | None = None
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=workdir, env=sandbox_environment(workdir), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT,
                                preexec_fn=_limit_child(memory_mb, file_size_mb), start_new_session=True)
        try:
            exit_code = proc.wait(timeout=wall_time_s)
        except subprocess.TimeoutExpired:
            timed_out = True
        _kill_group(proc)
    duration = time.perf_counter() - started
    with open(out_path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - output_limit))
        output = f.read().decode("utf-8", errors="replace")
    return ScriptRun(output, None if timed_out else exit_code, timed_out, isolated, round(duration, 3))


def _run_script(files: dict[str, str], script: str, limits: SandboxLimits) -> tuple[str, bool, bool]:
    """Run `script` with `files` beside it; returns (output, timed_out, network_isolated)."""
    with tempfile.TemporaryDirectory(prefix="elixir-coder-sandbox-") as tmp:
        workdir = Path(tmp)
        for name, content in files.items():
            path = workdir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        (workdir / "main.exs").write_text(script, encoding="utf-8")
        run = run_elixir_script(workdir, "main.exs", wall_time_s=limits.wall_time_s, memory_mb=limits.memory_mb,
                                file_size_mb=limits.file_size_mb)
    return run.output, run.timed_out, run.network_isolated


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


_BEHAVIOUR_SCRIPT = r'''
tag = "@TAG@"
Code.put_compiler_option(:ignore_module_conflict, true)
Process.flag(:trap_exit, true)
fun = String.to_atom(File.read!("fun.txt"))
arity = @ARITY@
wanted = Module.concat([File.read!("module.txt")])
inputs =
  for j <- 0..(@NINPUTS@ - 1)//1 do
    try do
      {args, _} = Code.eval_string(File.read!("inputs/#{j}.exs"))
      if is_list(args) and length(args) == arity, do: {:ok, args}, else: :bad
    rescue
      _ -> :bad
    catch
      _, _ -> :bad
    end
  end
call = fn mod, args ->
  task = Task.async(fn ->
    try do
      {:ok, apply(mod, fun, args)}
    rescue
      e -> {:raise, e.__struct__}
    catch
      :throw, v -> {:throw, v}
      :exit, _ -> {:exit}
    end
  end)
  case Task.yield(task, @TIMEOUT@) || Task.shutdown(task, :brutal_kill) do
    {:ok, r} -> r
    nil -> :timeout
    {:exit, _} -> {:exit}
  end
end
for i <- 0..(@NCANDS@ - 1)//1 do
  compiled =
    try do
      mods = Code.compile_string(File.read!("cands/#{i}.ex"), "candidate_#{i}.ex") |> Enum.map(&elem(&1, 0))
      mod = if wanted in mods, do: wanted, else: Enum.find(mods, &function_exported?(&1, fun, arity))
      if mod && function_exported?(mod, fun, arity), do: {:ok, mod}, else: {:error, "no #{fun}/#{arity}"}
    rescue
      e -> {:error, Exception.message(e) |> String.split("\n") |> hd()}
    end
  case compiled do
    {:ok, mod} ->
      Enum.with_index(inputs)
      |> Enum.reduce(0, fn {input, j}, timeouts ->
        result =
          case input do
            {:ok, args} when timeouts < 2 -> inspect(call.(mod, args), limit: 25, printable_limit: 160)
            {:ok, _} -> ":timeout"
            :bad -> "@BAD@"
          end
        IO.puts("#{tag} #{i} #{j} #{String.replace(result, "\n", " ")}")
        if result == ":timeout", do: timeouts + 1, else: timeouts
      end)
    {:error, msg} ->
      IO.puts("#{tag} #{i} @FAILED@ #{String.replace(msg, "\n", " ")}")
  end
end
IO.puts("#{tag} done")
'''


def run_behaviour(module: str, fun: str, arity: int, candidates: Sequence[str], inputs: Sequence[str],
                  limits: SandboxLimits | None = None) -> BehaviourRun:
    """Compile each candidate module and call `module.fun/arity` on each input, in one `elixir` process.

    Args:
        module: the module that should define the function (falls back to any compiled module
            that exports it).
        fun / arity: the function to call.
        candidates: Elixir sources, each defining the module.
        inputs: Elixir expressions, each evaluating to the argument list (e.g. `[[1, 2], 0]`).
        limits: time and memory limits.

    Raises:
        SandboxUnavailable: Elixir is not installed.
    """
    limits = limits or SandboxLimits()
    tag = "__EC_" + secrets.token_hex(8) + "__"
    files = {"fun.txt": fun, "module.txt": module}
    files.update({f"cands/{i}.ex": src for i, src in enumerate(candidates)})
    files.update({f"inputs/{j}.exs": src for j, src in enumerate(inputs)})
    script = (_BEHAVIOUR_SCRIPT.replace("@TAG@", tag).replace("@ARITY@", str(int(arity)))
              .replace("@NINPUTS@", str(len(inputs))).replace("@NCANDS@", str(len(candidates)))
              .replace("@TIMEOUT@", str(int(limits.call_timeout_ms))).replace("@BAD@", BAD_INPUT)
              .replace("@FAILED@", COMPILE_FAILED))
    output, timed_out, isolated = _run_script(files, script, limits)
    results: list[dict[int, str] | None] = [{} for _ in candidates]
    errors: dict[int, str] = {}
    for line in output.splitlines():
        if not line.startswith(tag + " "):
            continue
        parts = line[len(tag) + 1:].split(" ", 2)
        if len(parts) < 3 or not parts[0].isdigit():
            continue
        i = int(parts[0])
        if not 0 <= i < len(candidates):
            continue
        if parts[1] == COMPILE_FAILED:
            errors[i] = parts[2]
            results[i] = None
        elif parts[1].isdigit() and results[i] is not None:
            results[i][int(parts[1])] = _VOLATILE.sub(r"#\1<...>", parts[2])  # type: ignore[index]
    outputs: list[list[str] | None] = []
    for i, got in enumerate(results):
        if got is None or len(got) < len(inputs):
            # Not compiled, or the run ended (wall time) before all its calls: it cannot be compared.
            if got is not None and i not in errors:
                errors[i] = "did not finish within the time limit" if timed_out else "did not run"
            outputs.append(None)
        else:
            outputs.append([got[j] for j in range(len(inputs))])
    return BehaviourRun(outputs, errors, timed_out, isolated, output[-2000:])


_PARSE_SCRIPT = r'''
tag = "@TAG@"
for i <- 0..(@N@ - 1)//1 do
  case Code.string_to_quoted(File.read!("src/#{i}.ex"), columns: true) do
    {:ok, _} -> IO.puts("#{tag} #{i} ok")
    {:error, {meta, msg, token}} ->
      line = if is_list(meta), do: Keyword.get(meta, :line, 0), else: meta
      msg = if is_binary(msg), do: msg, else: inspect(msg)
      IO.puts("#{tag} #{i} error #{line} #{String.replace(msg <> to_string(token), "\n", " ")}")
  end
end
'''


@dataclass(frozen=True)
class ParseError:
    """What `Code.string_to_quoted` said about a source that does not parse."""

    line: int
    message: str


def parse_with_elixir(sources: Sequence[str], limits: SandboxLimits | None = None) -> list[ParseError | None]:
    """`Code.string_to_quoted` on each source (one process); None where a source parses.

    Raises:
        SandboxUnavailable: Elixir is not installed.
    """
    if not sources:
        return []
    tag = "__EC_" + secrets.token_hex(8) + "__"
    files = {f"src/{i}.ex": s for i, s in enumerate(sources)}
    script = _PARSE_SCRIPT.replace("@TAG@", tag).replace("@N@", str(len(sources)))
    output, _, _ = _run_script(files, script, limits or SandboxLimits(wall_time_s=15))
    found: dict[int, ParseError | None] = {}
    for line in output.splitlines():
        if not line.startswith(tag + " "):
            continue
        parts = line[len(tag) + 1:].split(" ", 3)
        if not parts[0].isdigit():
            continue
        if parts[1] == "ok":
            found[int(parts[0])] = None
        elif len(parts) >= 3:
            line_no = int(parts[2]) if parts[2].isdigit() else 0
            found[int(parts[0])] = ParseError(line_no, parts[3] if len(parts) > 3 else "syntax error")
    return [found.get(i, ParseError(0, "Elixir did not report on this source")) for i in range(len(sources))]
