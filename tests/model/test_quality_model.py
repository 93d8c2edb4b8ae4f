"""The quality model: generate and clarification use it when the registry has one; completions never do;
a broken or switched-off one falls back to the current version."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elixir_coder.model.manifest import read_manifest, write_manifest
from elixir_coder.model.registry import BASE, Registry
from elixir_coder.server.models import ModelService
from elixir_coder.server.settings import Settings

pytest.importorskip("ctranslate2")


def _copy(tiny_model: Path, dest: Path, version: str) -> Path:
    shutil.copytree(tiny_model, dest)
    m = read_manifest(dest)
    m.version = version
    write_manifest(dest, m)
    return dest


@pytest.fixture()
def service(tiny_model: Path, tmp_path: Path):
    shipped = tmp_path / "shipped"
    _copy(tiny_model, shipped / BASE, "fast-1")
    svc = ModelService(Registry(tmp_path / "reg", shipped=shipped))
    yield svc
    svc.close()


def test_generation_uses_the_quality_model_and_completion_does_not(service, tiny_model: Path, tmp_path: Path):
    assert service.load_for_generation(BASE).version == "fast-1"  # none registered: the current version
    service.registry.set_quality(_copy(tiny_model, tmp_path / "q", "quality-1"))
    assert service.load_for_generation(BASE).version == "quality-1"
    assert service.load_for_generation("exunit").version == "quality-1"
    assert service.load(BASE).version == "fast-1"
    status = service.status()
    assert status["qualityModel"] == "quality-1" and status["version"] == "fast-1"
    assert "quality" not in status["loadedAdapters"]


def test_setting_off_or_an_explicit_model_path_keeps_the_current_version(service, tiny_model: Path, tmp_path: Path):
    service.registry.set_quality(_copy(tiny_model, tmp_path / "q", "quality-1"))
    service.configure(Settings(quality_model=False))
    assert service.load_for_generation(BASE).version == "fast-1"
    service.configure(Settings(model_path=str(service.registry.shipped)))
    assert service.quality_dir() is None


def test_a_quality_model_that_cannot_load_falls_back(service, tiny_model: Path, tmp_path: Path):
    service.registry.set_quality(_copy(tiny_model, tmp_path / "q", "quality-1"))
    # Files that pass validation but that CTranslate2 cannot read.
    (service.registry.quality_dir() / "model.bin").write_bytes(b"not a model" * 100)
    engine = service.load_for_generation(BASE)
    assert engine.version == "fast-1"
    assert service.status()["error"] is None and service.status()["qualityModel"] is None
