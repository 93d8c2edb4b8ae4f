"""Elixir's standard library and Erlang's modules as `ModuleApi` values, read from the Elixir on PATH.

One `elixir` run lists every module on the code path (Elixir's and OTP's, ~950 with Elixir
1.14): exports with arity, macros, the first line of each @doc, and struct fields. The
listing is cached under the user's cache folder, keyed by the `elixir` executable and its
modification time, so it runs once per installation (~5 s). Without Elixir, a listing generated
at build time ships as package data (`server/data/stdlib_api.txt.gz`); regenerate it with
`python -m elixir_coder.server.stdlib_api server/data/stdlib_api.txt.gz`.

The listing is line based (tab separated): `M <module>`, then `F <name> <arity> <kind>
<h if @doc false> <first doc line>` per function and `S <field>...` for a struct.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

from .api_model import ApiFunction, ModuleApi

log = logging.getLogger(__name__)

PACKAGED = "data/stdlib_api.txt.gz"
LISTING_TIMEOUT_S = 120

# Loads every module on the code path and prints its callable surface.
LISTING_SCRIPT = r'''
clean = fn s -> s |> String.replace(~r/[\t\n\r]+/, " ") |> String.trim() end
first_line = fn
  %{"en" => doc} -> doc |> String.split("\n", parts: 2) |> hd() |> clean.()
  _ -> ""
end
for {name, _, _} <- :code.all_available() do
  mod = List.to_atom(name)
  with {:module, _} <- Code.ensure_loaded(mod) do
    elixir? = String.starts_with?(List.to_string(name), "Elixir.")
    IO.puts("M\t" <> inspect(mod))
    docs =
      with true <- elixir?, {:docs_v1, _, _, _, _, _, entries} <- Code.fetch_docs(mod) do
        for {{kind, f, a}, _, _, doc, _} <- entries, kind in [:function, :macro], into: %{}, do: {{f, a}, doc}
      else
        _ -> %{}
      end
    macros = if elixir?, do: mod.__info__(:macros), else: []
    for {f, a} <- mod.module_info(:exports) ++ macros, not String.starts_with?(Atom.to_string(f), "MACRO-") do
      doc = Map.get(docs, {f, a})
      hidden = if doc == :hidden, do: "h", else: ""
      kind = if {f, a} in macros, do: "defmacro", else: "def"
      IO.puts(Enum.join(["F", Atom.to_string(f), a, kind, hidden, first_line.(doc)], "\t"))
    end
    if elixir? and function_exported?(mod, :__struct__, 0) do
      fields = mod.__struct__() |> Map.keys() |> Enum.reject(&(&1 == :__struct__)) |> Enum.map(&Atom.to_string/1)
      IO.puts(Enum.join(["S" | fields], "\t"))
    end
  end
end
'''


def parse_listing(text: str) -> dict[str, ModuleApi]:
    """Modules of a listing printed by `LISTING_SCRIPT`, by name as written in Elixir."""
    modules: dict[str, ModuleApi] = {}
    name: str | None = None
    functions: list[ApiFunction] = []
    fields: tuple[str, ...] | None = None

    def flush() -> None:
        if name is not None:
            origin = "erlang" if name.startswith(":") else "stdlib"
            modules[name] = ModuleApi(name, tuple(functions), fields, False, origin)

    for line in text.split("\n"):
        parts = line.split("\t")
        if parts[0] == "M" and len(parts) == 2:
            flush()
            name, functions, fields = parts[1], [], None
        elif parts[0] == "F" and len(parts) >= 5 and parts[2].isdigit():
            doc = parts[5] if len(parts) > 5 and parts[5] else None
            functions.append(ApiFunction(parts[1], int(parts[2]), parts[3], doc, parts[4] == "h"))
        elif parts[0] == "S":
            fields = tuple(parts[1:])
    flush()
    return modules


def run_listing(elixir: str, timeout: float = LISTING_TIMEOUT_S) -> str:
    """The listing printed by `elixir` (raises `RuntimeError` when it fails).

    Args:
        elixir: the executable.
        timeout: seconds before giving up.
    """
    try:
        # stdin closed: in the language server stdin is the LSP stream, and the Erlang VM would read it.
        done = subprocess.run([elixir, "-e", LISTING_SCRIPT], capture_output=True, text=True, timeout=timeout,
                              check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"{elixir}: {exc}") from exc
    if done.returncode != 0 or "\nF\t" not in done.stdout:
        raise RuntimeError(f"{elixir} exited {done.returncode}: {done.stderr.strip()[:300]}")
    return done.stdout


def cache_dir() -> Path:
    """Where listings are cached: `$ELIXIR_CODER_HOME/cache`, else `$XDG_CACHE_HOME/elixir-coder` (~/.cache)."""
    home = os.environ.get("ELIXIR_CODER_HOME")
    if home:
        return Path(home) / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "elixir-coder"


def _installation_key(elixir: str) -> str:
    real = Path(elixir).resolve()
    stat = real.stat()
    return hashlib.sha256(f"{real}:{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()[:16]


def packaged_listing() -> str:
    """The listing generated at build time and shipped with the package."""
    data = resources.files("elixir_coder.server").joinpath(PACKAGED).read_bytes()
    return gzip.decompress(data).decode("utf-8")


def load_stdlib(elixir: str | None = None, cache: Path | None = None) -> tuple[dict[str, ModuleApi], str]:
    """Standard library modules and where they came from ("elixir", "cache" or "packaged").

    Args:
        elixir: the executable (default: `elixir` on PATH; "" forces the packaged table).
        cache: the cache folder (default: `cache_dir()`).
    """
    exe = shutil.which("elixir") if elixir is None else (shutil.which(elixir) if elixir else None)
    if exe:
        try:
            path = (cache or cache_dir()) / f"stdlib-{_installation_key(exe)}.txt.gz"
            if path.is_file():
                return parse_listing(gzip.decompress(path.read_bytes()).decode("utf-8")), "cache"
            text = run_listing(exe)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(gzip.compress(text.encode("utf-8")))
            os.replace(tmp, path)
            return parse_listing(text), "elixir"
        except (OSError, RuntimeError) as exc:
            log.warning("standard library listing failed, using the packaged one: %s", exc)
    return parse_listing(packaged_listing()), "packaged"


def main(argv: list[str] | None = None) -> int:
    """Write the packaged listing from the Elixir on PATH: `python -m elixir_coder.server.stdlib_api OUT`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m elixir_coder.server.stdlib_api OUT.txt.gz", file=sys.stderr)
        return 2
    exe = shutil.which("elixir")
    if not exe:
        print("no elixir on PATH", file=sys.stderr)
        return 1
    text = run_listing(exe)
    # mtime 0: the same installation gives the same bytes.
    Path(args[0]).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    print(f"{args[0]}: {len(parse_listing(text))} modules")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
