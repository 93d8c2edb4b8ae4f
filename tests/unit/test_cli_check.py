"""`elixir-coder check`: formats, exit statuses, errors, and the real-tools path (with a stand-in mix)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from elixir_coder.cli.main import main

SAMPLE = textwrap.dedent(
    """\
    defmodule Sample do
      @moduledoc "Sample."

      def big, do: 1000000

      def convert(input) do
        String.to_atom(input)
      end
    end
    """
)

CREDO_KEYS = {"category", "check", "column", "column_end", "filename", "line_no", "message", "priority", "scope", "trigger"}


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "mix.exs").write_text("defmodule Sample.MixProject do\nend\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "sample.ex").write_text(SAMPLE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_cli(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "elixir_coder.cli", *args], capture_output=True, text=True, check=False
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_credo_json_has_the_real_shape_and_relative_paths(project: Path) -> None:
    code, out, _ = run_cli("check", "lib", "--format", "credo-json", "--strict")
    doc = json.loads(out)
    assert set(doc) == {"issues"}
    large = [i for i in doc["issues"] if i["check"] == "Credo.Check.Readability.LargeNumbers"]
    assert large, doc
    assert set(large[0]) == CREDO_KEYS
    assert large[0]["filename"] == os.path.join("lib", "sample.ex")
    assert large[0]["line_no"] == 4 and large[0]["trigger"] == "1000000"
    assert large[0]["category"] == "readability"
    # readability bit (4) set in the exit status, like mix credo
    assert code & 4


def test_mute_exit_status_and_only(project: Path) -> None:
    code, out, _ = run_cli("check", "lib", "--format", "credo-json", "--only", "LargeNumbers", "--mute-exit-status")
    assert code == 0
    checks = {i["check"] for i in json.loads(out)["issues"]}
    assert checks == {"Credo.Check.Readability.LargeNumbers"}


def test_sobelow_json_shape(project: Path) -> None:
    _, out, _ = run_cli("check", "lib", "--format", "sobelow-json")
    doc = json.loads(out)
    assert set(doc) == {"findings", "total_findings", "sobelow_version"}
    assert set(doc["findings"]) == {"high_confidence", "medium_confidence", "low_confidence"}
    low = doc["findings"]["low_confidence"]
    assert any(f["type"].startswith("DOS.StringToAtom") and f["line"] == 7 for f in low), doc
    assert doc["total_findings"] == sum(len(v) for v in doc["findings"].values())


def test_text_format_and_broken_and_binary_files(project: Path) -> None:
    (project / "lib" / "broken.ex").write_text("defmodule Broken do\n  def f(x) do\n    x +\nend\n")
    (project / "lib" / "blob.ex").write_bytes(b"\x00\x01binary")
    code, out, _ = run_cli("check", "lib", "--strict")
    assert "lib/broken.ex:" in out and "syntax" in out
    assert "binary file" in out
    assert "Readability.LargeNumbers" in out
    assert code != 0


def test_missing_path_is_one_clear_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "does/not/exist"]) == 128
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "no such file" in err


def test_analyzer_mix_uses_the_real_tools_json(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Stand-in for `mix` (Hex is unreachable here, so real Credo cannot be installed): it prints
    # JSON in the exact shapes the real tools print, after a compile line as mix does.
    bin_dir = tmp_path_factory.mktemp("fakebin")
    fake_mix = bin_dir / "mix"
    fake_mix.write_text(
        textwrap.dedent(
            """\
            #!/bin/sh
            echo "Compiling 1 file (.ex)"
            if [ "$1" = credo ]; then
              echo '{"issues": [{"category": "design", "check": "Credo.Check.Design.TagTODO", "column": 5,
                "column_end": 9, "filename": "lib/sample.ex", "line_no": 3, "message": "Found a TODO tag.",
                "priority": 1, "scope": "Sample", "trigger": "TODO"}]}'
              exit 2
            fi
            echo '{"findings": {"high_confidence": [], "medium_confidence": [], "low_confidence":
              [{"type": "DOS.StringToAtom: Unsafe `String.to_atom`", "file": "lib/sample.ex", "line": 7,
                "variable": "input"}]}, "total_findings": 1, "sobelow_version": "0.13.0"}'
            """
        )
    )
    fake_mix.chmod(0o755)
    (project / "mix.lock").write_text(
        '%{\n  "credo": {:hex, :credo, "1.7.19", "x", [:mix], [], "hexpm", "y"},\n'
        '  "sobelow": {:hex, :sobelow, "0.13.0", "x", [:mix], [], "hexpm", "y"},\n}\n'
    )
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [sys.executable, "-m", "elixir_coder.cli", "check", "lib", "--analyzer", "mix", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    doc = json.loads(proc.stdout)
    assert doc["engine"] == "mix"
    assert [i["check"] for i in doc["issues"]] == ["Credo.Check.Design.TagTODO"]
    assert doc["findings"][0]["type"].startswith("DOS.StringToAtom") and doc["findings"][0]["variable"] == "input"


def test_analyzer_mix_without_tools_is_an_error(project: Path) -> None:
    code, _, err = run_cli("check", "lib", "--analyzer", "mix")
    assert code == 128 and "mix.lock" in err


def test_check_loads_only_the_analyzer_and_help_still_lists_every_command(tmp_path: Path) -> None:
    source = tmp_path / "sample.ex"
    source.write_text(SAMPLE)
    probe = ("import sys; from elixir_coder.cli.main import main; "
             f"main(['check', {str(source)!r}, '--mute-exit-status']); "
             "print(sorted(m for m in sys.modules if m.startswith(('elixir_coder.training', 'elixir_coder.telemetry', "
             "'elixir_coder.assist', 'elixir_coder.model'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
    usage = subprocess.run([sys.executable, "-m", "elixir_coder.cli", "--help"], capture_output=True, text=True).stdout
    assert "check" in usage and "train" in usage
