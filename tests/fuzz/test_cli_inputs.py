"""Reproducers for issue 18's CLI findings: every input gets an answer, a reason on stderr, and an
exit status that cannot be confused with Credo's category bits (1-16) or Sobelow's (32)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

USAGE = 128
CODE = 'defmodule Ok do\n  @moduledoc false\n  def f, do: 1\nend\n'


def run_cli(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "elixir_coder.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "mix.exs").write_text("defmodule P.MixProject do\nend\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "ok.ex").write_text(CODE)
    return tmp_path


def test_usage_errors_exit_outside_the_bit_field(project: Path) -> None:
    missing = run_cli(project, "check", "no/such/file.ex")
    assert missing.returncode == USAGE and "no such file" in missing.stderr
    bad_option = run_cli(project, "check", "lib", "--format", "nope")
    assert bad_option.returncode == USAGE and "invalid choice" in bad_option.stderr
    nothing = run_cli(project)
    assert nothing.returncode == USAGE


@pytest.mark.parametrize("name, content, reason", [
    ("binary.ex", b"\x00\x01\x02defmodule", "binary"),
    ("latin1.ex", 'x = "caf\xe9"\n'.encode("latin-1"), "not UTF-8"),
    ("huge.ex", b"x = 1\n" * 1_000_000, "too large"),
])
def test_files_that_are_not_analysed_are_said_on_stderr(project: Path, name: str, content: bytes, reason: str) -> None:
    (project / "lib" / name).write_bytes(content)
    done = run_cli(project, "check", "lib")
    assert reason in done.stderr and name in done.stderr
    assert done.returncode < USAGE  # the other files were analysed: their bits, not an error


def test_a_fifo_in_a_checked_folder_is_reported_not_read(project: Path) -> None:
    os.mkfifo(project / "lib" / "x.ex")
    done = run_cli(project, "check", "lib", timeout=60)  # reading it would block forever
    assert "named pipe" in done.stderr and "x.ex" in done.stderr
    direct = run_cli(project, "check", "lib/x.ex", timeout=60)
    assert "named pipe" in direct.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every directory")
def test_an_unreadable_directory_is_reported(project: Path) -> None:
    locked = project / "lib" / "locked"
    locked.mkdir()
    (locked / "a.ex").write_text(CODE)
    locked.chmod(0)
    try:
        done = run_cli(project, "check", "lib")
        assert "cannot list" in done.stderr and "Traceback" not in done.stderr
        assert done.returncode < USAGE
    finally:
        locked.chmod(0o755)


def test_a_half_megabyte_line_and_lone_cr_lines_finish(project: Path) -> None:
    (project / "lib" / "line.ex").write_text("defmodule L do\n  @x [" + ", ".join(str(100000 + i) for i in range(60000))
                                             + "]\nend\n")
    (project / "lib" / "cr.ex").write_text("defmodule C do\r" + "".join(f"  x = {100000 + i}\r" for i in range(20000))
                                           + "end\r")
    done = run_cli(project, "check", "lib", "--format", "json", timeout=120)
    assert done.returncode < USAGE
