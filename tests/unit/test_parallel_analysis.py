"""Credo's checks split over processes give the single-process result, issue for issue and in order."""

from __future__ import annotations

import multiprocessing
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from elixir_coder.analysis.credo_config import CredoConfig
from elixir_coder.analysis.parallel import FileClaims, analyze_in_processes, process_count, run_chunks
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


def test_small_runs_stay_in_one_process() -> None:
    assert process_count(10, 4) == 1
    assert process_count(100, 2) == 2


def test_processes_take_every_file_once_each_in_file_order() -> None:
    context = multiprocessing.get_context("fork")
    claims = FileClaims(context, 500)
    mine, theirs = context.Pipe()

    def take_all(conn: Connection) -> None:
        taken = []
        while (position := claims.take()) is not None:
            taken.append(position)
        conn.send(taken)
        conn.close()

    process = context.Process(target=take_all, args=(theirs,))
    process.start()
    here = []
    while (position := claims.take()) is not None:
        here.append(position)
    there = mine.recv()
    process.join(timeout=10)
    assert here == sorted(here) and there == sorted(there)
    assert sorted(here + there) == list(range(500))
    assert claims.take() is None


def test_problems_keep_the_position_of_their_file(tmp_path: Path) -> None:
    files = _project(tmp_path, 40)
    files.append(tmp_path / "lib" / "binary.ex")
    chunks = run_chunks(files, tmp_path, tmp_path, CredoConfig(), AnalysisOptions(strict=True, sobelow=False), 2)
    assert chunks is not None
    load = [item for chunk in chunks for item in chunk.load_problems]
    syntax = [item for chunk in chunks for item in chunk.syntax]
    assert [position for position, _ in load] == [40] and load[0][1].filename.endswith("binary.ex")
    assert [position for position, _ in syntax] == [11] and syntax[0][1].filename.endswith("m011.ex")


def test_a_claim_lock_never_released_ends_the_split_run_instead_of_hanging(monkeypatch) -> None:
    from elixir_coder.analysis import parallel

    monkeypatch.setattr(parallel, "CLAIM_WAIT_S", 0.05)
    claims = FileClaims(multiprocessing.get_context("fork"), 3)
    assert claims.take() == 0
    lock = claims._lock
    lock.acquire()  # as a process killed while taking a file leaves it
    try:
        with pytest.raises(TimeoutError):
            claims.take()
    finally:
        lock.release()
    assert claims.take() == 1
