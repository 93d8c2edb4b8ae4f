"""Packaging promises: the runtime install has no torch, and runtime modules never import it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_runtime_dependencies_exclude_training_stack() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"]).lower()
    for heavy in ("torch", "transformers", "peft"):
        assert heavy not in runtime
    assert any(d.startswith("torch") for d in project["optional-dependencies"]["train"])
    assert project["scripts"]["elixir-coder"] == "elixir_coder.cli.main:main"


def test_runtime_modules_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import elixir_coder.server.app, elixir_coder.cli.main, elixir_coder.model.engine\n"
        "import elixir_coder.model.registry, elixir_coder.telemetry.store\n"
        "elixir_coder.cli.main.build_parser()\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'heavy import'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_no_top_level_server_or_model_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert all(p.startswith("elixir_coder.") for p in project["packages"])
