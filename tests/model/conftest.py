"""Session fixtures: one tiny Llama checkpoint and its CTranslate2 export."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_models import build_tiny_llama, tiny_manifest


@pytest.fixture(scope="session")
def tiny_hf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("hf"))


@pytest.fixture(scope="session")
def tiny_model(tiny_hf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from elixir_coder.training.export import export_model

    return export_model(tiny_hf, tmp_path_factory.mktemp("ct2") / "base", manifest=tiny_manifest())
