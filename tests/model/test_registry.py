"""The registry: register, promote, rollback, fallbacks, corrupt versions, and atomicity under SIGKILL."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from elixir_coder.model.manifest import ModelDirectoryError, read_manifest, write_manifest
from elixir_coder.model.registry import Registry

pytest.importorskip("torch")


def _version_dir(tiny_model: Path, tmp_path: Path, version: str, adapter: str | None = None) -> Path:
    d = tmp_path / f"src-{version}-{adapter}"
    if d.exists():
        shutil.rmtree(d)
    shutil.copytree(tiny_model, d)
    m = read_manifest(d)
    m.version, m.adapter = version, adapter
    write_manifest(d, m)
    return d


def test_register_promote_rollback_and_adapter_fallback(tiny_model: Path, tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    shutil.copytree(tiny_model, shipped / "base")
    reg = Registry(tmp_path / "reg", shipped=shipped)
    assert reg.resolve() == shipped / "base"  # empty registry: the shipped default serves
    reg.register(_version_dir(tiny_model, tmp_path, "v1"))
    reg.register(_version_dir(tiny_model, tmp_path, "v1", "exunit"))
    reg.register(_version_dir(tiny_model, tmp_path, "v2"))
    reg.promote("v1")
    assert reg.resolve(adapter="exunit") == reg.versions_dir / "v1" / "exunit"
    reg.promote("v2")
    assert reg.resolve(adapter="exunit") == reg.versions_dir / "v2" / "base"  # missing adapter -> base
    assert [v.version for v in reg.list() if v.current] == ["v2"]
    assert reg.rollback() == "v1" and reg.current_version() == "v1"
    with pytest.raises(ModelDirectoryError, match="already has"):
        reg.register(_version_dir(tiny_model, tmp_path, "v1"))
    with pytest.raises(ModelDirectoryError):
        reg.promote("missing")
    assert reg.current_version() == "v1"


def test_corrupt_current_falls_back_to_previous(tiny_model: Path, tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg", shipped=tmp_path / "none")
    for v in ("v1", "v2"):
        reg.register(_version_dir(tiny_model, tmp_path, v))
    reg.promote("v1")
    reg.promote("v2")
    (reg.versions_dir / "v2" / "base" / "model.bin").write_bytes(b"")
    assert reg.resolve() == reg.versions_dir / "v1" / "base"
    with pytest.raises(ModelDirectoryError, match="model.bin"):
        reg.resolve("v2")
    # promoting a broken version is refused and the one in service stays
    (reg.versions_dir / "v1" / "base" / "tokenizer.json").write_text("{")
    with pytest.raises(ModelDirectoryError):
        reg.promote("v1")
    assert reg.current_version() == "v2"


def test_register_refuses_a_half_written_dir(tiny_model: Path, tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg")
    half = tmp_path / "half"
    shutil.copytree(tiny_model, half)
    (half / "tokenizer.json").unlink()
    with pytest.raises(ModelDirectoryError, match="tokenizer.json"):
        reg.register(half)
    assert not (reg.versions_dir / "t1").exists() or not any((reg.versions_dir / "t1").iterdir())


def test_kill_during_promote_leaves_a_valid_current(tiny_model: Path, tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg", shipped=tmp_path / "none")
    for v in ("v1", "v2"):
        reg.register(_version_dir(tiny_model, tmp_path, v))
    reg.promote("v1")
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from elixir_coder.model.registry import Registry
        reg = Registry(Path({str(reg.root)!r}))
        print("ready", flush=True)
        i = 0
        while True:
            reg.promote("v2" if i % 2 else "v1")
            i += 1
        """
    )
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = json.loads((reg.root / "current").read_text())
        assert data["version"] in {"v1", "v2"}
        assert reg.resolve() == reg.versions_dir / data["version"] / "base"


def test_ab_choice_is_deterministic_and_weighted(tmp_path: Path) -> None:
    reg = Registry(tmp_path)
    picks = [reg.ab_choice({"v1": 0.9, "v2": 0.1}, f"req-{i}") for i in range(2000)]
    assert picks == [reg.ab_choice({"v1": 0.9, "v2": 0.1}, f"req-{i}") for i in range(2000)]
    share = picks.count("v2") / len(picks)
    assert 0.07 < share < 0.13


def test_model_cli_list_promote_show(tiny_model: Path, tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg")
    reg.register(_version_dir(tiny_model, tmp_path, "v9"))

    def cli(*a: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "elixir_coder.cli", "model", "--registry",
                               str(reg.root), *a], capture_output=True, text=True)

    assert "v9" in cli("list").stdout
    assert cli("promote", "v9").returncode == 0
    assert '"version": "v9"' in cli("show").stdout
    bad = cli("promote", "nope")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1


def test_watch_calls_back_when_current_changes(tiny_model: Path, tmp_path: Path) -> None:
    import threading

    reg = Registry(tmp_path / "reg", shipped=tmp_path / "none")
    for v in ("v1", "v2"):
        reg.register(_version_dir(tiny_model, tmp_path, v))
    reg.promote("v1")
    seen: list[str | None] = []
    stop = threading.Event()
    thread = threading.Thread(target=reg.watch, args=(seen.append, stop), daemon=True)
    thread.start()
    time.sleep(0.5)  # let the watcher start before the change
    reg.promote("v2")
    deadline = time.monotonic() + 10
    while not seen and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=5)
    assert seen == ["v2"] and not thread.is_alive()


def test_no_model_at_all_is_one_clear_line(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "reg", shipped=tmp_path / "none")
    with pytest.raises(ModelDirectoryError, match="no model available") as info:
        reg.resolve()
    assert "\n" not in str(info.value) and "import-hf" in str(info.value)


def _cli(*a: str, home: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "ELIXIR_CODER_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "elixir_coder.cli", *a], capture_output=True, text=True,
                          env=env, timeout=120)


def test_complete_command(tiny_model: Path, tmp_path: Path) -> None:
    src = tmp_path / "lib" / "a.ex"
    src.parent.mkdir()
    src.write_text("defmodule A do\n  def f(x) do\n    \n  end\nend\n")
    reg = Registry(tmp_path / "home" / "models")
    reg.register(_version_dir(tiny_model, tmp_path, "v7"))
    reg.promote("v7")
    out = _cli("complete", f"{src}:3:5", "--max-tokens", "8", home=tmp_path / "home")
    assert out.returncode == 0, out.stderr
    assert "model v7" in out.stderr and out.stdout.endswith("\n")
    bad = _cli("complete", f"{src}:3", home=tmp_path / "home")
    assert bad.returncode == 1 and "FILE:LINE:COL" in bad.stderr and bad.stderr.count("\n") == 1
    missing = _cli("complete", f"{tmp_path}/nope.ex:1:1", home=tmp_path / "home")
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1


def test_complete_command_without_any_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from elixir_coder.cli import model as cli_commands
    from elixir_coder.model import registry

    monkeypatch.setattr(registry, "SHIPPED_DEFAULT", tmp_path / "no-shipped")
    monkeypatch.setenv("ELIXIR_CODER_HOME", str(tmp_path / "home"))
    src = tmp_path / "a.ex"
    src.write_text("x = 1\n")
    parser = argparse.ArgumentParser()
    cli_commands.register(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(["complete", f"{src}:1:5"])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("elixir-coder: no model available") and err.count("\n") == 1


def test_complete_command_on_the_shipped_default(tmp_path: Path) -> None:
    """The README's main job: an empty registry serves the model shipped in the package."""
    from elixir_coder.model.registry import SHIPPED_DEFAULT

    if not (SHIPPED_DEFAULT / "base" / "model.bin").is_file():
        pytest.skip("no shipped default model in this checkout")
    src = tmp_path / "a.ex"
    src.write_text("defmodule A do\n  def f(x) do\n    \n  end\nend\n")
    out = _cli("complete", f"{src}:3:5", "--max-tokens", "8", home=tmp_path / "home")
    assert out.returncode == 0, out.stderr


def test_quality_model_set_cleared_shipped_and_corrupt(tiny_model: Path, tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    shutil.copytree(tiny_model, shipped / "base")
    reg = Registry(tmp_path / "reg", shipped=shipped)
    assert reg.quality_dir() is None  # nothing registered, nothing shipped: the features use the current version
    assert reg.set_quality(_version_dir(tiny_model, tmp_path, "q1")) == "q1"
    assert reg.quality_dir() == tmp_path / "reg" / "quality" / "q1"
    assert read_manifest(reg.quality_dir()).version == "q1"
    assert reg.resolve() == shipped / "base"  # completions are not affected
    # A quality model shipped beside the default set (model/quality/ next to model/default/) serves when
    # none is registered.
    shutil.copytree(_version_dir(tiny_model, tmp_path, "shipped-q"), tmp_path / "quality")
    reg.clear_quality()
    assert reg.quality_dir() == tmp_path / "quality"
    # A registered one that got corrupted is skipped (logged), never raised.
    reg.set_quality(_version_dir(tiny_model, tmp_path, "q2"))
    (tmp_path / "reg" / "quality" / "q2" / "model.bin").write_bytes(b"")
    assert reg.quality_dir() == tmp_path / "quality"
    shutil.rmtree(tmp_path / "quality")
    assert reg.quality_dir() is None
