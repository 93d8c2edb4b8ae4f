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
def _network_namespace() -> bool:
    unshare = shutil.which("unshare")
    if not unshare:
        return False
    try:
        proc = subprocess.run([unshare, "--net", "--map-root-user", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def _environment(workdir: Path) -> dict[str, str]:
    dirs: list[str] = []
    for exe in (elixir_path() or "", shutil.which("erl") or ""):
        if exe:
            for d in (os.path.dirname(exe), os.path.dirname(os.path.realpath(exe))):
                if d not in dirs:
                    dirs.append(d)
    dirs += [d for d in ("/usr/local/bin", "/usr/bin", "/bin") if d not in dirs]
    home = str(workdir)
    return {"PATH": os.pathsep.join(dirs), "HOME": home, "TMPDIR": home, "MIX_HOME": os.path.join(home, ".mix"),
            "HEX_HOME": os.path.join(home, ".hex"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "ERL_FLAGS": "+MIscs 64", "ERL_CRASH_DUMP_SECONDS": "0", "ERL_CRASH_DUMP": os.devnull}


def _limit_child(limits: SandboxLimits) -> Callable[[], None]:
    def apply() -> None:
        if limits.memory_mb > 0:
            size = limits.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
        fsize = limits.file_size_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _run_script(files: dict[str, str], script: str, limits: SandboxLimits) -> tuple[str, bool, bool]:
    """Run `script` with `files` beside it; returns (output, timed_out, network_isolated)."""
    exe = elixir_path()
    if exe is None:
        raise SandboxUnavailable("`elixir` is not on PATH")
    isolated = _network_namespace()
    with tempfile.TemporaryDirectory(prefix="elixir-coder-sandbox-") as tmp:
        workdir = Path(tmp)
        for name, content in files.items():
            path = workdir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        (workdir / "main.exs").write_text(script, encoding="utf-8")
        cmd = [exe, "main.exs"]
        if isolated:
            cmd = [shutil.which("unshare") or "unshare", "--net", "--map-root-user", *cmd]
        out_path = workdir / "output.txt"
        timed_out = False
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(cmd, cwd=workdir, env=_environment(workdir), stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, preexec_fn=_limit_child(limits),
                                    start_new_session=True)
            try:
                proc.wait(timeout=limits.wall_time_s)
            except subprocess.TimeoutExpired:
                timed_out = True
            _kill_group(proc)  # also reaps children a finished run left behind
        output = out_path.read_bytes()[-400_000:].decode("utf-8", errors="replace")
    return output, timed_out, isolated


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
