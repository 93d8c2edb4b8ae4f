"""Credo's checks split over processes give the single-process result, issue for issue and in order."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from elixir_coder.analysis.credo_config import CredoConfig
from elixir_coder.analysis.parallel import analyze_in_processes, process_count, run_chunks, split
from elixir_coder.analysis.runner import AnalysisOptions, analyze_paths


def _project(root: Path, count: int) -> list[Path]:
    """Files that disagree with each other (consistency checks) and with Credo (per-file checks)."""
    paths = []
    for n in range(count):
        spaced = "a + b" if n % 3 else "a+b"
        exception = f"Bad{n}Error" if n % 4 else f"Bad{n}Exception"
        indent = "\t" if n == 7 else "  "
        text = (f"defmodule M{n} do\n{indent}@moduledoc false\n  defmodule {exception} do\n    defexception [:message]\n"
                f"  end\n\n  def f{n}(a, b), do: {spaced} + 1000000\n"
                + ("  # credo:disable-for-next-line\n  def g(x), do: x * 1000000\n" if n % 5 == 0 else "")
                + ("  def broken(x do\n" if n == 11 else "")
                + ("  def h(x), do: foo( x )\n" if n == 53 else "")
                + "end\n")
        path = root / "lib" / f"m{n:03}.ex"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        paths.append(path)
    (root / "lib" / "binary.ex").write_bytes(b"\x00\x01not text")
    return paths


def test_split_run_equals_single_process_run(tmp_path: Path) -> None:
    _project(tmp_path, 80)
    options = AnalysisOptions(strict=True, sobelow=False)
    one = analyze_paths([tmp_path / "lib"], root=tmp_path, options=options, display_base=tmp_path)
    two = analyze_paths([tmp_path / "lib"], root=tmp_path, options=options, display_base=tmp_path,
                       split=partial(analyze_in_processes, processes=2))
    assert one.issues and {i.check for i in one.issues} >= {
        "Credo.Check.Consistency.SpaceAroundOperators", "Credo.Check.Consistency.ExceptionNames",
        "Credo.Check.Consistency.SpaceInParentheses", "Credo.Check.Readability.LargeNumbers"}
    assert two.issues == one.issues
    assert two.problems == one.problems and any(p.kind == "syntax" for p in one.problems)
    assert two.files == one.files


def test_the_chunks_really_run_in_processes(tmp_path: Path) -> None:
    files = _project(tmp_path, 60)
    chunks = run_chunks(files, tmp_path, tmp_path, CredoConfig(), AnalysisOptions(strict=True, sobelow=False), 3)
    assert chunks is not None and len(chunks) == 3
    assert sum(len(c.issues) for c in chunks) > 0


def test_small_runs_stay_in_one_process_and_chunks_keep_file_order(tmp_path: Path) -> None:
    assert process_count(10, 4) == 1
    assert process_count(100, 2) == 2
    files = _project(tmp_path, 30)
    parts = split(files, 3)
    assert [p for part in parts for p in part] == files and len(parts) == 3
